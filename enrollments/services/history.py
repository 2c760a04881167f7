"""所属 at the time: each place remembers the organisation its trainee belonged to on the
session's first day, so history and dashboards count it there after a transfer, a renaming or
a merger.

Where a place counts (``Enrollment.counted_in``) is that organisation once stamped and, until
then, the trainee's organisation now. The writers here keep it so — a place is made with its
trainee's organisation, follows a transfer or a roster move until its session begins, is fixed
with the stamp — and the nightly stamp re-aligns any place a concurrent move left behind. The
dashboards group a year's places by it without reading the staff table."""

from __future__ import annotations

import datetime

from django.db.models import F, Min, OuterRef, QuerySet, Subquery

from courses.models import SessionDay
from enrollments.models import Enrollment, Status
from trainees.models import Organisation, Trainee


def _sessions_whose_first_day(**condition: datetime.date) -> QuerySet[SessionDay, dict]:
    """The ids of the sessions whose first day meets ``condition`` (``first__lte=…`` or
    ``first__gte=…``), for a place's ``session_id__in``."""
    return (
        SessionDay.objects.values("session_id")
        .annotate(first=Min("date"))
        .filter(**condition)
        .values("session_id")
    )


def _organisation_of(trainee: QuerySet[Trainee]) -> Subquery:
    return Subquery(trainee.values("organisation_id")[:1])


def _stamp(trainee: QuerySet[Trainee]) -> dict[str, Subquery]:
    """The stamp's columns, read from ``trainee`` (a query of one person): the organisation
    at the time, its name then, and so where the place counts."""
    return {
        "organisation_id": _organisation_of(trainee),
        "organisation_name": Subquery(trainee.values("organisation__name")[:1]),
        "counted_in_id": _organisation_of(trainee),
    }


def enrollments_stamp_organisation(
    *, today: datetime.date | None = None, session_id: int | None = None
) -> int:
    """Stamp the trainee's current organisation (and its name) on the places of sessions that
    have begun (first day on or before `today`) and carry no stamp yet; one UPDATE. Runs every
    night before the day's sessions and whenever attendance is taken. Returns how many."""
    places = Enrollment.objects.filter(
        organisation__isnull=True,
        status__in=(Status.CONFIRMED, Status.ABSENT, Status.CANCELLED),
    )
    if session_id is not None:
        places = places.filter(session_id=session_id)
    if today is not None:
        places = places.filter(session_id__in=_sessions_whose_first_day(first__lte=today))
    stamped = places.update(**_stamp(Trainee.objects.filter(pk=OuterRef("trainee_id"))))
    if session_id is None:  # the nightly run
        places_follow_trainees()
    return stamped


FOLLOW_BATCH = 5000


def places_follow_trainees(trainee_ids: list[int] | None = None) -> int:
    """The places not yet stamped (their sessions have not begun) of ``trainee_ids`` (None:
    everyone's) count where their trainees belong now: an UPDATE of the places that differ
    (one per FOLLOW_BATCH people).
    Run after a roster import moves people, and nightly for any place a move made while it
    was being created left behind. Returns how many moved."""
    places = Enrollment.objects.filter(organisation__isnull=True).exclude(
        counted_in_id=F("trainee__organisation_id")
    )
    now = _organisation_of(Trainee.objects.filter(pk=OuterRef("trainee_id")))
    if trainee_ids is None:
        return places.update(counted_in_id=now)
    # In batches: a city's annual roster moves thousands, more than SQLite takes as parameters.
    return sum(
        places.filter(trainee_id__in=trainee_ids[start : start + FOLLOW_BATCH]).update(
            counted_in_id=now
        )
        for start in range(0, len(trainee_ids), FOLLOW_BATCH)
    )


def places_follow_roster(*, trainee_ids: list[int], **_signal: object) -> int:
    """The receiver of ``trainees.events.trainees_moved`` (a roster import's moves)."""
    return places_follow_trainees(trainee_ids)


def places_restamp_after_transfer(
    *, trainee_id: int, effective_on: datetime.date, **_signal: object
) -> int:
    """After a transfer effective ``effective_on``: the person's places on sessions whose first
    day is on or after it, already stamped with the old organisation, count under the new one
    (one UPDATE; earlier places keep the organisation at the time), and the places not begun
    follow the person. Returns how many were re-counted. The receiver of
    ``trainees.events.trainee_transferred``."""
    begun_since = _sessions_whose_first_day(first__gte=effective_on)
    recounted = Enrollment.objects.filter(
        trainee_id=trainee_id, organisation__isnull=False, session_id__in=begun_since
    ).update(**_stamp(Trainee.objects.filter(pk=trainee_id)))
    places_follow_trainees([trainee_id])  # places not begun: not a re-count, they just follow
    return recounted


def places_restamp_after_rename(
    *, organisation_id: int, effective_on: datetime.date, **_signal: object
) -> int:
    """After a renaming effective ``effective_on`` entered late: the places counted under the
    organisation on sessions whose first day is on or after it take the new name; earlier
    ones keep the name at the time. The receiver of ``trainees.events.organisation_renamed``."""
    begun_since = _sessions_whose_first_day(first__gte=effective_on)
    name = Organisation.objects.filter(pk=organisation_id).values("name")[:1]
    return Enrollment.objects.filter(
        organisation_id=organisation_id, session_id__in=begun_since
    ).update(organisation_name=Subquery(name))
