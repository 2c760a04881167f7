from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from courses.models import Category, Course, Session, SessionDay
from enrollments.models import (
    LATE_OR_EARLY,
    AbsenceReason,
    AttendanceMark,
    Audience,
    Enrollment,
    Status,
)
from lib.forms import FoldedNumbersMixin, QuickCheckboxSelectMultiple, QuickSelect, RowChoices
from lib.japanese import date_with_weekday, fold
from trainees.forms import OrganisationChoiceField
from trainees.models import Organisation, Trainee


class CatalogueFilterForm(forms.Form):
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=[("", _("All")), *Category.choices]
    )


class SessionChoiceField(forms.ModelChoiceField):
    """Sessions of one course, shown as 第n回 (a city's course runs a hundred: the quick
    drop-down, its options read as rows)."""

    widget = QuickSelect
    iterator = RowChoices
    label_columns = ("number",)

    def label_from_row(self, number: int) -> str:
        return _("Session %(number)s") % {"number": number}

    def label_from_instance(self, obj: Session) -> str:
        return self.label_from_row(obj.number)


def course_session_label(code: str, title: str, number: int) -> str:
    return f"{code} {title} 第{number}回"


class CourseSessionChoiceField(forms.ModelChoiceField):
    """Sessions of several courses, shown with the course (a year of a city's sessions runs to
    over a thousand, which took 17 ms of the nominations page as Session and Course
    instances, 3 ms as rows)."""

    widget = QuickSelect
    iterator = RowChoices
    label_columns = ("course__code", "course__title", "number")
    label_from_row = staticmethod(course_session_label)

    def label_from_instance(self, obj: Session) -> str:
        return course_session_label(obj.course.code, obj.course.title, obj.number)


class SessionDayChoiceField(forms.ModelChoiceField):
    """Session days shown as 2027年1月11日（月）13:30."""

    def label_from_instance(self, obj: SessionDay) -> str:
        return f"{date_with_weekday(obj.date)}{obj.starts_at:%H:%M}"


def _choice(form: forms.BaseForm, name: str) -> forms.ModelChoiceField:
    """A model choice field of the form, to narrow its choices."""
    return cast(forms.ModelChoiceField, form.fields[name])


