"""HR's decisions (決定): one by one, in bulk, or by lottery (抽選)."""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterable

from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from audit.services import audit_event_record
from courses.models import Session
from enrollments.models import (
    DECIDABLE,
    Enrollment,
    Lottery,
    Source,
    Status,
)
from enrollments.services.checks import clashes_allowed, not_cancelled
from enrollments.services.notifications import NOTICE_FOR, decisions_notify
from enrollments.services.seats import free_seats, session_lock
from enrollments.services.status import (
    EnrollmentRefused,
    status_set,
    waitlist_next_rank,
    waitlist_promote,
)
from jobs.models import Job
from jobs.services import job_start
from lib.japanese import list_join
from trainees.models import User
from trainees.roles import HR_CONSOLE


@transaction.atomic
def enrollments_decide(
    *,
    session: Session,
    enrollment_ids: Iterable[int],
    decision: str,
    actor: User,
    clash_reason: str = "",
) -> dict[str, int]:
    """決定 one by one or in bulk: confirm (while seats last), waitlist or reject. Confirming
    people whose days overlap another confirmed place of theirs needs ``clash_reason``
    (refused without it, nothing written; kept with each decision and in the audit event).
    Returns {"changed": n, "full": people left undecided because the session is full}."""
    if decision not in NOTICE_FOR:
        raise EnrollmentRefused(_("Unknown decision."))
    session = session_lock(session.pk)
    not_cancelled(session)
    enrollment_ids = list(enrollment_ids)
    unapproved = list(
        Enrollment.objects.filter(session=session, pk__in=enrollment_ids, status=Status.REQUESTED)
        .exclude(DECIDABLE)
        .values_list("trainee__name", flat=True)
    )
    if unapproved:
        raise EnrollmentRefused(
            _("Not approved yet by their supervisor (所属長承認): %(names)s.")
            % {"names": list_join(unapproved[:5]) + ("…" if len(unapproved) > 5 else "")}
        )
    enrollments = list(
        Enrollment.objects.select_for_update()
        .filter(session=session, pk__in=enrollment_ids)
        .exclude(status=decision)
        .filter(status__in=[Status.REQUESTED, Status.WAITLISTED, Status.CONFIRMED])
        .order_by("waitlist_rank", "requested_at", "id")
    )
    clashes = 0
    note = _("Decided by HR")
    if decision == Status.CONFIRMED:
        clashes = clashes_allowed(session, [e.trainee_id for e in enrollments], clash_reason)
        if clashes:
            note = _("Decided by HR despite overlapping days: %(reason)s") % {
                "reason": clash_reason.strip()[:200]
            }
    changed, full, events = [], 0, {}
    for enrollment in enrollments:
        enrollment.session = session
        if decision == Status.CONFIRMED and free_seats(session) <= 0:
            full += 1
            continue
        events[enrollment.pk] = status_set(enrollment, decision, actor, note, notify=False).pk
        changed.append(enrollment)
    decisions_notify(changed, event_ids=events)
    if decision != Status.CONFIRMED:
        waitlist_promote(session, actor)  # a confirmed place given up goes to the next in line
    audit_event_record(
        kind="enrollment.decided",
        user=actor,
        detail={"session": session.pk, "decision": decision, "count": len(changed),
                **({"overlapping": clashes, "reason": clash_reason.strip()[:200]}
                   if clashes else {})},
    )  # fmt: skip
    return {"changed": len(changed), "full": full}


def lottery_draw(entrants: list[list[int]], seed: str) -> list[int]:
    """The draw, reproducible from its inputs: priority group first (lower first), then the
    order a random generator seeded with `seed` gives, entrants taken in id order."""
    rng = random.Random(seed)  # noqa: S311 - fairness, not secrecy: the seed is published
    keys = {pk: rng.random() for pk, _group in sorted(entrants)}
    return [pk for pk, _group in sorted(entrants, key=lambda e: (e[1], keys[e[0]]))]


def lottery_groups(session: Session, enrollments: list[Enrollment]) -> dict[int, int]:
    """Priority groups: 0 nominated by a department, 1 applied and not selected for this course
    last year, 2 everyone else."""
    last_year = set(
        Enrollment.objects.filter(
            course__code=session.course.code,
            course__fiscal_year=session.course.fiscal_year - 1,
            status__in=[Status.REJECTED, Status.WAITLISTED],
            trainee_id__in=[e.trainee_id for e in enrollments],
        ).values_list("trainee_id", flat=True)
    )
    return {
        e.pk: 0 if e.source == Source.NOMINATED else (1 if e.trainee_id in last_year else 2)
        for e in enrollments
    }


