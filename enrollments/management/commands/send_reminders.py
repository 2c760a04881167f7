"""Send the reminders due today — what Celery beat does every morning, for installations
without beat (cron) and for trying it out with `make run`."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from enrollments.services import reminders_send


class Command(BaseCommand):
    help = "Send the reminders (督促) due today; safe to run more than once a day."

    def handle(self, *args: object, **options: object) -> None:
        result = reminders_send()
        self.stdout.write(f"{result['reminders']} reminders sent.")
