from __future__ import annotations

import re
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from courses.models import Category, Course, Room, Session, SessionDay, TargetRule, Venue
from lib.forms import FoldedNumbersMixin, QuickCheckboxSelectMultiple
from lib.japanese import fiscal_year_choice, fold
from trainees.forms import OrganisationMultipleChoiceField
from trainees.models import EmploymentType, Organisation


class CourseForm(FoldedNumbersMixin, forms.ModelForm):
    class Meta:
        model = Course
        fields = [
            "fiscal_year", "code", "title", "category", "kind", "delivery", "description",
            "external_allowed", "approval", "approval_days_before_close", "approval_no_answer",
            "requires_attendance", "attendance_share", "requires_materials",
            "materials_threshold",
            "requires_test", "requires_survey", "requires_report", "completion_deadline",
            "valid_for_months", "remind_days_before_session", "remind_days_before_deadline",
            "remind_days_before_expiry",
        ]  # fmt: skip
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "completion_deadline": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    # Settings most courses leave as they are: left out of a form (an older bookmark, a script),
    # they keep their defaults instead of refusing the course.
    DEFAULTED = ("approval", "approval_days_before_close", "approval_no_answer")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self.DEFAULTED:
            self.fields[name].required = False

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name in self.DEFAULTED:
            if cleaned.get(name) in (None, ""):
                cleaned[name] = getattr(self.instance, name)
        return cleaned

    def clean_code(self) -> str:
        return fold(self.cleaned_data["code"])


class CourseFilterForm(forms.Form):
    fiscal_year = forms.TypedChoiceField(label=_("Fiscal year"), coerce=int, required=False)
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=[("", _("All")), *Category.choices]
    )

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.TypedChoiceField, self.fields["fiscal_year"])
        field.choices = [("", _("All")), *((y, fiscal_year_choice(y)) for y in years)]


class SessionForm(FoldedNumbersMixin, forms.ModelForm):
    online_url = forms.URLField(
        label=Session._meta.get_field("online_url").verbose_name,
        required=False,
        assume_scheme="https",
    )

    class Meta:
        model = Session
        fields = [
            "number", "capacity", "room", "online_url", "application_opens_at",
            "application_closes_at", "cancellation_deadline", "instructor", "notes",
        ]  # fmt: skip
        widgets = {
            "application_opens_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
            "application_closes_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
            "cancellation_deadline": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }


class SessionDayForm(forms.ModelForm):
    # The day being edited (empty for a new one): days are updated in place, so attendance and
    # absence notices recorded for a day stay with it.
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = SessionDay
        fields = ["date", "starts_at", "ends_at"]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "starts_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "ends_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A row is filled in whole or left empty (checked below): no field is marked required,
        # as every row said （必須） although empty rows are fine.
        for field in self.fields.values():
            field.required = False

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        given = [cleaned.get(name) for name in ("date", "starts_at", "ends_at")]
        if any(given) and not all(given):
            for name, value in zip(("date", "starts_at", "ends_at"), given, strict=True):
                if not value:
                    self.add_error(name, _("Fill in the date and both times, or clear the row."))
        if (
            cleaned.get("starts_at")
            and cleaned.get("ends_at")
            and cleaned["ends_at"] <= cleaned["starts_at"]
        ):
            self.add_error("ends_at", _("The end time must be after the start time."))
        return cleaned


class BaseSessionDayFormSet(forms.BaseFormSet):
    """The days of a session, one row each. Every row is an "extra" row: a day is kept by
    leaving it filled in and removed by clearing it (the page says so), and the rows HR did not
    touch are still validated and saved — so the view passes `initial` only to show the page."""

    def initial_form_count(self) -> int:
        return 0

    def total_form_count(self) -> int:
        if self.is_bound:
            return super().total_form_count()
        return min(len(self.initial or []) + self.extra, self.max_num)

    def clean(self) -> None:
        if any(self.errors):
            return
        seen = set()
        for form in self.forms:
            day = form.cleaned_data.get("date")
            if day in seen:
                raise forms.ValidationError(_("The same date is entered twice."))
            if day:
                seen.add(day)

    def days(self) -> list[dict]:
        return [f.cleaned_data for f in self.forms if f.cleaned_data.get("date")]


