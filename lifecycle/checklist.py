"""The deletion line of the auditor's checklist page (audit.checklist, registered at start-up)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.analysis import Draft
from audit.checklist import NOT_CONFIGURED, OK, WARN, Line
from lifecycle.models import BackupRun, DeletionReport


def deletion_line() -> Line:
    policy = settings.RETENTION
    title = _("Deletion of data no longer needed, with a deletion report")
    last = DeletionReport.objects.defer("pdf", "csv").first()
    evidence = [
        _("Kept: leavers' personal data %(leavers)s years, logs %(logs)s years, free text "
          "%(text)s years, import files %(imports)s days, made files %(exports)s days")
        % {"leavers": policy["leaver_years"], "logs": policy["log_years"],
           "text": policy["free_text_years"], "imports": policy["import_file_days"],
           "exports": policy["export_file_days"]},
    ]  # fmt: skip
    if last is None:
        evidence.append(_("No deletion report yet. The purge runs on the 2nd of each month, or: "
                          "manage.py purge_expired"))  # fmt: skip
        return Line("deletion", title, NOT_CONFIGURED, evidence)
    evidence.append(_("Last deletion report: no. %(number)s, %(when)s, %(n)s items")
                    % {"number": last.number,
                       "when": f"{timezone.localtime(last.ran_at):%Y-%m-%d %H:%M}",
                       "n": sum(last.counts.values())})  # fmt: skip
    return Line("deletion", title, OK, evidence)


def backup_line() -> Line:
    title = _("Backups")
    if not settings.BACKUP_KEY:
        return Line("backup", title, NOT_CONFIGURED, [
            _("No backup key (BACKUP_KEY): nothing is backed up. README \"Backup and restore\".")
        ])  # fmt: skip
    last_ok = BackupRun.objects.filter(ok=True).first()
    last = BackupRun.objects.first()
    evidence = [
        _("Nightly at 01:00 into %(folder)s, encrypted; kept: %(daily)s daily, %(monthly)s "
          "monthly") % {"folder": settings.BACKUP_DIR, "daily": settings.BACKUP_KEEP_DAILY,
                        "monthly": settings.BACKUP_KEEP_MONTHLY},
    ]  # fmt: skip
    if last_ok is not None:
        evidence.append(_("Last successful backup: %(when)s, %(size)s bytes (%(file)s)") % {
            "when": f"{timezone.localtime(last_ok.ran_at):%Y-%m-%d %H:%M}",
            "size": f"{last_ok.size:,}", "file": last_ok.file_name})  # fmt: skip
    if last is not None and not last.ok:
        evidence.append(_("The last backup failed: %(error)s") % {"error": last.error})
    day = datetime.timedelta(days=1, hours=1)
    fresh = last_ok is not None and timezone.now() - last_ok.ran_at < day
    return Line("backup", title, OK if fresh else WARN, evidence)


def backup_stale(start: datetime.datetime, end: datetime.datetime) -> list[Draft]:
    """The log analysis's rule: with backups configured, no successful one in the day before
    the end of the analysed day is a finding."""
    if not settings.BACKUP_KEY or end > timezone.now() + datetime.timedelta(days=1):
        return []
    since = end - datetime.timedelta(days=1)
    recent = BackupRun.objects.filter(ok=True, ran_at__lt=end, ran_at__gte=since).exists()
    if recent:
        return []
    last = BackupRun.objects.filter(ok=True, ran_at__lt=end).first()
    return [Draft("backup_stale", "backup", 1,
                  {"last": last.ran_at.isoformat() if last else None})]  # fmt: skip
