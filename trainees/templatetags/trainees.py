from __future__ import annotations

from django import template

from trainees.roles import Role

register = template.Library()
LABELS = {role.value: role.label for role in Role}


@register.filter(name="role_labels")
def role_labels(codes: str) -> str:
    """Role codes as stored ("hr_admin,trainee") in the reader's language."""
    return "、".join(str(LABELS.get(code, code)) for code in (codes or "").split(",") if code)
