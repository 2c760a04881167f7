from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LifecycleConfig(AppConfig):
    name = "lifecycle"
    verbose_name = _("Data lifecycle")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from audit.analysis import register_rule
        from audit.checklist import register_line
        from audit.kinds import register_event_kinds
        from lifecycle import checklist
        from lifecycle.audit_kinds import LifecycleEventKind

        register_event_kinds(LifecycleEventKind)
        register_line("deletion", checklist.deletion_line)
        register_line("backup", checklist.backup_line)
        register_rule(
            "backup_stale", _("No successful backup in the last day"), checklist.backup_stale
        )
