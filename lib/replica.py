"""Reads of the heavy read-only pages from a streaming replica (DATABASE_REPLICA_URL).

A view marked ``@replica_reads`` (dashboards, histories, results, exports) reads from the
"replica" database — but only while all of these hold, and from the primary otherwise:

- the replica answers and has replayed the primary's WAL, or lags less than
  REPLICA_MAX_LAG_SECONDS behind it (checked at most every REPLICA_CHECK_SECONDS per process:
  two small queries);
- nothing has been written in this request yet (a write goes to the primary, and every read
  after it too: a person reads what they have just written), and no transaction is open on
  the primary;
- the replica is configured at all (without DATABASE_REPLICA_URL nothing changes).

Everything else — logins, sessions, every form, every other page — reads the primary. The
access log and audit rows are written to the primary as always. A streamed export keeps the
replica for the rows it streams after the view has returned.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connections

logger = logging.getLogger(__name__)

REPLICA = "replica"
# Apps whose writes (append-only records of the request itself) keep a page on the replica.
AUDIT_ONLY = {"audit"}


@dataclass
class _Request:
    wrote: bool = False


_state: contextvars.ContextVar[_Request | None] = contextvars.ContextVar(
    "replica_reads", default=None
)


class _Health:
    """Whether the replica may be read now, as last checked (per process)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.checked = 0.0
        self.usable = False
        self.reason = "not checked"

    def usable_now(self) -> bool:
        interval = settings.REPLICA_CHECK_SECONDS
        if time.monotonic() - self.checked < interval:
            return self.usable
        with self.lock:
            if time.monotonic() - self.checked >= interval:
                self.usable, self.reason = _check()
                self.checked = time.monotonic()
                if not self.usable:
                    logger.warning("replica not used: %s", self.reason)
        return self.usable

    def forget(self) -> None:
        self.checked = 0.0


health = _Health()


def _check() -> tuple[bool, str]:
    """(usable, why not): the replica is in recovery (a standby), and has replayed what the
    primary has written, or its last replay is younger than the allowed lag."""
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()")
            primary_lsn = cursor.fetchone()[0]
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(
                "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn() >= %s::pg_lsn, "
                "COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)",
                [primary_lsn],
            )
            standby, caught_up, age = cursor.fetchone()
    except DatabaseError as exc:
        connections[REPLICA].close()
        return False, f"unreachable ({type(exc).__name__})"
    if not standby:
        return False, "not a standby"
    if caught_up or float(age) <= settings.REPLICA_MAX_LAG_SECONDS:
        return True, ""
    return False, f"{float(age):.1f} s behind"


def configured() -> bool:
    return REPLICA in settings.DATABASES


class ReplicaRouter:
    """DATABASE_ROUTERS: reads in a ``@replica_reads`` view to the replica (when usable),
    everything else to the primary."""

    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        state = _state.get()
        if state is None or state.wrote or connections["default"].in_atomic_block:
            return None
        return REPLICA if health.usable_now() else None

    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        state = _state.get()
        # The access log and audit events a page writes about itself are never read back by
        # it: they leave the page on the replica. Anything else makes the rest of it primary.
        if state is not None and getattr(model, "_meta", None) is not None:
            if model._meta.app_label not in AUDIT_ONLY:
                state.wrote = True
        elif state is not None:
            state.wrote = True
        return None

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # the same data, whichever copy it was read from

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db != REPLICA


def _within(state: _Request, iterable: Iterable[bytes]) -> Iterator[bytes]:
    iterator = iter(iterable)
    while True:
        token = _state.set(state)
        try:
            item = next(iterator)
        except StopIteration:
            return
        finally:
            _state.reset(token)
        yield item


View = Callable[..., Any]


def replica_reads(view: View) -> View:
    """Let this read-only page read from the replica (see the module's conditions)."""

    @wraps(view)
    def reading(request: Any, *args: Any, **kwargs: Any) -> Any:
        if not configured() or request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        state = _Request()
        token = _state.set(state)
        try:
            response = view(request, *args, **kwargs)
        finally:
            _state.reset(token)
        if getattr(response, "streaming", False):
            response.streaming_content = _within(state, response.streaming_content)
        return response

    return reading


def reading_from_replica() -> bool:
    """Would a read now go to the replica? (For tests and the page's footer.)"""
    return ReplicaRouter().db_for_read(None) == REPLICA
