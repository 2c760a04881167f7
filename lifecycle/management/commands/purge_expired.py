"""Erase what is past the ward's retention periods and file a deletion report (消去報告書).

    manage.py purge_expired [--dry-run] [--format text|json]

--dry-run counts what would go and changes nothing. Runs monthly under beat."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from lifecycle import services
from lifecycle.report import CATEGORIES


class Command(BaseCommand):
    help = "Erase or anonymise data past retention; file a deletion report."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="count only; change nothing")
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args: Any, **options: Any) -> None:
        outcome, report = services.purge_expired(ran_by="command", dry_run=options["dry_run"])
        if options["format"] == "json":
            self.stdout.write(json.dumps({
                "dry_run": options["dry_run"], "counts": outcome.counts,
                "report": report.number if report else None,
                "erased": [e["hash"] for e in outcome.erased],
            }, ensure_ascii=False))  # fmt: skip
            return
        title = "would erase" if options["dry_run"] else "erased"
        self.stdout.write(f"{title}: {sum(outcome.counts.values())} item(s)")
        for code, n in outcome.counts.items():
            self.stdout.write(f"  {CATEGORIES.get(code, code)}: {n}")
        if report:
            self.stdout.write(f"deletion report {report.number} (#{report.pk})")
