"""定期的な分析の記録 for a calendar month, made and kept (the auditors' list offers it).

    manage.py audit_monthly_report [--month YYYY-MM] [--pdf FILE] [--csv FILE]

--month defaults to last month. --pdf/--csv also write the files there."""

from __future__ import annotations

import datetime
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from audit import monthly


class Command(BaseCommand):
    help = "Make the monthly audit report (PDF and CSV) and keep it for the auditors."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--month", help="YYYY-MM; default last month")
        parser.add_argument("--pdf", help="also write the PDF to this file")
        parser.add_argument("--csv", help="also write the CSV to this file")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            month = (datetime.date.fromisoformat(f"{options['month']}-01")
                     if options["month"] else monthly.previous_month())  # fmt: skip
        except ValueError:
            raise CommandError("--month takes YYYY-MM") from None
        report = monthly.make(month, made_by="command")
        for name in ("pdf", "csv"):
            if options[name]:
                Path(options[name]).write_bytes(bytes(getattr(report, name)))
        summary = report.summary
        self.stdout.write(
            f"{summary['month']}: {summary['requests']} requests, {len(summary['exports'])} "
            f"people exported, {len(summary['finding_list'])} findings, "
            f"{summary['verifications']} verifications (report #{report.pk})"
        )