class ChangeForm(forms.Form):
    to_session = SessionChoiceField(label=_("Move to"), queryset=Session.objects.none())

    def __init__(self, *args: Any, enrollment: Enrollment, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = _choice(self, "to_session")
        field.queryset = Session.objects.filter(
            course_id=enrollment.course_id, cancelled_at__isnull=True
        ).exclude(pk=enrollment.session_id)


class SessionCancelForm(forms.Form):
    """HR cancels a session (中止): why, and where people may go instead."""

    reason = forms.CharField(
        label=_("Reason (sent to everyone on the session)"), max_length=300,
        help_text=_("For example: 台風接近のため / 講師急病のため"),
    )  # fmt: skip
    replacement = SessionChoiceField(
        label=_("Replacement session (optional)"), queryset=Session.objects.none(),
        required=False,
        help_text=_("People are offered a one-click move to it; nobody is moved without asking."),
    )  # fmt: skip

    def __init__(self, *args: Any, session: Session, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice(self, "replacement").queryset = Session.objects.filter(
            course_id=session.course_id, cancelled_at__isnull=True
        ).exclude(pk=session.pk)


class AbsenceForm(forms.Form):
    day = SessionDayChoiceField(label=_("Day of absence"), queryset=SessionDay.objects.none())
    reason = forms.ChoiceField(
        label=_("Reason"), choices=AbsenceReason.choices, widget=forms.RadioSelect
    )
    detail = forms.CharField(label=_("Details"), max_length=300, required=False)

    def __init__(self, *args: Any, enrollment: Enrollment, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only days still to come: HR records the attendance of past ones.
        _choice(self, "day").queryset = SessionDay.objects.filter(
            session_id=enrollment.session_id, date__gte=timezone.localdate()
        ).order_by("date")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
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

    staff: QuerySet[Trainee]
    cleaned_data: dict[str, Any]
    trainee: Trainee

    def clean_staff_number(self) -> str:
        number = fold(self.cleaned_data["staff_number"])
        trainee = self.staff.filter(staff_number=number).first()
        if trainee is None:
            raise forms.ValidationError(
                _("No member of your departments' staff has the number %(number)s.")
                % {"number": number}
            )
        self.trainee = trainee
        return number


class StaffChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Trainee) -> str:
        return f"{obj.staff_number} {obj.name}（{obj.organisation.name}）"


# Above this many staff in a coordinator's care, the list to tick shows only those searched for.
NOMINATION_LIST_MAX = 500


class NominateForm(FoldedNumbersMixin, _StaffNumberField, forms.Form):
    """One or more of the coordinator's staff, ticked in their list (narrowed by typing) or by
    staff number."""

    session = CourseSessionChoiceField(
        label=_("Course and session"), queryset=Session.objects.none()
    )
    people = StaffChoiceField(
        label=_("Your staff"),
        queryset=Trainee.objects.none(),
        required=False,
        widget=QuickCheckboxSelectMultiple(
            attrs={"class": "checklist", "data-filter-label": _("Type a name or number")}
        ),
    )
    staff_number = forms.CharField(label=_("or a staff number"), max_length=20, required=False)
    priority = forms.IntegerField(
        label=_("Priority in your department"),
        min_value=1,
        max_value=99,
        required=False,
        help_text=_("For one person at a time: nominate them one by one to rank them."),
    )
    comment = forms.CharField(
        label=_("Comment for HR"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(
        self, *args: Any, sessions: QuerySet[Session], staff: QuerySet[Trainee],
        listed: QuerySet[Trainee] | None = None, offered: Iterable[Session] | None = None,
        **kwargs: Any,
    ) -> None:  # fmt: skip
        """`listed`: the staff shown to tick (default: all of `staff`) — a department too large
        to list is narrowed by a search; anyone in `staff` may still be chosen. `offered`: the
        sessions in the drop-down (default: all of `sessions`) — the page of open sessions
        shown above the form, as a city's year of over a thousand is not one list to scroll;
        any of `sessions` may still be chosen."""
        super().__init__(*args, **kwargs)
        self.staff = staff
        session = _choice(self, "session")
        session.queryset = sessions
        if offered is not None:
            session.widget.choices = [("", session.empty_label)] + [
                (s.pk, course_session_label(s.course.code, s.course.title, s.number))
                for s in offered
            ]
            session.help_text = _(
                "The sessions in the table above. To choose another, search for its course "
                "or turn the table's page."
            )
        people = cast(StaffChoiceField, self.fields["people"])
        people.queryset = staff.select_related("organisation").order_by(
            "organisation__code", "staff_number"
        )
        if listed is not None:
            people.widget.choices = [(t.pk, people.label_from_instance(t)) for t in listed]

    def clean_staff_number(self) -> str:
        if not self.cleaned_data.get("staff_number"):
            return ""
        return super().clean_staff_number()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        chosen = list(cleaned.get("people") or [])
        typed = getattr(self, "trainee", None) if cleaned.get("staff_number") else None
        if typed is not None and typed not in chosen:
            chosen.append(typed)
        if not chosen and not self.errors:
            raise forms.ValidationError(_("Tick at least one member of staff, or type a number."))
        if len(chosen) > 1 and cleaned.get("priority"):
            self.add_error(
                "priority",
                _("A priority ranks one person: nominate them one by one, or leave it empty."),
            )
        self.chosen = chosen
        return cleaned


class SubstituteForm(_StaffNumberField, forms.Form):
    staff_number = forms.CharField(label=_("Staff number of the substitute"), max_length=20)

    def __init__(self, *args: Any, staff: QuerySet[Trainee], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.staff = staff


# 重複チェック: what HR writes to confirm or order people whose days overlap another place.
CLASH_REASON = _("If someone's days overlap another training: the reason to go ahead")


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
    clash_reason = forms.CharField(label=CLASH_REASON, max_length=200, required=False)

    def __init__(self, *args: Any, session: Session, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ids = Enrollment.objects.filter(session=session).values_list("id", flat=True)
        field = cast(forms.TypedMultipleChoiceField, self.fields["enrollments"])
        field.choices = [(pk, pk) for pk in ids]
        field.error_messages["required"] = _("Tick at least one person.")


class LotteryForm(forms.Form):
    before_close = forms.BooleanField(
        label=_("Draw now although applications are still open"), required=False
    )
    seed = forms.CharField(
        label=_("Random seed (optional)"),
        max_length=64,
        required=False,
        help_text=_(
            "Leave empty for a random one; it is recorded either way, so the draw can be replayed."
        ),
    )


class _AttendanceFields(forms.Form):
    def __init__(
        self, *args: Any, roster: list[Enrollment], day_minutes: int, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.roster = roster
        self.day_minutes = day_minutes
        for enrollment in self.roster:
            today = getattr(enrollment, "today", [])  # prefetched by selectors.day_roster
            current = today[0] if today else None
            self.fields[f"mark_{enrollment.pk}"] = forms.ChoiceField(
                label=enrollment.trainee.name,
                choices=AttendanceMark.choices,
                widget=forms.RadioSelect,
                required=False,
                initial=current.mark if current else None,
            )
            self.fields[f"minutes_{enrollment.pk}"] = forms.IntegerField(
                label=_("Minutes missed (late or left early)"),
                min_value=0,
                max_value=self.day_minutes,
                required=False,
                initial=current.minutes_missed if current and current.minutes_missed else None,
            )


class AttendanceForm(FoldedNumbersMixin, _AttendanceFields):
    """One radio group per trainee on the day's roster, and the minutes missed for a late
    arrival or an early leave (full-width digits fold)."""

    roster: list[Enrollment]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for enrollment in self.roster:
            mark = cleaned.get(f"mark_{enrollment.pk}")
            if cleaned.get(f"minutes_{enrollment.pk}") and mark not in LATE_OR_EARLY:
                self.add_error(f"minutes_{enrollment.pk}", _(
                    "%(name)s: minutes are only for a late arrival or an early leave."
                ) % {"name": enrollment.trainee.name})  # fmt: skip
        return cleaned

    def marks(self) -> dict[int, str]:
        return {
            int(name.removeprefix("mark_")): value
            for name, value in self.cleaned_data.items()
            if name.startswith("mark_") and value
        }

    def minutes(self) -> dict[int, int]:
        return {
            int(name.removeprefix("minutes_")): value
            for name, value in self.cleaned_data.items()
            if name.startswith("minutes_") and value
        }


class OrderTargetsForm(forms.Form):
    """研修命令 to part of the target list: one session, optionally one organisation (with its
    sub-units) and/or the staff numbers HR pastes in."""

    session = SessionChoiceField(label=_("Session"), queryset=Session.objects.none())
    organisation = OrganisationChoiceField(
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
    clash_reason = forms.CharField(label=CLASH_REASON, max_length=200, required=False)

    def __init__(self, *args: Any, course: Course, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        session = _choice(self, "session")
        session.queryset = course.sessions.order_by("number")
        session.empty_label = None  # an order is always for one session

    def clean_staff_numbers(self) -> list[str]:
        text = fold(self.cleaned_data.get("staff_numbers") or "")
        return [n for n in re.split(r"[\s,、]+", text) if n]


class QuotaForm(FoldedNumbersMixin, forms.Form):
    organisation = OrganisationChoiceField(
        label=_("Organisation (its sub-units included)"),
        queryset=Organisation.objects.filter(is_active=True).order_by("code"),
    )
    limit = forms.IntegerField(label=_("Places"), min_value=0, max_value=9999)


class AnnouncementForm(forms.Form):
    """An お知らせ to a course's people (or one session's), chosen by the state of their place.
    The words may use the notice placeholders ({name}, {course}, {session}, {dates}, {venue} …),
    filled in for each person."""

    session = SessionChoiceField(
        label=_("Session"), queryset=Session.objects.none(), required=False,
        empty_label=_("Every session of the course"),
    )  # fmt: skip
    audience = forms.MultipleChoiceField(
        label=pgettext_lazy("recipients", "To"), choices=Audience.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[Audience.CONFIRMED],
    )  # fmt: skip
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(label=_("Message"), max_length=5000, widget=forms.Textarea(
        attrs={"rows": 10}))  # fmt: skip

    def __init__(self, *args: Any, course: Course, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice(self, "session").queryset = Session.objects.filter(course=course).order_by("number")


class ResubmitForm(forms.Form):
    """A returned application sent for approval again, with what changed."""

    note = forms.CharField(
        label=_("Reason for applying (your supervisor reads it)"), max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip


class ApprovalAnswerForm(forms.Form):
    """承認 / 不承認 / 差し戻し of one application or several ticked at once."""

    approvals = forms.TypedMultipleChoiceField(coerce=int, choices=[])
    decision = forms.ChoiceField(
        label=_("Answer"), initial="approve", widget=forms.RadioSelect,
        choices=[("approve", _("Approve")), ("decline", _("Decline")),
                 ("return", _("Return for changes"))],
    )  # fmt: skip
    reason = forms.CharField(
        label=_("Comment (required to decline or return; the applicant reads it)"),
        max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip

    def __init__(self, *args: Any, approval_ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.TypedMultipleChoiceField, self.fields["approvals"]).choices = [
            (pk, pk) for pk in approval_ids
        ]
        self.fields["approvals"].error_messages["invalid_choice"] = _(
            "That application is no longer waiting for you."
        )
        self.fields["approvals"].error_messages["required"] = _("Tick at least one application.")