SessionDayFormSet = forms.formset_factory(
    SessionDayForm,
    formset=BaseSessionDayFormSet,
    extra=2,
    min_num=1,
    validate_min=True,
    max_num=20,
)


def _split_words(text: str) -> list[str]:
    return [w for w in (fold(p) for p in re.split(r"[、,，\n]", text)) if w]


class TargetRuleForm(FoldedNumbersMixin, forms.ModelForm):
    employment_types = forms.MultipleChoiceField(
        label=_("Employment types"),
        choices=EmploymentType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    job_titles = forms.CharField(
        label=_("Job titles"),
        required=False,
        help_text=_("Separate with 、 or commas. Empty: any."),
    )
    job_categories = forms.CharField(
        label=_("Job categories"),
        required=False,
        help_text=_("Separate with 、 or commas. Empty: any."),
    )
    duties = forms.CharField(
        label=_("Duties (職務名)"),
        required=False,
        help_text=_("Separate with 、 or commas. Empty: any."),
    )

    class Meta:
        model = TargetRule
        fields = [
            "organisations", "include_sub_organisations", "include_concurrent_posts",
            "employment_types", "job_titles",
            "job_categories", "duties", "min_age", "max_age", "hired_from", "hired_to",
            "hired_this_fiscal_year",
            "promoted_this_fiscal_year", "min_years_of_service", "max_years_of_service",
            "include_external", "exclude_completed_years", "renewal_within_days",
        ]  # fmt: skip
        # Ticks in a list that can be narrowed by typing (static/js/app.js), not a Ctrl-click
        # multi-select; written from rows without a template per option (a city has over
        # 600 organisations).
        field_classes = {"organisations": OrganisationMultipleChoiceField}
        widgets = {
            "organisations": QuickCheckboxSelectMultiple(attrs={"class": "checklist"}),
            "hired_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "hired_to": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        organisations = cast(forms.ModelMultipleChoiceField, self.fields["organisations"])
        organisations.queryset = Organisation.objects.filter(is_active=True).order_by("code")
        self.fields["organisations"].help_text = _("Empty: every organisation.")
        # Lists shown as the words people type (a new rule's [] must not become the text "[]").
        self.initial["job_titles"] = "、".join(self.instance.job_titles or [])
        self.initial["job_categories"] = "、".join(self.instance.job_categories or [])
        self.initial["duties"] = "、".join(self.instance.duties or [])

    def clean_job_titles(self) -> list[str]:
        return _split_words(self.cleaned_data["job_titles"])

    def clean_job_categories(self) -> list[str]:
        return _split_words(self.cleaned_data["job_categories"])

    def clean_duties(self) -> list[str]:
        return _split_words(self.cleaned_data["duties"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        low, high = cleaned.get("min_years_of_service"), cleaned.get("max_years_of_service")
        if low is not None and high is not None and low > high:
            self.add_error("max_years_of_service", _("This is less than the minimum."))
        youngest, oldest = cleaned.get("min_age"), cleaned.get("max_age")
        if youngest is not None and oldest is not None and youngest > oldest:
            self.add_error("max_age", _("This is less than the minimum."))
        start, end = cleaned.get("hired_from"), cleaned.get("hired_to")
        if start and end and start > end:
            self.add_error("hired_to", _("The start date is after the end date."))
        return cleaned


class TargetAddForm(forms.Form):
    staff_number = forms.CharField(label=_("Staff number"), max_length=20)


class VenueForm(forms.ModelForm):
    class Meta:
        model = Venue
        fields = ["name", "address"]


class RoomForm(FoldedNumbersMixin, forms.ModelForm):
    class Meta:
        model = Room
        fields = ["name", "capacity"]


RoomFormSet: type[forms.BaseInlineFormSet] = forms.inlineformset_factory(
    Venue, Room, form=RoomForm, extra=2, can_delete=True, max_num=50
)
