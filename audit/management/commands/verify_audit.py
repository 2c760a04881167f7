"""Prove that the audit trail is as it was written: every hash chain recomputed.

    manage.py verify_audit [--since YYYY-MM-DD] [--against FILE] [--format text|json]

Exit 0 when every chain holds (and every kept head in FILE still lies on it), 1 otherwise,
naming the first broken row of each break. Rows not yet sealed (younger than
AUDIT_SEAL_LAG_SECONDS) are sealed first, so the answer covers the trail up to then."""

from __future__ import annotations

import datetime
import json
import time
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from audit import chain
from audit.models import ChainVerification


class Command(BaseCommand):
    help = "Verify the audit tables' hash chains; exit 1 and name the first broken row."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--since", help="start at the first seal made on or after this date")
        parser.add_argument("--against", help="a file of kept head lines (manage.py audit_head)")
        parser.add_argument("--format", choices=["text", "json"], default="text")
        parser.add_argument("--no-seal", action="store_true", help="verify what is sealed only")

    def handle(self, *args: Any, **options: Any) -> None:
        since = None
        if options["since"]:
            try:
                day = datetime.date.fromisoformat(options["since"])
            except ValueError:
                raise CommandError("--since takes a date: YYYY-MM-DD") from None
            since = timezone.make_aware(datetime.datetime.combine(day, datetime.time()))
        kept: list[str] = []
        if options["against"]:
            try:
                kept = Path(options["against"]).read_text(encoding="utf-8").splitlines()
            except OSError as exc:
                raise CommandError(f"cannot read {options['against']}: {exc.strerror}") from None
        started = time.perf_counter()
        sealed = 0 if options["no_seal"] else chain.seal_all()
        result = chain.verify(since=since)
        result.breaks.extend(chain.verify_heads(kept))
        seconds = time.perf_counter() - started
        if since is None:  # a whole verification is kept for the auditors' page
            ChainVerification.objects.create(
                source="command", intact=result.intact, rows=result.rows, seals=result.seals,
                seconds=round(seconds, 3), breaks=[b.as_dict() for b in result.breaks[:50]],
                heads={log: {"row": row, "hash": head}
                       for log, (row, head) in result.heads.items()},
            )  # fmt: skip
        if options["format"] == "json":
            self.stdout.write(json.dumps({
                "intact": result.intact, "rows": result.rows, "seals": result.seals,
                "sealed_now": sealed, "seconds": round(seconds, 3),
                "heads": {log: {"row": row, "hash": head}
                          for log, (row, head) in result.heads.items()},
                "kept_heads": len([line for line in kept if line.strip()]),
                "breaks": [item.as_dict() for item in result.breaks],
            }))  # fmt: skip
        else:
            for log, (row, head) in result.heads.items():
                self.stdout.write(f"{log}: head at row {row}: {head}")
            for item in result.breaks:
                self.stdout.write(f"BROKEN {item.log} row {item.row_id}: {item.what}")
            verdict = "intact" if result.intact else f"{len(result.breaks)} break(s)"
            self.stdout.write(
                f"{result.rows:,} rows in {result.seals:,} seals, {len(kept)} kept head line(s): "
                f"{verdict} ({seconds:.1f} s)"
            )
        if not result.intact:
            raise SystemExit(1)
