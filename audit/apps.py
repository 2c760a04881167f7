from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit")

    def ready(self) -> None:
        from audit.kinds import register_event_kinds
        from audit.models import AuditEventKind

        register_event_kinds(AuditEventKind)
        from audit import receivers  # noqa: F401 - connects the signal receivers
