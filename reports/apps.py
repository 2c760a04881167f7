from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from audit.kinds import register_event_kinds
        from reports.audit_kinds import ReportsEventKind

        register_event_kinds(ReportsEventKind)
