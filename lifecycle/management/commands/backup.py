"""The database and the private files in one encrypted archive (BACKUP_KEY).

    manage.py backup [--output FILE]

Without --output: into BACKUP_DIR, recorded and rotated as the nightly backup is."""

from __future__ import annotations

import time
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from lifecycle.backup import BackupError, backup_to_folder, make_backup


class Command(BaseCommand):
    help = "Back up the database and files into one encrypted archive."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--output", help="the archive to write (default: into BACKUP_DIR)")

    def handle(self, *args: Any, **options: Any) -> None:
        began = time.monotonic()
        if options["output"]:
            try:
                manifest = make_backup(Path(options["output"]))
            except BackupError as exc:
                raise CommandError(str(exc)) from None
            size = Path(options["output"]).stat().st_size
            self.stdout.write(f"{options['output']}: {size} bytes, {len(manifest['members'])} "
                              f"members, {time.monotonic() - began:.1f} s")  # fmt: skip
            return
        run = backup_to_folder(source="command")
        if not run.ok:
            raise CommandError(run.error)
        self.stdout.write(f"{run.file_name}: {run.size} bytes, {run.seconds} s")
