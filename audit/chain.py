"""Hash chains over the audit tables (改ざん防止, issue 20): proof that no row changed.

Each row's hash is SHA-256 over the previous row's hash and the row's canonical form — its
columns as they were written, in a fixed order (``LOGS``), as compact JSON. A sealer (a beat task
every few seconds, off the request path, so a request pays nothing for it) takes the rows older
than ``AUDIT_SEAL_LAG_SECONDS`` in id order, up to the first younger one, and writes one
``ChainSeal`` holding every row's hash; the seal's ``prev_hash`` is the previous seal's head and
unique per table, so concurrent sealers cannot fork the chain (and an advisory lock makes them
wait instead of failing).

``verify`` recomputes every chain and names the first broken row of each break: a row changed,
a row deleted, a row slipped in after its range was sealed (only the tables' owner can choose an
id: migration 0012), a seal removed or replaced. Someone able to rewrite rows *and* seals could
rebuild the whole chain; a head kept outside the portal (``head_line``, signed with
``AUDIT_HEAD_KEY``) proves that everything up to it is still as it was (``verify_heads``).
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from audit.models import (
    AccessLog,
    AuditEvent,
    ChainCut,
    ChainSeal,
    ChainVerification,
    SubjectView,
)

# The columns each chain covers, in order. Never reorder or drop one: seals already written
# would no longer verify. A new column joins with a new chain version.
LOGS: dict[str, tuple[type[models.Model], tuple[str, ...]]] = {
    "access": (AccessLog, ("id", "occurred_at", "request_id", "user_id", "username", "roles",
                           "ip_address", "method", "path", "query_keys", "view_name",
                           "status_code", "duration_ms")),
    "event": (AuditEvent, ("id", "occurred_at", "request_id", "kind", "user_id", "username",
                           "subject_user_id", "login_id", "ip_address", "detail")),
    # 閲覧記録: who saw whose data.
    "view": (SubjectView, ("id", "viewed_at", "request_id", "user_id", "username", "viewer_name",
                           "roles", "ip_address", "subject_id", "what", "path")),
}  # fmt: skip
GENESIS = "0" * 64
HEAD_PREFIX = "kenshu-audit-head v1"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat()
    if isinstance(value, dict | list | str | int | float | bool) or value is None:
        return value
    return str(value)  # UUID, Decimal, an IP address


def canonical(values: Sequence[Any]) -> bytes:
    """A row's columns (in ``LOGS`` order) as the bytes its hash covers."""
    return json.dumps(
        [_plain(v) for v in values], ensure_ascii=False, separators=(",", ":"), sort_keys=True
    ).encode()


def link(previous: bytes, values: Sequence[Any]) -> bytes:
    return hashlib.sha256(previous + canonical(values)).digest()


def _lock(log: str) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"audit.chain.{log}"])


def seal(log: str, *, now: datetime.datetime | None = None) -> ChainSeal | None:
    """Seal the next run of rows of one table (at most ``AUDIT_SEAL_BATCH``), or None when no
    row is old enough yet."""
    model, columns = LOGS[log]
    cutoff = (now or timezone.now()) - datetime.timedelta(seconds=settings.AUDIT_SEAL_LAG_SECONDS)
    with transaction.atomic():
        _lock(log)
        # The head only: a seal's ids and hashes run to hundreds of kilobytes.
        last = (
            ChainSeal.objects.filter(log=log).order_by("-last_id").values_list("hash", "last_id")
        ).first()
        previous_hex, after = last if last else _start(log)
        rows = list(
            model._default_manager.filter(id__gt=after)
            .order_by("id")
            .values_list(*columns)[: settings.AUDIT_SEAL_BATCH]
        )
        # Up to the first row still too young: a row written a moment earlier by a transaction
        # that has not committed yet would otherwise be passed over for good.
        young = next((n for n, row in enumerate(rows) if row[1] >= cutoff), len(rows))
        rows = rows[:young]
        if not rows:
            return None
        previous = bytes.fromhex(previous_hex)
        hashes = bytearray()
        for row in rows:
            previous = link(previous, row)
            hashes += previous
        return ChainSeal.objects.create(
            log=log, first_id=rows[0][0], last_id=rows[-1][0], rows=len(rows),
            ids=[row[0] for row in rows], hashes=bytes(hashes), prev_hash=previous_hex,
            hash=previous.hex(),
        )  # fmt: skip


