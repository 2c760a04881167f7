"""Re-encrypt every authenticator secret under the newest DATA_ENCRYPTION_KEY (after rotating:
put the old key in DATA_ENCRYPTION_KEY_FALLBACKS, run this, then drop the fallback)."""

from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator
from django.core.management.base import BaseCommand
from django.db import transaction

from audit.services import audit_event_record
from trainees.crypto import data_reencrypted


class Command(BaseCommand):
    help = "Re-encrypt TOTP secrets and recovery-code seeds under the newest DATA_ENCRYPTION_KEY."

    def handle(self, *args: Any, **options: Any) -> None:
        count = 0
        with transaction.atomic():
            for authenticator in Authenticator.objects.select_for_update().iterator():
                authenticator.data = data_reencrypted(authenticator.type, authenticator.data)
                authenticator.save(update_fields=["data"])
                count += 1
            audit_event_record(kind="mfa.reencrypted", detail={"authenticators": count})
        self.stdout.write(f"{count} authenticators re-encrypted under the newest key.")
