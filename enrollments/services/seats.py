"""Seats: the one lock every change of a session's seats takes, and the count it guards.

The capacity invariant: a session never has more confirmed trainees than seats. Every change of
a session's seats happens under a row lock on the session (session_lock), and the session's
confirmed_count is checked by the database (courses' session_never_over_capacity): a forgotten
check fails the transaction instead of over-allocating. The count is a column of the session so
the database can hold it against the capacity in one row; only this module writes it.
"""

from __future__ import annotations

from django.db.models import F

from courses.models import Session


def session_lock(session_id: int) -> Session:
    """The session, locked until the transaction ends: the one lock every change of its seats
    takes, so seats are counted one change at a time."""
    # NO KEY UPDATE: rows that merely refer to the session (enrolments, events, deliveries)
    # can still be inserted while it is held.
    return (
        Session.objects.select_for_update(no_key=True, of=("self",))
        .select_related("course", "room__venue")
        .get(pk=session_id)
    )


def session_seats_take(session: Session, count: int = 1) -> None:
    """Count seats as taken (the session must be locked). The database refuses more than the
    capacity (session_never_over_capacity) even if a caller forgot to check."""
    Session.objects.filter(pk=session.pk).update(confirmed_count=F("confirmed_count") + count)
    session.confirmed_count += count


def session_seats_release(session: Session, count: int = 1) -> None:
    Session.objects.filter(pk=session.pk).update(confirmed_count=F("confirmed_count") - count)
    session.confirmed_count -= count


def free_seats(session: Session) -> int:
    return session.capacity - session.confirmed_count


def sessions_lock(*ids: int) -> dict[int, Session]:
    """Lock several sessions in id order (two people moving in opposite directions must not
    deadlock)."""
    return {pk: session_lock(pk) for pk in sorted(set(ids))}
