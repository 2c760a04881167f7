"""The admin's account form as a page would post it (for the admin tests)."""

from __future__ import annotations

from django.urls import reverse


def change_form(client, user) -> dict:
    """The admin's change form as the page would post it, unchanged."""
    page = client.get(reverse("admin:trainees_user_change", args=[user.pk]))
    form = page.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if name in form.base_fields and hasattr(value, "__iter__") and not isinstance(value, str):
            offered = set(field.queryset.values_list("pk", flat=True))  # what the page shows
            data[name] = [pk for pk in (getattr(v, "pk", v) for v in value) if pk in offered]
        elif value is not None and name not in ("password",):
            data[name] = getattr(value, "pk", value)
    data["is_active"] = "on" if user.is_active else ""
    return {k: v for k, v in data.items() if v not in ("", None, False) or k == "is_active"}