def _lottery_allowed(session: Session, before_close: bool) -> None:
    not_cancelled(session)
    closes = session.application_closes_at
    if closes and timezone.now() < closes and not before_close:
        raise EnrollmentRefused(
            _(
                "Applications are open until %(when)s. Draw lots after that, or tick that you "
                "want to draw now."
            )
            % {"when": formats.date_format(timezone.localtime(closes), "DATETIME_FORMAT")}
        )


def lottery_entrants(session: Session) -> int:
    """How many places a lottery would draw among now."""
    return Enrollment.objects.filter(DECIDABLE, session=session, status=Status.REQUESTED).count()


LOTTERY_JOB = "lottery"


def lottery_start(
    *, session: Session, actor: User, seed: str = "", before_close: bool = False
) -> Job:
    """A lottery among many (more than LOTTERY_BACKGROUND_ENTRANTS: about 3 ms a place, each
    decided, recorded and told) drawn by a background job (enrollments.background.lottery),
    the job's page then the session's. What would refuse it is said at once; the draw itself
    checks again under the session's lock."""
    _lottery_allowed(session, before_close)
    entrants = lottery_entrants(session)
    if not entrants:
        raise EnrollmentRefused(_("Nobody is awaiting a decision for this session."))
    return job_start(
        kind=LOTTERY_JOB, owner=actor, permission=HR_CONSOLE, about=f"session:{session.pk}",
        title=_("Lottery: %(session)s") % {"session": session},
        params={"session": session.pk, "seed": seed, "before_close": before_close},
        total=entrants, link=reverse("session_page", args=[session.pk]),
    )  # fmt: skip


def lottery_summary(lottery: Lottery) -> str:
    """What a draw came to, in one line."""
    return _("Lots drawn (seed %(seed)s): %(seats)s confirmed, the rest waitlisted in order.") % {
        "seed": lottery.seed,
        "seats": min(lottery.seats, len(lottery.drawn)),
    }


@transaction.atomic
def lottery_run(
    *, session: Session, actor: User, seed: str = "", before_close: bool = False
) -> Lottery:
    """抽選 among those awaiting a decision: the free seats are confirmed in drawn order, the rest
    waitlisted in that order. Seed, inputs and result are kept (the draw can be replayed)."""
    session = session_lock(session.pk)
    _lottery_allowed(session, before_close)
    entrants_qs = list(
        Enrollment.objects.select_for_update(of=("self",))
        .filter(DECIDABLE, session=session, status=Status.REQUESTED)
        .order_by("id")
    )
    if not entrants_qs:
        raise EnrollmentRefused(_("Nobody is awaiting a decision for this session."))
    seats = max(0, free_seats(session))
    groups = lottery_groups(session, entrants_qs)
    entrants = [[e.pk, groups[e.pk]] for e in entrants_qs]
    seed = seed or secrets.token_hex(16)
    drawn = lottery_draw(entrants, seed)
    lottery = Lottery.objects.create(
        session=session, seed=seed, seats=seats, entrants=entrants, drawn=drawn, run_by=actor
    )
    by_id = {e.pk: e for e in entrants_qs}
    events: dict[str, dict[int, int]] = {Status.CONFIRMED: {}, Status.WAITLISTED: {}}
    winners: list[Enrollment] = []
    waiting: list[Enrollment] = []
    base = waitlist_next_rank(session)
    for index, pk in enumerate(drawn):
        enrollment = by_id[pk]
        enrollment.session = session
        won = index < seats
        status = Status.CONFIRMED if won else Status.WAITLISTED
        event = status_set(
            enrollment, status, actor, _("Lottery %(id)s") % {"id": lottery.pk}, notify=False
        )
        if not won:  # waiting order = drawn order, after anyone already waiting
            enrollment.waitlist_rank = base + index - seats
            enrollment.save(update_fields=["waitlist_rank"])
        events[status][pk] = event.pk
        (winners if won else waiting).append(enrollment)
    decisions_notify(winners, event_ids=events[Status.CONFIRMED])
    decisions_notify(waiting, event_ids=events[Status.WAITLISTED])
    audit_event_record(
        kind="enrollment.lottery",
        user=actor,
        detail={"session": session.pk, "lottery": lottery.pk, "seed": seed, "seats": seats},
    )
    return lottery
