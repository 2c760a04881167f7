"""Writes for HR's history records (受講履歴管理): add, correct, remove — each a kept change
with its reason and an audit event, in one transaction."""

from __future__ import annotations

import datetime
import io
import zipfile
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from PIL import Image, UnidentifiedImageError

from audit.services import audit_event_record
from courses.models import Course, Session
from courses.selectors import session_notice_values
from enrollments.audit_kinds import EnrollmentsEventKind
from enrollments.models import Completion, Enrollment, Status
from jobs.models import Job
from jobs.services import JobResult, Progress, job_start
from notices.models import NoticeKind
from notices.services import Recipient, notice_send_by_template
from reports.audit_kinds import ReportsEventKind
from reports.certificates import certificates_pdf
from reports.models import (
    Certificate,
    HistoryRecord,
    HistoryRecordChange,
    IssuingAuthority,
)
from reports.selectors import session_hours
from trainees.models import Trainee, TraineeStatus, User
from trainees.roles import HR_CONSOLE


def _editable(trainee: Trainee) -> None:
    """A trainee who left keeps their history as it was: read-only."""
    if trainee.status == TraineeStatus.LEFT:
        raise ValidationError(
            _("%(name)s has left: their history is kept read-only.") % {"name": trainee.name}
        )


FIELDS = (
    "fiscal_year",
    "title",
    "provider",
    "category",
    "started_on",
    "ended_on",
    "hours",
    "outcome",
    "note",
)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _locked(pk: int) -> HistoryRecord:
    return (
        HistoryRecord.objects.select_for_update(of=("self",)).select_related("trainee").get(pk=pk)
    )


@transaction.atomic
def history_record_add(
    *,
    trainee: Trainee,
    data: dict[str, Any],
    reason: str,
    actor: User | None,
    source: str = HistoryRecord.Source.MANUAL,
) -> HistoryRecord:
    """A training taken outside the portal, or before it. The organisation at the time is the
    trainee's current one unless `data` says otherwise."""
    _editable(trainee)
    organisation = data.get("organisation") or trainee.organisation
    record = HistoryRecord.objects.create(
        trainee=trainee,
        source=source,
        organisation=organisation,
        organisation_name=data.get("organisation_name") or organisation.name,
        **{name: data[name] for name in FIELDS if name in data},
    )
    HistoryRecordChange.objects.create(
        record=record,
        kind=HistoryRecordChange.Kind.ADDED,
        reason=reason,
        changes={name: _plain(getattr(record, name)) for name in FIELDS},
        changed_by=actor,
    )
    audit_event_record(
        kind=ReportsEventKind.HISTORY_RECORD_ADDED,
        user=actor,
        detail={"record": record.pk, "trainee": trainee.pk},
    )
    return record


@transaction.atomic
def history_record_correct(
    *, record: HistoryRecord, data: dict[str, Any], reason: str, actor: User | None
) -> dict[str, list[Any]]:
    """Change the record's fields; the old and new values are kept with the reason. Returns
    the changes (nothing is written when nothing changed)."""
    record = (
        HistoryRecord.objects.select_for_update(of=("self",))
        .select_related("trainee")
        .get(pk=record.pk)
    )
    _editable(record.trainee)
    changes = {
        name: [_plain(getattr(record, name)), _plain(data[name])]
        for name in FIELDS
        if name in data and getattr(record, name) != data[name]
    }
    if not changes:
        return {}
    for name in changes:
        setattr(record, name, data[name])
    record.full_clean()
    record.save(update_fields=list(changes))
    HistoryRecordChange.objects.create(
        record=record,
        kind=HistoryRecordChange.Kind.CORRECTED,
        reason=reason,
        changes=changes,
        changed_by=actor,
    )
    audit_event_record(
        kind=ReportsEventKind.HISTORY_RECORD_CORRECTED,
        user=actor,
        detail={"record": record.pk, "trainee": record.trainee_id, "fields": sorted(changes)},
    )
    return changes


@transaction.atomic
def history_record_remove(*, record: HistoryRecord, reason: str, actor: User | None) -> None:
    """Take the record out of the history; it stays, marked removed, with why."""
    record = (
        HistoryRecord.objects.select_for_update(of=("self",))
        .select_related("trainee")
        .get(pk=record.pk)
    )
    _editable(record.trainee)
    if record.removed_at:
        return
    record.removed_at = timezone.now()
    record.save(update_fields=["removed_at"])
    HistoryRecordChange.objects.create(
        record=record, kind=HistoryRecordChange.Kind.REMOVED, reason=reason, changed_by=actor
    )
    audit_event_record(
        kind=ReportsEventKind.HISTORY_RECORD_REMOVED,
        user=actor,
        detail={"record": record.pk, "trainee": record.trainee_id},
    )


