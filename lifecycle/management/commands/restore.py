"""Restore an encrypted backup into an empty database and files folder.

    manage.py restore FILE [--force]

Refuses an archive that was changed, truncated or made with another BACKUP_KEY, and a target
that is not empty (unless --force, which replaces it). Afterwards everyone erased since the
backup was made is erased again (the erasure journal)."""

from __future__ import annotations

import time
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from lifecycle.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = "Restore an encrypted backup (manage.py backup) into an empty database and folder."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--force", action="store_true", help="replace a non-empty target")

    def handle(self, *args: Any, **options: Any) -> None:
        began = time.monotonic()
        try:
            manifest = restore_backup(Path(options["file"]), force=options["force"])
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"restored the backup of {manifest['created_at']} ({len(manifest['members'])} "
            f"members) in {time.monotonic() - began:.1f} s; erased again: "
            f"{manifest['erased_again']}"
        )
