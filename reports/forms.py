from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from courses.models import Category
from lib.forms import FoldedNumbersMixin
from reports.models import HistoryRecord
from reports.services import FIELDS


class DepartmentForm(FoldedNumbersMixin, forms.Form):
    """A chase list's department (the page and its export read it the same way)."""

    department = forms.IntegerField(required=False, min_value=1)


class HistoryFilterForm(FoldedNumbersMixin, forms.Form):
    fiscal_year = forms.IntegerField(
        label=_("Fiscal year"), required=False, min_value=1989, max_value=2100
    )
    category = forms.ChoiceField(
        label=_("category"), required=False, choices=[("", _("All")), *Category.choices]
    )


class HistoryRecordForm(FoldedNumbersMixin, forms.ModelForm):
    """A training taken outside the portal, with why it is being recorded or corrected."""

    reason = forms.CharField(
        label=_("reason for this change"),
        max_length=300,
        help_text=_("Kept with the record: e.g. 派遣研修の修了証を確認, 旧システムからの移行."),
    )

    class Meta:
        model = HistoryRecord
        fields = list(FIELDS)
        widgets = {
            "started_on": forms.DateInput(attrs={"type": "date"}),
            "ended_on": forms.DateInput(attrs={"type": "date"}),
        }

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        started, ended = cleaned.get("started_on"), cleaned.get("ended_on")
        if started and ended and ended < started:
            self.add_error("ended_on", _("The last day cannot be before the first day."))
        return cleaned


class RemoveRecordForm(forms.Form):
    reason = forms.CharField(label=_("reason for removing it"), max_length=300)
