from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = _("Courses")

    def ready(self) -> None:
        from audit.kinds import register_event_kinds
        from courses.audit_kinds import CoursesEventKind

        register_event_kinds(CoursesEventKind)
