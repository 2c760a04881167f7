from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = _("Assessments")

    def ready(self) -> None:
        from assessments.audit_kinds import AssessmentsEventKind
        from audit.kinds import register_event_kinds

        register_event_kinds(AssessmentsEventKind)
        # Imports here: models are not ready when this module is imported.
        from assessments.models import CompletionReport
        from audit.selectors import register_detail_values

        register_detail_values("state", CompletionReport.State.choices)