@transaction.atomic
def chase_remind(
    *,
    course: Course,
    trainees: list[Trainee],
    actor: User | None,
    today: datetime.date | None = None,
) -> int:
    """督促 to the chase list of a mandatory course: inbox and e-mail through the notices sender,
    with the session of those who hold a place, the course alone for the others. Once per person
    per course and day: pressing again the same day sends nothing twice. Returns how many."""
    today = today or timezone.localdate()
    rule = f"chase:{course.pk}:{today:%Y%m%d}"
    placed = dict(
        Enrollment.objects.filter(
            course=course, status=Status.CONFIRMED, trainee__in=[t.pk for t in trainees]
        ).values_list("trainee_id", "session_id")
    )
    sessions = (
        Session.objects.select_related("course", "room__venue")
        .prefetch_related("days")
        .in_bulk(set(placed.values()))
    )
    groups: dict[int | None, list[Trainee]] = {}
    for trainee in trainees:
        groups.setdefault(placed.get(trainee.pk), []).append(trainee)
    sent = 0
    for session_id, people in groups.items():
        values = (
            session_notice_values(sessions[session_id])
            if session_id
            else {"course": course.title, "portal_link": f"{settings.PORTAL_BASE_URL}/catalogue/"}
        )
        sent += notice_send_by_template(
            kind=NoticeKind.REMINDER,
            recipients=[Recipient(t.pk, t.user_id, t.name, t.email, rule=rule) for t in people],
            values=values,
            link=reverse("trainee_home") if session_id else reverse("catalogue"),
        )
    audit_event_record(
        kind=EnrollmentsEventKind.REMINDERS_SENT,
        user=actor,
        detail={"course": course.pk, "chase": True, "count": sent, "listed": len(trainees)},
    )
    return sent


# --- certificates of completion (修了証) -------------------------------------------------------

SEAL_MAX_BYTES = 512 * 1024
SEAL_MAX_SIDE = 2000


def authority_current() -> IssuingAuthority | None:
    return IssuingAuthority.objects.order_by("-updated_at", "-id").first()


def seal_png(data: bytes) -> bytes:
    """The uploaded seal as a clean PNG: a PNG or JPEG of at most SEAL_MAX_BYTES and
    SEAL_MAX_SIDE pixels a side, decoded and written again (no metadata, nothing hidden)."""
    if len(data) > SEAL_MAX_BYTES:
        raise ValidationError(_("The seal image must be 512 KB or smaller."))
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in {"PNG", "JPEG"}:
                raise ValidationError(_("The seal image must be a PNG or JPEG file."))
            if max(image.size) > SEAL_MAX_SIDE:
                raise ValidationError(_("The seal image must be at most 2000 pixels a side."))
            out = io.BytesIO()
            image.convert("RGBA").save(out, format="PNG")
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise ValidationError(_("The seal image could not be read as a PNG or JPEG file.")) from exc
    return out.getvalue()


@transaction.atomic
def authority_save(*, name: str, seal: bytes | None, actor: User | None) -> IssuingAuthority:
    """The issuer's name and (when given) a new seal image; the previous seal is kept if none."""
    current = authority_current()
    authority = IssuingAuthority.objects.create(
        name=name,
        seal_png=seal_png(seal) if seal else (bytes(current.seal_png) if current else b""),
        updated_by=actor,
    )
    audit_event_record(
        kind=ReportsEventKind.CERTIFICATE_AUTHORITY_CHANGED,
        user=actor,
        detail={"authority": authority.pk, "seal_replaced": bool(seal)},
    )
    return authority


def _place_hours(enrollment: Enrollment) -> tuple[datetime.date, datetime.date, Decimal]:
    days = list(enrollment.session.days.order_by("date", "starts_at"))
    hours = session_hours(days)
    if not days:
        today = timezone.localdate()
        return today, today, hours
    return days[0].date, days[-1].date, hours


