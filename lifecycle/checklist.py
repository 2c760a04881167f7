"""The deletion line of the auditor's checklist page (audit.checklist, registered at start-up)."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.checklist import NOT_CONFIGURED, OK, Line
from lifecycle.models import DeletionReport


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
