"""Create the demo ward: organisations and one account per role. Safe to run again."""

from __future__ import annotations

import datetime
import time
from pathlib import Path
from typing import Any

import time_machine
from allauth.mfa import app_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret, hotp_value
from allauth.mfa.utils import decrypt
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from audit.chain import seal_all, verify_and_record
from audit.models import SubjectView
from audit.services import subject_views_record
from courses.models import Course, current_fiscal_year
from lifecycle.models import DeletionReport
from lifecycle.services import purge_expired
from portal.demo_assessments import seed_assessments
from portal.demo_audit import seed_audit_month, working_day_before
from portal.demo_courses import (
    seed_approvals,
    seed_attendance_sheet,
    seed_cancelled_session,
    seed_completion,
    seed_courses,
    seed_elearning,
    seed_notices,
    seed_open_courses,
    seed_renewals,
)
from portal.demo_history import seed_certificate_job, seed_history
from portal.demo_people import (
    DEMO_ACCOUNTS,
    DEMO_ORGANISATIONS,
    DEMO_PASSWORD,
    seed_organisation_changes,
    seed_staff_records,
)
from trainees.models import ImportMode, Organisation, RosterImport, Trainee, User
from trainees.roster_import import roster_import_run
from trainees.services import user_provision

DEMO_DATA = Path(__file__).resolve().parents[2] / "demo_data"


def totp_secret(user: User) -> str | None:
    authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    return decrypt(authenticator.data["secret"]) if authenticator else None


def current_code(secret: str) -> str:

    return f"{hotp_value(secret, int(time.time()) // app_settings.TOTP_PERIOD):06d}"


class Command(BaseCommand):
    help = "Create (or bring up to date) the demo organisations and accounts."

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError(
                "seed_demo creates accounts with a published password: not in production."
            )
        with transaction.atomic():
            by_code: dict[str, Organisation] = {}
            for code, name, parent_code, external in DEMO_ORGANISATIONS:
                organisation, _ = Organisation.objects.update_or_create(
                    code=code,
                    defaults={
                        "name": name,
                        "parent": by_code.get(parent_code) if parent_code else None,
                        "is_external": external,
                    },
                )
                by_code[code] = organisation
            for account in DEMO_ACCOUNTS:
                existing = User.objects.filter(username=account.login_id).first()
                user = user_provision(
                    username=account.login_id,
                    full_name=account.full_name,
                    email=account.email,
                    # Keep a password the newcomer may have changed.
                    password=None if existing and existing.has_usable_password() else DEMO_PASSWORD,
                    roles=account.roles,
                    coordinated_organisations=[by_code[c] for c in account.coordinates],
                )
                if account.with_totp and totp_secret(user) is None:
                    TOTP.activate(user, generate_totp_secret())
                    RecoveryCodes.activate(user)

        # Each roster import is its own unit of work (a durable transaction, as HR's confirm is).
        self._import_demo_rosters(by_code)
        with transaction.atomic():
            seed_courses()
            seed_notices()
            seed_elearning()
            seed_open_courses()
            seed_cancelled_session()
            seed_assessments()
            seed_completion()
            seed_history()
            seed_renewals()
            seed_staff_records()
            seed_organisation_changes()
            seed_approvals()
        # The sign-in sheet's confirmation is a durable unit of work, as HR's is.
        seed_attendance_sheet()
        # A background job (after commit, as HR's click makes it): the certificates as one PDF.
        seed_certificate_job()
        self._demo_views()
        seed_audit_month()
        # The monthly purge has run once: its deletion report (nothing in the demo is past
        # retention yet, and the report says so) is on the auditor's list and checklist.
        if not DeletionReport.objects.exists():
            purge_expired(ran_by="nightly")
        # The audit trail so far, sealed into its hash chains and verified, so the auditor's
        # page shows a verdict at once (in production beat seals every 30 s, verifies nightly).
        seal_all(now=timezone.now() + datetime.timedelta(seconds=settings.AUDIT_SEAL_LAG_SECONDS))
        verify_and_record("command")

        self.stdout.write(self.style.SUCCESS("Demo ward ready."))
        self.stdout.write(
            f"Registry: {Trainee.objects.count()} staff; courses this fiscal year: "
            f"{Course.objects.filter(fiscal_year=current_fiscal_year()).count()}."
        )
        self.stdout.write(f"Demo password for every account: {DEMO_PASSWORD}")
        for account in DEMO_ACCOUNTS:
            user = User.objects.get(username=account.login_id)
            line = f"  {account.login_id:<10} {account.full_name}  — {account.note}"
            secret = totp_secret(user)
            if secret:
                line += f"\n             TOTP secret {secret} (current code {current_code(secret)})"
            self.stdout.write(line)
        self.stdout.write("A fresh TOTP code for a demo account: make demo-code LOGIN=100001")

    def _demo_views(self) -> None:
        """HR looked at 区民 花子's record and history once (what the pages record), so her
        "who looked at my data" and the auditor's lookup by staff number show something."""
        hanako = Trainee.objects.filter(user__username="300001").first()
        hr = User.objects.filter(username="100001").first()
        if (
            hanako is None
            or hr is None
            or SubjectView.objects.filter(subject_id=hanako.pk).exists()
        ):
            return
        # In office hours on the last working day: an ordinary look, no finding for the analysis.
        with time_machine.travel(working_day_before(timezone.localdate(), hour=10), tick=False):
            for name, what in (("trainee_detail", "record"), ("trainee_history", "history")):
                request = RequestFactory().get(reverse(name, args=[hanako.pk]))
                request.user = hr
                subject_views_record(request=request, subjects=[hanako], what=what)

    def _import_demo_rosters(self, by_code: dict[str, Organisation]) -> None:
        """The registry: this year's ward roster and a list from the 社会福祉協議会, imported the
        way HR does it (once; re-running leaves what is there)."""
        if RosterImport.objects.filter(status=RosterImport.Status.COMMITTED).exists():
            return
        for file_name, mode, organisation in (
            ("ward_roster.csv", ImportMode.FULL, None),
            ("external_shakyo.csv", ImportMode.ADD, by_code["EX02"]),
        ):
            result = roster_import_run(
                data=(DEMO_DATA / file_name).read_bytes(),
                file_name=file_name,
                mode=mode,
                actor=None,
                organisation=organisation,
            )
            if not result.committed:
                raise CommandError(f"demo roster {file_name}: {result.roster_import.errors}")