@transaction.atomic
def certificate_issue(*, enrollment: Enrollment, actor: User | None) -> Certificate:
    """The place's certificate: the one already issued, or a new one (only for a completed
    place). Its number is <fiscal year>-<serial>; what it says is fixed now."""
    existing = Certificate.objects.filter(enrollment=enrollment).first()
    if existing is not None:
        return existing
    enrollment = (
        Enrollment.objects.select_for_update(of=("self",))
        .select_related("trainee", "course", "session")
        .get(pk=enrollment.pk)
    )
    if enrollment.status != Status.CONFIRMED or enrollment.completion != Completion.COMPLETED:
        raise ValidationError(_("A certificate is issued only for a completed course."))
    existing = Certificate.objects.filter(enrollment=enrollment).first()
    if existing is not None:  # issued while this one waited for the lock
        return existing
    first, last, hours = _place_hours(enrollment)
    authority = authority_current()
    certificate = Certificate.objects.create(
        enrollment=enrollment,
        number=f"tmp-{enrollment.pk}",
        trainee_name=enrollment.trainee.name,
        course_title=enrollment.course.title,
        first_day=first,
        last_day=last,
        hours=hours,
        valid_until=enrollment.valid_until,
        issued_by=authority.name if authority else settings.CERTIFICATE_ISSUER,
        issued_on=timezone.localdate(),
    )
    certificate.number = f"{enrollment.course.fiscal_year}-{certificate.pk:06d}"
    certificate.save(update_fields=["number"])
    audit_event_record(
        kind=ReportsEventKind.CERTIFICATE_ISSUED,
        user=actor,
        detail={"certificate": certificate.pk, "enrollment": enrollment.pk},
    )
    return certificate


@transaction.atomic
def certificate_revoke(*, certificate: Certificate, reason: str, actor: User | None) -> None:
    """取消: the verification page says revoked from now on, with no reason shown publicly."""
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if certificate.revoked_at:
        return
    certificate.revoked_at = timezone.now()
    certificate.revoked_reason = reason
    certificate.revoked_by = actor
    certificate.save(update_fields=["revoked_at", "revoked_reason", "revoked_by"])
    audit_event_record(
        kind=ReportsEventKind.CERTIFICATE_REVOKED,
        user=actor,
        detail={"certificate": certificate.pk, "number": certificate.number},
    )


def session_completed_places(session: Session) -> QuerySet[Enrollment]:
    return Enrollment.objects.filter(
        session=session, status=Status.CONFIRMED, completion=Completion.COMPLETED
    )


CERTIFICATE_JOB = "certificates"


@transaction.atomic
def certificate_batch_start(*, session: Session, file_format: str, actor: User) -> Job:
    """All the session's certificates as one ZIP or one PDF, made in the background
    (reports.background.certificates): the job's page shows the progress, then the file."""
    count = session_completed_places(session).count()
    label = {"zip": "ZIP", "pdf": "PDF"}[file_format]
    job = job_start(
        kind=CERTIFICATE_JOB, owner=actor,
        title=_("Certificates of completion: %(course)s, session %(number)s (%(format)s)")
        % {"course": session.course.title, "number": session.number, "format": label},
        params={"session": session.pk, "format": file_format},
        permission=HR_CONSOLE, about=f"session:{session.pk}", total=count,
        link=reverse("session_certificates", args=[session.pk]),
    )  # fmt: skip
    audit_event_record(
        kind=ReportsEventKind.CERTIFICATE_BATCH,
        user=actor,
        detail={"job": job.pk, "session": session.pk, "kind": file_format, "count": count},
    )
    return job


def certificate_batch_build(*, session: Session, file_format: str, actor: User | None,
                            progress: Progress) -> JobResult:  # fmt: skip
    """Issue what is missing and write the file, reporting each certificate made."""
    places = list(session_completed_places(session).select_related("trainee"))
    progress(0, len(places))
    authority = authority_current()
    certificates = []
    for index, place in enumerate(places, start=1):
        certificates.append(certificate_issue(enrollment=place, actor=actor))
        progress(index)
    certificates = [c for c in certificates if not c.revoked_at]
    name = f"certificates-{session.course.code}-{session.number}"
    if file_format == "pdf":
        content = certificates_pdf(certificates, authority)
        file_name = f"{name}.pdf"
    else:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for certificate in certificates:
                archive.writestr(
                    f"{certificate.number}.pdf", certificates_pdf([certificate], authority)
                )
        content = buffer.getvalue()
        file_name = f"{name}.zip"
    summary = ngettext("%(count)s certificate.", "%(count)s certificates.", len(certificates))
    return JobResult(content=content, file_name=file_name,
                     summary=summary % {"count": len(certificates)})  # fmt: skip
