"""Completion reports (受講結果報告) and pre-course assignments (事前課題): the form HR sets,
the trainee's draft and submission, and the department's review (所属長確認)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import CompletionReport, ReportField, ReportForm, Reviewer
from assessments.selectors import report_may_review, report_reviewers
from audit.services import audit_event_record
from courses.events import announce
from courses.models import Session
from courses.selectors import session_notice_values
from enrollments.models import Enrollment, Status
from notices.models import NoticeKind
from notices.services import Recipient, notice_send_by_template, notices_send
from trainees.models import User

EDITABLE = (
    CompletionReport.State.DRAFT,
    CompletionReport.State.SUBMITTED,
    CompletionReport.State.RETURNED,
)


@transaction.atomic
def report_form_save(*, form: ReportForm, fields: list[ReportField], actor: User | None) -> None:
    """Save a report form and its fields (in the order given; those left out are removed —
    answers already given to them stay in the reports, which keep what was written)."""
    form.full_clean()
    form.save()
    keep = []
    for position, field in enumerate(fields, start=1):
        field.form = form
        field.position = position
        field.full_clean(exclude=["form"])
        field.save()
        keep.append(field.pk)
    ReportField.objects.filter(form=form).exclude(pk__in=keep).delete()
    audit_event_record(
        kind="report.form_saved",
        user=actor,
        detail={"form": form.pk, "course": form.course_id, "fields": len(keep)},
    )


def _clean(form: ReportForm, answers: dict[str, str], *, submitting: bool) -> dict[str, object]:
    fields = list(form.fields.order_by("position", "id"))
    if not set(answers) <= {str(f.pk) for f in fields}:
        raise ValidationError(_("That field is not on this form."))
    cleaned: dict[str, object] = {}
    errors = []
    for field in fields:
        value = str(answers.get(str(field.pk), "") or "").strip()
        if field.kind == ReportField.Kind.RATING and value:
            if value not in {"1", "2", "3", "4", "5"}:
                errors.append(_("「%(label)s」: choose 1 to 5.") % {"label": field.label})
                continue
            cleaned[str(field.pk)] = int(value)
            continue
        if len(value) > field.max_length:
            errors.append(
                _("「%(label)s」: at most %(n)s characters (now %(len)s).")
                % {"label": field.label, "n": field.max_length, "len": len(value)}
            )
            continue
        if submitting and field.required and not value:
            errors.append(_("「%(label)s」: please fill this in.") % {"label": field.label})
            continue
        if value:
            cleaned[str(field.pk)] = value
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def report_save(
    *,
    form: ReportForm,
    enrollment: Enrollment,
    answers: dict[str, str],
    submit: bool,
    actor: User | None,
) -> CompletionReport:
    """Save the trainee's report as a draft, or submit it. Editable until acknowledged; a
    returned report is corrected and submitted again."""
    enrollment = (
        Enrollment.objects.select_for_update(of=("self",))
        .select_related("trainee")
        .get(pk=enrollment.pk)
    )
    if enrollment.course_id != form.course_id or enrollment.status != Status.CONFIRMED:
        raise ValidationError(_("This report is for trainees with a place on the course."))
    report, _created = CompletionReport.objects.select_for_update().get_or_create(
        form=form, enrollment=enrollment, defaults={"trainee_id": enrollment.trainee_id}
    )
    if report.state not in EDITABLE:
        raise ValidationError(_("This report has been acknowledged and can no longer change."))
    report.answers = _clean(form, answers, submitting=submit)
    report.saved_at = timezone.now()
    if submit:
        report.state = CompletionReport.State.SUBMITTED
        report.submitted_at = report.saved_at
    elif report.state == CompletionReport.State.SUBMITTED:
        report.state = CompletionReport.State.DRAFT  # taken back to work on
    report.save()
    if submit:
        audit_event_record(
            kind="report.submitted",
            user=actor,
            detail={"report": report.pk, "form": form.pk, "round": report.review_round},
        )
        # Nobody left to review (no coordinator, or only the author): HR reviews, and HR's
        # home lists it (assessments.selectors.reports_without_reviewer).
        reviewers = report_reviewers(form, enrollment.trainee) if form.requires_review else set()
        if reviewers:
            notices_send(
                user_ids=sorted(reviewers),
                kind=NoticeKind.REPORT,
                title=_("A completion report is waiting for your review: %(course)s")
                % {"course": form.course.title},
                body=_("Open it from the list of reports to review."),
                link=reverse(
                    "supervisor_report_list"
                    if form.reviewer == Reviewer.SUPERVISOR
                    else "report_review_list"
                ),
            )
    announce(enrollment_ids=[enrollment.pk])
    return report


@transaction.atomic
def report_review(
    *, report: CompletionReport, acknowledge: bool, comment: str, actor: User | None
) -> CompletionReport:
    """The department acknowledges a submitted report, or returns it with a comment; the
    trainee is told in the inbox and by e-mail."""
    report = (
        CompletionReport.objects.select_for_update(of=("self",))
        .select_related("form__course", "enrollment__trainee")
        .get(pk=report.pk)
    )
    comment = comment.strip()
    if actor is not None and not report_may_review(
        user=actor, trainee=report.enrollment.trainee, form=report.form
    ):
        raise ValidationError(
            _("You cannot review this report: nobody reviews their own. Another coordinator of "
              "the organisation or HR will review it.")
        )  # fmt: skip
    if report.state != CompletionReport.State.SUBMITTED:
        raise ValidationError(_("Only a submitted report can be reviewed."))
    if not acknowledge and not comment:
        raise ValidationError(_("Say what should be changed when returning a report."))
    if len(comment) > 1000:
        raise ValidationError(_("The comment can be at most 1,000 characters."))
    report.state = (
        CompletionReport.State.ACKNOWLEDGED if acknowledge else CompletionReport.State.RETURNED
    )
    report.reviewed_at = timezone.now()
    report.reviewed_by = actor
    report.review_comment = comment
    report.review_round += 1
    report.save(
        update_fields=["state", "reviewed_at", "reviewed_by", "review_comment", "review_round"]
    )
    audit_event_record(
        kind="report.reviewed",
        user=actor,
        detail={"report": report.pk, "state": report.state, "round": report.review_round},
    )
    trainee = report.enrollment.trainee
    session = (
        Session.objects.select_related("course", "room__venue")
        .prefetch_related("days")
        .get(pk=report.enrollment.session_id)
    )
    notice_send_by_template(
        kind=NoticeKind.REPORT,
        recipients=[
            Recipient(
                trainee.pk,
                trainee.user_id,
                trainee.name,
                trainee.email,
                rule=f"report:{report.pk}:{report.review_round}",
            )
        ],
        values=session_notice_values(session),
        link=reverse("report_edit", args=[report.enrollment_id, report.form_id]),
    )
    announce(enrollment_ids=[report.enrollment_id])
    return report


def report_form_copy(*, source: ReportForm, course_id: int) -> ReportForm:
    fields = list(source.fields.order_by("position", "id"))
    copy = ReportForm.objects.create(
        course_id=course_id, purpose=source.purpose, title=source.title,
        instructions=source.instructions, requires_review=source.requires_review,
        reviewer=source.reviewer,
    )  # fmt: skip
    ReportField.objects.bulk_create(
        ReportField(form=copy, position=f.position, label=f.label, kind=f.kind,
                    required=f.required, max_length=f.max_length)
        for f in fields
    )  # fmt: skip
    return copy
