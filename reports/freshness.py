"""Dashboard figures kept in the cache until the data they are counted from changes.

A city's dashboards count over a million places and 100,000 staff (the hours by employment
type take about 100 ms of PostgreSQL's time, the completion matrix 40), and they are asked for
far more often than what they count changes. So a figure is kept under the **change number**
of the tables it reads: PostgreSQL's triggers note every committed change to those tables
(reports.models.DataChange, migration 0007), whoever writes it — a service, COPY, a bulk
update, the admin — and the number is the sum of the notes. It moves exactly when a
transaction that changed one of the tables commits, so a figure is never shown from before a
committed change, and no writer has to remember to say that it wrote.

A figure is kept only when the change number read before counting is the one read after it.
On one database a figure counted across a commit would do no harm under the older number (no
later reader asks for it), but a page on the replica can fall back to the primary, or back,
between two queries: the number from the primary and the figures from a replica behind it
would keep old figures under the new number. Inside a transaction nothing is kept or taken:
that transaction may hold changes of its own that the number does not show yet (and may be
rolled back).

Where the triggers are not installed (SQLite, the embedded default) every figure is counted
afresh, as it was before."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.core.cache import cache
from django.db import connections, router, transaction
from django.db.models import Model, Sum

from reports.models import DataChange

T = TypeVar("T")

# Part of every key: raise it when a kept figure's shape changes in the code, so that no node
# takes a figure of the old shape from the shared cache.
FIGURES_VERSION = 1
# How long a figure is kept while nothing changes (the cache's own bound on what it holds).
KEEP_SECONDS = 6 * 3600
EPOCH = "epoch"  # the random start (migration 0007) and each restore's step


def tables_of(models: Iterable[type[Model]]) -> list[str]:
    return sorted({model._meta.db_table for model in models})


def _alias() -> str:
    return router.db_for_read(DataChange) or "default"


def keeping() -> bool:
    """Whether figures are kept: PostgreSQL, where the triggers note the changes."""
    return connections[_alias()].vendor == "postgresql"


def change_number(tables: Iterable[str]) -> int | None:
    """The sum of the change notes of these tables (and of the restores), on the database the
    figures would be read from now; None where no trigger notes changes (not PostgreSQL)."""
    if not keeping():
        return None
    alias = _alias()
    total = (
        DataChange.objects.using(alias)
        .filter(table__in=[*tables, EPOCH])
        .aggregate(total=Sum("n"))["total"]
    )
    return int(total or 0)


def _key(name: str, parts: tuple[object, ...], number: int) -> str:
    # The parts can be long (a coordinator's organisations): the key holds their digest.
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    return f"reports:figures:v{FIGURES_VERSION}:{name}:{digest}:{number}"


def kept(name: str, parts: tuple[object, ...], tables: list[str], count: Callable[[], T]) -> T:
    """``count()``, or what it gave before under the same name, parts and change number of
    ``tables`` (every table ``count`` reads: tests/reports/test_freshness.py checks them)."""
    if connections[_alias()].in_atomic_block or connections["default"].in_atomic_block:
        return count()
    before = change_number(tables)
    if before is None:
        return count()
    key = _key(name, parts, before)
    figures = cache.get(key)
    if figures is not None:
        return figures
    figures = count()
    if change_number(tables) == before:
        cache.set(key, figures, timeout=KEEP_SECONDS)
    return figures


def data_changes_compact() -> int:
    """Each table's notes as one row with their sum (the change numbers stay as they are): the
    hourly job, so that reading a number stays one short index scan. Returns the rows removed."""
    removed = 0
    tables = list(DataChange.objects.values_list("table", flat=True).distinct())
    for table in tables:
        with transaction.atomic():
            rows = list(
                DataChange.objects.select_for_update().filter(table=table).values_list("pk", "n")
            )
            if len(rows) < 2:
                continue
            DataChange.objects.filter(pk__in=[pk for pk, _n in rows]).delete()
            DataChange.objects.create(table=table, n=sum(n for _pk, n in rows))
            removed += len(rows) - 1
    return removed


def data_restored(*, using: str = "default") -> None:
    """After a restore: a random step in every change number, so that figures kept for the
    database as it was (the cache outlives the restore) are not taken for the restored one,
    whose numbers may come back to the same values with other data."""
    if connections[using].vendor == "postgresql":
        step = random.SystemRandom().randrange(1, 2**40)
        DataChange.objects.using(using).create(table=EPOCH, n=step)
