"""Provision an account by hand (the roster import does this in bulk).

    manage.py create_account 123456 --name "山田 太郎" --email yamada@example.jp --role trainee
    echo "$PASSWORD" | manage.py create_account 900001 --name "人事 花子" \
        --role hr_admin --password-stdin

Without --password-stdin the account has no usable password: the person sets one through
"forgot your password?" on the login page, which e-mails them a reset link.
"""

from __future__ import annotations

import sys
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from trainees.models import Organisation
from trainees.roles import Role
from trainees.services import user_provision


class Command(BaseCommand):
    help = "Create or update an account with its roles (HR provisioning)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("login_id", help="Staff number (職員番号) or another login ID.")
        parser.add_argument("--name", required=True, help="Full name (氏名).")
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--role",
            action="append",
            choices=[role.value for role in Role],
            help="Repeat for several roles. Default: trainee.",
        )
        parser.add_argument(
            "--coordinates",
            action="append",
            default=[],
            metavar="ORG_CODE",
            help="Organisation code a coordinator acts for (repeatable).",
        )
        parser.add_argument(
            "--password-stdin", action="store_true", help="Read the password from standard input."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        password = None
        if options["password_stdin"]:
            password = sys.stdin.readline().rstrip("\n")
        codes = options["coordinates"]
        organisations = list(Organisation.objects.filter(code__in=codes))
        missing = sorted(set(codes) - {o.code for o in organisations})
        if missing:
            raise CommandError(f"Unknown organisation code(s): {', '.join(missing)}")
        roles = [Role(value) for value in (options["role"] or [Role.TRAINEE.value])]
        try:
            if password:
                validate_password(password)
            user = user_provision(
                username=options["login_id"],
                full_name=options["name"],
                email=options["email"],
                password=password,
                roles=roles,
                coordinated_organisations=organisations,
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(self.style.SUCCESS(f"Account {user.username} saved."))
