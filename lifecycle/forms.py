from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class EraseForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the erasure"), max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("e.g. the person's request of 2026-12-01, received by the HR training centre"),
    )  # fmt: skip


class ErasedCheckForm(forms.Form):
    """Typed as people type it: full-width digits from the IME are folded by person_hash."""

    staff_number = forms.CharField(label=_("Staff number"), max_length=20)
    organisation_code = forms.CharField(
        label=_("Organisation code (external staff only)"), max_length=20, required=False
    )