def _start(log: str) -> tuple[str, int]:
    """Where a chain begins: the genesis, or the head at the latest retention cut."""
    cut = ChainCut.objects.filter(log=log).order_by("-last_id").values_list("hash", "last_id")
    return cut.first() or (GENESIS, 0)


def cut(log: str, *, up_to_id: int, reason: str = "") -> ChainCut:
    """The retention purge (issue 21) removing a table's rows up to `up_to_id` and their seals:
    records the head the chain had at that row, then removes them, in one transaction. It must
    end on a seal's last row (a seal is removed whole); only the tables' owner may run it (on
    PostgreSQL the triggers let a DELETE through only with ``audit.allow_purge`` set)."""
    model, _columns = LOGS[log]
    with transaction.atomic():
        _lock(log)
        boundary = ChainSeal.objects.filter(log=log, last_id=up_to_id).values_list(
            "hash", flat=True
        )
        head = boundary.first()
        if head is None:
            raise ValueError(f"{log}: row {up_to_id} is not the last row of a seal")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL audit.allow_purge = 'on'")
        after = _start(log)[1]
        removed = model._default_manager.filter(id__gt=after, id__lte=up_to_id)
        count = removed.count()
        record = ChainCut.objects.create(log=log, last_id=up_to_id, hash=head, rows=count,
                                         reason=reason[:200])  # fmt: skip
        # The append-only managers refuse deletes: the purge goes underneath them, on purpose.
        rows_table = connection.ops.quote_name(model._meta.db_table)
        seals_table = connection.ops.quote_name(ChainSeal._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {rows_table} WHERE id > %s AND id <= %s",  # noqa: S608
                           [after, up_to_id])  # fmt: skip
            cursor.execute(f"DELETE FROM {seals_table} WHERE log = %s AND last_id <= %s",  # noqa: S608
                           [log, up_to_id])  # fmt: skip
    return record


def seal_all(*, now: datetime.datetime | None = None) -> int:
    """Seal every table up to the lag; the number of rows sealed."""
    sealed = 0
    for log in LOGS:
        while (made := seal(log, now=now)) is not None:
            sealed += made.rows
    return sealed


@dataclass(frozen=True)
class Break:
    """Where a chain no longer holds: the table, the first row concerned, and what is wrong."""

    log: str
    row_id: int | None
    what: str

    def as_dict(self) -> dict[str, Any]:
        return {"log": self.log, "row": self.row_id, "what": self.what}


@dataclass
class Verification:
    rows: int = 0
    seals: int = 0
    breaks: list[Break] = field(default_factory=list)
    heads: dict[str, tuple[int, str]] = field(default_factory=dict)  # log -> (last row, hash)

    @property
    def intact(self) -> bool:
        return not self.breaks


def verify(*, since: datetime.datetime | None = None) -> Verification:
    """Recompute every chain (from the first seal, or from the first seal after `since`, taken
    on trust) and compare with the seals."""
    result = Verification()
    for log, (model, columns) in LOGS.items():
        seals = ChainSeal.objects.filter(log=log).order_by("first_id")
        expected, after = _start(log)
        if after:  # rows before the cut are gone; the chain is checked from its head there
            result.heads[log] = (after, expected)
        if since is not None:
            before = (
                seals.filter(sealed_at__lt=since)
                .order_by("-first_id")
                .values_list("hash", "last_id")
                .first()
            )
            if before is not None:
                expected, after = before
                seals = seals.filter(first_id__gt=after)
        for chain_seal in seals.iterator(chunk_size=20):
            result.seals += 1
            _verify_seal(log, model, columns, chain_seal, expected, after, result)
            expected, after = chain_seal.hash, chain_seal.last_id
            result.heads[log] = (chain_seal.last_id, chain_seal.hash)
    return result


