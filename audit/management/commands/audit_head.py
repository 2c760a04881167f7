"""The audit chains' heads as signed lines, to keep outside the portal (print, mail, a USB key
in the auditor's drawer). Later, ``manage.py verify_audit --against FILE`` proves that nothing
up to each kept head has changed.

    manage.py audit_head >> /secure/place/audit-heads.txt"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from audit import chain


class Command(BaseCommand):
    help = "Print each audit chain's head as a signed line (seals what is old enough first)."

    def handle(self, *args: Any, **options: Any) -> None:
        chain.seal_all()
        for log in chain.LOGS:
            line = chain.head_line(log)
            if line is not None:
                self.stdout.write(line)
