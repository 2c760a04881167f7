from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from audit import kinds
from lib.forms import FoldedNumbersMixin

STATUS_CLASSES = [("", _("All")), ("2", "2xx"), ("3", "3xx"), ("4", "4xx"), ("5", "5xx")]


class _PeriodForm(forms.Form):
    user = forms.CharField(label=_("Login ID"), required=False, max_length=64)
    date_from = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    ip = forms.GenericIPAddressField(label=_("IP address"), required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            raise ValidationError(_("The start date is after the end date."))
        return cleaned


class AccessLogFilterForm(FoldedNumbersMixin, _PeriodForm):
    path = forms.CharField(
        label=_("Path starts with"), required=False, max_length=200, help_text=_("e.g. /hr/")
    )
    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATUS_CLASSES)
    status_code = forms.IntegerField(
        label=_("Exact status code"), required=False, min_value=100, max_value=599
    )


class AuditEventFilterForm(_PeriodForm):
    kind = forms.ChoiceField(label=_("Event"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # What is registered now (audit/kinds.py): every app's kinds, labelled.
        kind_field = self.fields["kind"]
        assert isinstance(kind_field, forms.ChoiceField)  # noqa: S101 - declared above
        kind_field.choices = [("", _("All")), *kinds.choices()]


FINDING_STATES = [
    ("open", _("Not yet reviewed")),
    ("reviewed", pgettext_lazy("finding", "Reviewed")),
    ("all", _("All")),
]


class FindingFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), required=False, choices=FINDING_STATES)
    category = forms.ChoiceField(label=_("Category"), required=False)
    month = forms.DateField(
        label=_("Month"), required=False, input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from audit.analysis import CATEGORIES

        super().__init__(*args, **kwargs)
        category = self.fields["category"]
        assert isinstance(category, forms.ChoiceField)  # noqa: S101 - declared above
        category.choices = [("", _("All")), *CATEGORIES.items()]


class FindingReviewForm(forms.Form):
    comment = forms.CharField(
        label=_("What you found"), max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip


class MonthForm(forms.Form):
    month = forms.DateField(
        label=_("Month"), input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )  # fmt: skip
