from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LearningConfig(AppConfig):
    name = "learning"
    verbose_name = _("Learning")

    def ready(self) -> None:
        from audit.kinds import register_event_kinds
        from learning.audit_kinds import LearningEventKind

        register_event_kinds(LearningEventKind)
        from audit.selectors import register_detail_values
        from learning.models import Material

        register_detail_values("kind", Material.Kind.choices)
