from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "notices"
    verbose_name = _("Notices")

    def ready(self) -> None:
        from audit.kinds import register_event_kinds
        from notices.audit_kinds import NoticesEventKind

        register_event_kinds(NoticesEventKind)
        from notices import receivers  # noqa: F401 - listens to jobs.events
