"""定期的な分析 on demand: analyse one day (or a run of days) of the audit trail, store the
findings for the auditors' page and print them.

    manage.py audit_analysis [--date YYYY-MM-DD] [--days N] [--format text|json] [--digest]

--date defaults to yesterday (what the nightly run analyses); --days analyses that many days
ending on --date. Findings already stored keep their review. --digest also sends the auditors
the digest of what is new (the nightly run always does). Exit 0; the findings are the output.
"""

from __future__ import annotations

import datetime
import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from audit import analysis
from audit.models import Finding
from audit.tasks import DIGEST_TASK
from lib.tasks import task_named


class Command(BaseCommand):
    help = "Analyse the audit trail for a day: failed logins, off-hours use, mass views, …"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--date", help="the (last) day to analyse, YYYY-MM-DD; default yesterday"
        )
        parser.add_argument("--days", type=int, default=1, help="how many days, ending on --date")
        parser.add_argument("--format", choices=["text", "json"], default="text")
        parser.add_argument("--digest", action="store_true", help="send the auditors the digest")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            last = (datetime.date.fromisoformat(options["date"]) if options["date"]
                    else timezone.localdate() - datetime.timedelta(days=1))  # fmt: skip
        except ValueError:
            raise CommandError("--date takes a date: YYYY-MM-DD") from None
        if not 1 <= options["days"] <= 366:
            raise CommandError("--days is between 1 and 366")
        report: list[dict[str, Any]] = []
        for offset in range(options["days"] - 1, -1, -1):
            day = last - datetime.timedelta(days=offset)
            analysis_run, new = analysis.run(day, source="command")
            if options["digest"] and new:
                task_named(DIGEST_TASK).delay(analysis_run.pk)
            stored = Finding.objects.filter(day=day).order_by("category", "key")
            report.append({
                "day": day.isoformat(), "seconds": analysis_run.seconds, "new": len(new),
                "findings": [
                    {"id": f.pk, "category": f.category, "key": f.key, "count": f.count,
                     "detail": f.detail, "reviewed": f.reviewed_at is not None}
                    for f in stored
                ],
            })  # fmt: skip
        if options["format"] == "json":
            self.stdout.write(json.dumps(report, ensure_ascii=False))
            return
        for line in report:
            self.stdout.write(f"{line['day']}: {len(line['findings'])} finding(s), "
                              f"{line['new']} new ({line['seconds']} s)")  # fmt: skip
            for f in line["findings"]:
                state = "reviewed" if f["reviewed"] else "open"
                self.stdout.write(f"  [{state}] {f['category']}: {f['key']} ×{f['count']}")
