from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from courses.materials import Inspected, MaterialFileError, inspect_upload
from courses.models import Category, Course, Material, Session, SessionDay, TargetRule
from trainees.models import EmploymentType, Organisation


class CourseForm(forms.ModelForm):
    class Meta:
        model = Course
        fields = [
            "fiscal_year", "code", "title", "category", "kind", "delivery", "description",
            "external_allowed", "requires_attendance", "requires_materials", "materials_threshold",
            "requires_test", "requires_survey", "requires_report", "completion_deadline",
            "remind_days_before_session", "remind_days_before_deadline",
        ]  # fmt: skip
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "completion_deadline": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def clean_code(self) -> str:
        import unicodedata

        return unicodedata.normalize("NFKC", self.cleaned_data["code"]).strip()


class CourseFilterForm(forms.Form):
    fiscal_year = forms.TypedChoiceField(label=_("Fiscal year"), coerce=int, required=False)
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=[("", _("All")), *Category.choices]
    )

    def __init__(self, *args, years: list[int], **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["fiscal_year"].choices = [("", _("All"))] + [(y, str(y)) for y in years]


class SessionForm(forms.ModelForm):
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
    class Meta:
        model = SessionDay
        fields = ["date", "starts_at", "ends_at"]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "starts_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "ends_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def clean(self):  # type: ignore[no-untyped-def]
        cleaned = super().clean()
        if (
            cleaned.get("starts_at")
            and cleaned.get("ends_at")
            and cleaned["ends_at"] <= cleaned["starts_at"]
        ):
            self.add_error("ends_at", _("The end time must be after the start time."))
        return cleaned


class BaseSessionDayFormSet(forms.BaseFormSet):
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
    import re
    import unicodedata

    return [
        w
        for w in (unicodedata.normalize("NFKC", p).strip() for p in re.split(r"[、,，\n]", text))
        if w
    ]


class TargetRuleForm(forms.ModelForm):
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

    class Meta:
        model = TargetRule
        fields = [
            "organisations", "include_sub_organisations", "employment_types", "job_titles",
            "job_categories", "hired_from", "hired_to", "hired_this_fiscal_year",
            "promoted_this_fiscal_year", "min_years_of_service", "max_years_of_service",
            "include_external", "exclude_completed_years",
        ]  # fmt: skip
        widgets = {
            "organisations": forms.SelectMultiple(attrs={"size": 8}),
            "hired_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "hired_to": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["organisations"].queryset = Organisation.objects.filter(
            is_active=True
        ).order_by("code")
        self.fields["organisations"].help_text = _("Empty: every organisation.")
        # Lists shown as the words people type (a new rule's [] must not become the text "[]").
        self.initial["job_titles"] = "、".join(self.instance.job_titles or [])
        self.initial["job_categories"] = "、".join(self.instance.job_categories or [])

    def clean_job_titles(self) -> list[str]:
        return _split_words(self.cleaned_data["job_titles"])

    def clean_job_categories(self) -> list[str]:
        return _split_words(self.cleaned_data["job_categories"])

    def clean(self):  # type: ignore[no-untyped-def]
        cleaned = super().clean()
        low, high = cleaned.get("min_years_of_service"), cleaned.get("max_years_of_service")
        if low is not None and high is not None and low > high:
            self.add_error("max_years_of_service", _("This is less than the minimum."))
        start, end = cleaned.get("hired_from"), cleaned.get("hired_to")
        if start and end and start > end:
            self.add_error("hired_to", _("The start date is after the end date."))
        return cleaned


class TargetAddForm(forms.Form):
    staff_number = forms.CharField(label=_("Staff number"), max_length=20)


class MaterialForm(forms.Form):
    """A new material: a file (video or PDF, checked by its content) or a link."""

    title = forms.CharField(label=_("material title"), max_length=200)
    description = forms.CharField(
        label=_("explanation for trainees"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    upload = forms.FileField(
        label=_("File (MP4 or WebM video, PDF)"),
        required=False,
        widget=forms.ClearableFileInput(
            attrs={"accept": "video/mp4,video/webm,application/pdf,.mp4,.webm,.pdf"}
        ),
    )
    url = forms.URLField(label=_("or a link"), required=False, assume_scheme="https")

    inspected: Inspected | None = None

    def clean(self):  # type: ignore[no-untyped-def]
        cleaned = super().clean()
        upload, url = cleaned.get("upload"), cleaned.get("url")
        if self.errors:
            return cleaned
        if bool(upload) == bool(url):
            raise forms.ValidationError(_("Choose a file or give a link (one of the two)."))
        if upload:
            try:
                self.inspected = inspect_upload(upload)
            except MaterialFileError as exc:
                self.add_error("upload", str(exc))
        return cleaned


class MaterialEditForm(forms.ModelForm):
    url = forms.URLField(label=_("Link"), max_length=500, required=False, assume_scheme="https")

    class Meta:
        model = Material
        fields = ["title", "description", "url"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        if self.instance.kind != Material.Kind.LINK:
            del self.fields["url"]
        else:
            self.fields["url"].required = True


class ProgressForm(forms.Form):
    """What the player reports: the ranges played since the page was opened, and where it is."""

    played = forms.JSONField(required=False)
    position = forms.FloatField(min_value=0, required=False)

    def clean_played(self) -> list[list[float]]:
        import math

        value = self.cleaned_data.get("played") or []
        message = _("Played ranges must be a list of [start, end] pairs in seconds.")
        if not isinstance(value, list) or len(value) > 2000:
            raise forms.ValidationError(message)
        ranges = []
        for item in value:
            if (
                not isinstance(item, list)
                or len(item) != 2
                or not all(isinstance(x, int | float) and math.isfinite(x) for x in item)
                or item[1] < item[0]
            ):
                raise forms.ValidationError(message)
            ranges.append([float(item[0]), float(item[1])])
        return ranges


class OrderTargetsForm(forms.Form):
    """研修命令 to part of the target list: one session, optionally one organisation (with its
    sub-units) and/or the staff numbers HR pastes in."""

    session = forms.ModelChoiceField(label=_("Session"), queryset=Session.objects.none())
    organisation = forms.ModelChoiceField(
        label=_("Only this organisation (and its sub-units)"),
        queryset=Organisation.objects.order_by("code"),
        required=False,
    )
    staff_numbers = forms.CharField(
        label=_("Only these staff numbers"),
        help_text=_("One per line or separated by commas; leave empty for everyone selected."),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, course: Course, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        sessions = course.sessions.order_by("number")
        self.fields["session"].queryset = sessions
        self.fields["session"].empty_label = None  # an order is always for one session
        self.fields["session"].label_from_instance = lambda s: (
            _("Session %(number)s") % {"number": s.number}
        )

    def clean_staff_numbers(self) -> list[str]:
        import re
        import unicodedata

        text = unicodedata.normalize("NFKC", self.cleaned_data.get("staff_numbers") or "")
        return [n for n in re.split(r"[\s,、]+", text) if n]
