"""Checks an application or nomination passes before anything is written."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from courses.models import CourseKind, Session
from courses.selectors import trainee_eligible
from enrollments.models import (
    ACTIVE,
    AbsenceNotice,
    Approval,
    Enrollment,
    OrganisationQuota,
    Status,
)
from enrollments.selectors import clash_text, clashing_places, completed_trainee_ids
from enrollments.services.status import EnrollmentRefused, event_add
from lib.japanese import list_join
from trainees.models import Organisation, Trainee, User
from trainees.selectors import organisation_descendants


def not_cancelled(session: Session, *, fresh: bool = False) -> None:
    """No new place, move, decision or check-in on a session that has been cancelled (中止).
    `fresh`: read it from the database, not from the caller's copy (which may predate the
    cancellation); callers holding the session lock pass the locked copy instead."""
    if fresh:
        cancelled = Session.objects.filter(pk=session.pk, cancelled_at__isnull=False).exists()
    else:
        cancelled = session.cancelled_at is not None
    if cancelled:
        raise EnrollmentRefused(_("This session has been cancelled (中止)."))


def window_check(session: Session) -> None:
    now = timezone.now()
    if session.application_opens_at and now < session.application_opens_at:
        raise EnrollmentRefused(
            _("Applications for this session open on %(when)s.")
            % {"when": local_time(session.application_opens_at)}
        )
    if session.application_closes_at and now > session.application_closes_at:
        raise EnrollmentRefused(
            _("Applications for this session closed on %(when)s.")
            % {"when": local_time(session.application_closes_at)}
        )


def local_time(moment: datetime.datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def quota_check(session: Session, trainee: Trainee) -> None:
    """申込可能人数 of the trainee's organisation (or the nearest parent with a quota)."""
    quotas = {
        q.organisation_id: q
        for q in OrganisationQuota.objects.select_for_update().filter(course=session.course_id)
    }
    if not quotas:
        return
    organisation: Organisation | None = trainee.organisation
    while organisation is not None and organisation.pk not in quotas:
        organisation = organisation.parent
    if organisation is None:
        return
    quota = quotas[organisation.pk]
    held = Enrollment.objects.filter(
        course_id=session.course_id,
        status__in=ACTIVE,
        trainee__organisation_id__in=organisation_descendants([organisation.pk]),
    ).count()
    if held >= quota.limit:
        raise EnrollmentRefused(
            _("%(organisation)s has used all %(limit)s of its places on this course.")
            % {"organisation": organisation.name, "limit": quota.limit}
        )


def fresh_start(enrollment: Enrollment) -> None:
    """An earlier, ended place on the session is used again (one row per trainee and session):
    its absence notices and its approval belonged to that place, not to the new one. (Its
    history — events saying they were sent and answered — stays.)"""
    if enrollment.pk is not None:
        AbsenceNotice.objects.filter(enrollment=enrollment).delete()
        Approval.objects.filter(enrollment=enrollment).delete()


def existing_enrollment(session: Session, trainee: Trainee) -> Enrollment | None:
    """The trainee's active enrolment on the course (refused), or an inactive row for this
    session to reuse (one row per trainee and session)."""
    active = (
        Enrollment.objects.filter(course_id=session.course_id, trainee=trainee, status__in=ACTIVE)
        .select_related("session")
        .first()
    )
    if active is not None:
        raise EnrollmentRefused(
            _("You already hold a place on this course (session %(number)s: %(status)s).")
            % {"number": active.session.number, "status": active.get_status_display()}
        )
    return Enrollment.objects.filter(session=session, trainee=trainee).first()


def open_course_check(session: Session, trainee: Trainee, *, not_eligible: str) -> None:
    """What applying and nominating both ask before anything is locked: the course takes
    applications (not training orders only), its window is open, and the trainee is in its
    target audience (`not_eligible` says otherwise, to the applicant or of the nominee)."""
    if session.course.kind != CourseKind.OPEN:
        raise EnrollmentRefused(_("This course is by training order only; HR designates trainees."))
    window_check(session)
    if not trainee_eligible(session.course, trainee, completed=completed_trainee_ids):
        raise EnrollmentRefused(not_eligible)


def place_requested(
    session: Session,
    trainee: Trainee,
    actor: User | None,
    *,
    source: str,
    note: str,
    already_held: str | None = None,
    **fields: Any,
) -> Enrollment:
    """The trainee's place on the session, new or a former one reopened, as requested (申込 or
    推薦: `source`), with `fields` set, saved and its event (`note`) added. Refused when they
    already hold a place on the course (`already_held` says so of a nominee) or their
    department's quota is used up."""
    not_cancelled(session, fresh=True)
    try:
        enrollment = existing_enrollment(session, trainee)
    except EnrollmentRefused:
        if already_held is None:
            raise
        raise EnrollmentRefused(already_held) from None
    quota_check(session, trainee)
    if enrollment is None:
        enrollment = Enrollment(
            session=session,
            course=session.course,
            trainee=trainee,
            counted_in_id=trainee.organisation_id,  # until the session begins (services.history)
        )
    fresh_start(enrollment)
    before = enrollment.status or ""
    enrollment.session = session
    enrollment.source = source
    enrollment.requested_at = timezone.now()
    enrollment.status = Status.REQUESTED
    enrollment.waitlist_rank = None
    for name, value in fields.items():
        setattr(enrollment, name, value)
    enrollment.save()
    event_add(enrollment, before, actor, note)
    return enrollment


# How many people a refusal names before it says "and N more".
CLASH_NAMES_SHOWN = 5


def clashes_allowed(session: Session, trainee_ids: list[int], reason: str) -> int:
    """重複チェック for HR's decisions and orders: confirming or ordering people whose days
    overlap another confirmed place of theirs needs a reason (HR overrides knowingly: the
    person agreed, the other course gives way …). Refused without one, naming who and what;
    returns how many people clash (0: no reason needed)."""
    clashes = clashing_places(trainee_ids, session)
    if clashes and not reason.strip():
        named = [
            _("%(name)s (%(places)s)") % {"name": places[0].trainee.name,
                                          "places": clash_text(places)}
            for places in list(clashes.values())[:CLASH_NAMES_SHOWN]
        ]  # fmt: skip
        more = len(clashes) - len(named)
        raise EnrollmentRefused(
            _(
                "Their days overlap another training they hold a place on: %(people)s%(more)s. "
                "Nothing was changed. To go ahead anyway, give the reason for the overlap."
            )
            % {
                "people": list_join(named),
                "more": _(" and %(n)s more") % {"n": more} if more else "",
            }
        )
    return len(clashes)
