from __future__ import annotations

import unicodedata

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from courses.models import Category, Session, SessionDay
from enrollments.models import AbsenceReason, AttendanceMark, Enrollment, Status


class CatalogueFilterForm(forms.Form):
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=[("", _("All")), *Category.choices]
    )


class ChangeForm(forms.Form):
    to_session = forms.ModelChoiceField(label=_("Move to"), queryset=Session.objects.none())

    def __init__(self, *args, enrollment: Enrollment, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        field = self.fields["to_session"]
        field.queryset = Session.objects.filter(course_id=enrollment.course_id).exclude(
            pk=enrollment.session_id
        )
        field.label_from_instance = lambda s: _("Session %(number)s") % {"number": s.number}


class AbsenceForm(forms.Form):
    day = forms.ModelChoiceField(label=_("Day of absence"), queryset=SessionDay.objects.none())
    reason = forms.ChoiceField(
        label=_("Reason"), choices=AbsenceReason.choices, widget=forms.RadioSelect
    )
    detail = forms.CharField(label=_("Details"), max_length=300, required=False)

    def __init__(self, *args, enrollment: Enrollment, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["day"].queryset = SessionDay.objects.filter(session_id=enrollment.session_id)
        self.fields["day"].label_from_instance = lambda d: f"{d.date:%Y-%m-%d} {d.starts_at:%H:%M}"

    def clean(self):  # type: ignore[no-untyped-def]
        cleaned = super().clean()
        if cleaned.get("reason") == AbsenceReason.OTHER and not cleaned.get("detail"):
            self.add_error("detail", _("Say briefly why (the reason is “other”)."))
        return cleaned


class CheckInForm(forms.Form):
    code = forms.CharField(
        label=_("The code shown at the venue"),
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class _StaffNumberField:
    """A staff number (full-width digits folded) that must belong to the coordinator's staff;
    the trainee found is kept as `self.trainee`."""

    staff = None

    def clean_staff_number(self):  # type: ignore[no-untyped-def]
        number = unicodedata.normalize("NFKC", self.cleaned_data["staff_number"]).strip()
        trainee = self.staff.filter(staff_number=number).first()
        if trainee is None:
            raise forms.ValidationError(
                _("No member of your departments' staff has the number %(number)s.")
                % {"number": number}
            )
        self.trainee = trainee
        return number


class NominateForm(_StaffNumberField, forms.Form):
    session = forms.ModelChoiceField(label=_("Course and session"), queryset=Session.objects.none())
    staff_number = forms.CharField(label=_("Staff number"), max_length=20)
    priority = forms.IntegerField(
        label=_("Priority in your department"), min_value=1, max_value=99, required=False
    )
    comment = forms.CharField(
        label=_("Comment for HR"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, sessions, staff, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.staff = staff
        self.fields["session"].queryset = sessions
        self.fields["session"].label_from_instance = lambda s: (
            f"{s.course.code} {s.course.title} 第{s.number}回"
        )


class SubstituteForm(_StaffNumberField, forms.Form):
    staff_number = forms.CharField(label=_("Staff number of the substitute"), max_length=20)

    def __init__(self, *args, staff, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.staff = staff


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (Status.CONFIRMED, pgettext_lazy("decision", "Confirm")),
            (Status.WAITLISTED, _("Waitlist")),
            (Status.REJECTED, _("Not selected")),
        ],
    )
    enrollments = forms.TypedMultipleChoiceField(coerce=int, choices=())

    def __init__(self, *args, session: Session, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        ids = Enrollment.objects.filter(session=session).values_list("id", flat=True)
        self.fields["enrollments"].choices = [(pk, pk) for pk in ids]
        self.fields["enrollments"].error_messages["required"] = _("Tick at least one person.")


class LotteryForm(forms.Form):
    seed = forms.CharField(
        label=_("Random seed (optional)"),
        max_length=64,
        required=False,
        help_text=_(
            "Leave empty for a random one; it is recorded either way, so the draw can be replayed."
        ),
    )


class AttendanceForm(forms.Form):
    """One radio group per trainee on the day's roster."""

    def __init__(self, *args, roster: list[Enrollment], **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.roster = roster
        for enrollment in roster:
            current = enrollment.today[0].mark if enrollment.today else None
            self.fields[f"mark_{enrollment.pk}"] = forms.ChoiceField(
                label=enrollment.trainee.name,
                choices=AttendanceMark.choices,
                widget=forms.RadioSelect,
                required=False,
                initial=current,
            )

    def marks(self) -> dict[int, str]:
        return {
            int(name.removeprefix("mark_")): value
            for name, value in self.cleaned_data.items()
            if value
        }
