from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgressConfig(AppConfig):
    name = "progress"
    verbose_name = _("Completion")

    def ready(self) -> None:
        from progress import receivers  # noqa: F401 - listens to courses.events
