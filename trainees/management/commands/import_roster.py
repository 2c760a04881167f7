"""Import a roster file from the command line (scheduled jobs, tests).

    manage.py import_roster PATH [--mode full|add] [--organisation CODE] [--dry-run]
                                 [--encoding auto|utf-8|cp932] [--format text|json]

Exit status: 0 committed (or a clean dry run), 1 the file has errors (nothing written),
2 usage errors (Django's CommandError).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from lib.imports import StaleImportError
from trainees.models import ImportMode, Organisation
from trainees.roster_import import roster_import_run


class Command(BaseCommand):
    help = "Import a staff roster (CSV in UTF-8 or CP932, or XLSX) exported by the HR system."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path")
        parser.add_argument("--mode", choices=ImportMode.values, default=ImportMode.FULL)
        parser.add_argument("--organisation", metavar="CODE", help="add mode: the organisation")
        parser.add_argument("--dry-run", action="store_true", help="check and count; write nothing")
        parser.add_argument("--encoding", choices=["auto", "utf-8", "cp932"], default="auto")
        parser.add_argument("--format", choices=["text", "json"], default="text")
        parser.add_argument(
            "--disable-privileged",
            action="store_true",
            help="full mode: also disable accounts with a role (HR, auditor, coordinator) that "
            "are not in the file (refused without this flag)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}", returncode=2)
        if path.stat().st_size > settings.ROSTER_MAX_UPLOAD_BYTES:
            raise CommandError(
                f"The file is larger than {settings.ROSTER_MAX_UPLOAD_BYTES} bytes.", returncode=2
            )
        organisation = None
        if options["organisation"]:
            organisation = Organisation.objects.filter(code=options["organisation"]).first()
            if organisation is None:
                raise CommandError(
                    f"Unknown organisation code: {options['organisation']}", returncode=2
                )
        try:
            result = roster_import_run(
                data=path.read_bytes(),
                file_name=path.name,
                mode=options["mode"],
                actor=None,
                organisation=organisation,
                encoding=options["encoding"],
                dry_run=options["dry_run"],
                confirm_privileged=options["disable_privileged"],
            )
        except (ValidationError, StaleImportError) as exc:
            raise CommandError(
                "; ".join(getattr(exc, "messages", [str(exc)])), returncode=2
            ) from exc
        summary = result.as_dict()
        if options["format"] == "json":
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
        else:
            self._print_text(summary, dry_run=options["dry_run"])
        if summary["errors"]:
            sys.exit(1)

    def _print_text(self, summary: dict[str, Any], *, dry_run: bool) -> None:
        self.stdout.write(
            "rows {rows}, created {created}, updated {updated}, unchanged {unchanged}, "
            "deactivated {deactivated}".format(**summary)
        )
        for problem in summary["warnings"]:
            self.stdout.write(
                f"warning: line {problem['line']} {problem['column']}: {problem['message']}"
            )
        for problem in summary["errors"]:
            where = f"line {problem['line']} " if problem["line"] else ""
            self.stderr.write(
                f"error: {where}{problem['column']} 「{problem['value']}」: {problem['message']}"
            )
        if summary["committed"]:
            self.stdout.write(self.style.SUCCESS("Committed."))
        elif not summary["errors"]:
            self.stdout.write("Dry run: nothing written." if dry_run else "Nothing written.")
        else:
            self.stderr.write("The file has errors: nothing written.")