def _verify_seal(
    log: str,
    model: type[models.Model],
    columns: tuple[str, ...],
    chain_seal: ChainSeal,
    expected: str,
    after: int,
    result: Verification,
) -> None:
    def broken(row_id: int | None, what: str) -> None:
        result.breaks.append(Break(log, row_id, what))

    if chain_seal.prev_hash != expected:
        broken(chain_seal.first_id, "the seal does not follow the one before it (a seal was "
                                    "removed or replaced)")  # fmt: skip
    # Every row in the range since the previous seal: one the seal does not list was slipped in.
    rows = {
        row[0]: row
        for row in model._default_manager.filter(id__gt=after, id__lte=chain_seal.last_id)
        .order_by("id")
        .values_list(*columns)
        .iterator(chunk_size=5000)
    }
    stored = bytes(chain_seal.hashes)
    previous = bytes.fromhex(chain_seal.prev_hash)
    for n, row_id in enumerate(chain_seal.ids):
        kept = stored[32 * n : 32 * (n + 1)]
        row = rows.pop(row_id, None)
        if row is None:
            broken(row_id, "the row was deleted")
        elif link(previous, row) != kept:
            broken(row_id, "the row was changed")
        else:
            result.rows += 1
        previous = kept  # go on from what was sealed: later rows are judged on their own
    if previous.hex() != chain_seal.hash:
        broken(chain_seal.last_id, "the seal's head does not match its rows' hashes")
    for row_id in sorted(rows):
        broken(row_id, "the row was added after its range was sealed")


def verify_and_record(source: str, *, kept: Iterable[str] = ()) -> ChainVerification:
    """Seal what is old enough, verify every chain (and the kept heads), and keep the verdict
    for the auditors' page."""
    started = time.perf_counter()
    seal_all()
    result = verify()
    result.breaks.extend(verify_heads(kept))
    return ChainVerification.objects.create(
        source=source, intact=result.intact, rows=result.rows, seals=result.seals,
        seconds=round(time.perf_counter() - started, 3),
        breaks=[item.as_dict() for item in result.breaks[:50]],
        heads={log: {"row": row, "hash": head} for log, (row, head) in result.heads.items()},
    )  # fmt: skip


# --- Heads kept outside the portal -----------------------------------------------------------


def _key() -> bytes:
    """AUDIT_HEAD_KEY (settings): a key of its own, so rotating SECRET_KEY orphans no head."""
    return settings.AUDIT_HEAD_KEY.encode()


def head_line(log: str) -> str | None:
    """The table's chain head as one signed line to keep outside the portal (print it, mail
    it): ``kenshu-audit-head v1 <log> <last row> <hash> <sealed at> <signature>``."""
    last = ChainSeal.objects.filter(log=log).order_by("-last_id").defer("ids", "hashes").first()
    if last is None:
        return None
    stamp = last.sealed_at.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    payload = f"{HEAD_PREFIX} {log} {last.last_id} {last.hash} {stamp}"
    signature = hmac.new(_key(), payload.encode(), hashlib.sha256).hexdigest()
    return f"{payload} {signature}"


def verify_heads(lines: Iterable[str]) -> list[Break]:
    """Each kept head: its signature, and that the chain still passes through it."""
    breaks = []
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        payload, _space, signature = line.rpartition(" ")
        parts = payload.split(" ")
        expected = hmac.new(_key(), payload.encode(), hashlib.sha256).hexdigest()
        if not payload.startswith(HEAD_PREFIX) or len(parts) != 6 or not parts[3].isdigit():
            breaks.append(Break("?", None, f"not a head line: {line[:60]}"))
            continue
        log, last_id, head = parts[2], int(parts[3]), parts[4]
        if not hmac.compare_digest(expected, signature):
            breaks.append(Break(log, last_id, "the kept head's signature does not match"))
            continue
        kept = ChainSeal.objects.filter(log=log, last_id=last_id).values_list("hash", flat=True)
        at_cut = ChainCut.objects.filter(log=log, last_id=last_id).values_list("hash", flat=True)
        cut_at = _start(log)[1]
        if last_id < cut_at and not at_cut.exists():
            continue  # purged by the retention cut: no longer checkable, and not a break
        if (kept.first() or at_cut.first()) != head:
            breaks.append(Break(log, last_id, "the chain no longer passes through the kept head: "
                                              "the trail up to it was rewritten"))  # fmt: skip
    return breaks
