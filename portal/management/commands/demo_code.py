"""Print the current TOTP code of a demo account, for newcomers without an authenticator app."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal.demo_people import DEMO_ACCOUNTS
from portal.management.commands.seed_demo import current_code, totp_secret
from trainees.models import User


class Command(BaseCommand):
    help = "Print the current TOTP code of a demo account (development only)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("login_id")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("Not available in production.")
        if options["login_id"] not in {account.login_id for account in DEMO_ACCOUNTS}:
            raise CommandError("Only the demo accounts' codes can be shown.")
        user = User.objects.filter(username=options["login_id"]).first()
        secret = totp_secret(user) if user else None
        if not secret:
            raise CommandError("That account has no TOTP authenticator (run make run / seed_demo).")
        self.stdout.write(current_code(secret))
