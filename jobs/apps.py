from __future__ import annotations

from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "jobs"
    verbose_name = _("Background jobs")

    def ready(self) -> None:
        # Each app names its kinds of job in its background.py (jobs.registry.job_kind).
        autodiscover_modules("background")
        # A large named export is made by a job (audit, below this app, cannot start one).
        from audit.exports import background_starter
        from jobs.background import export_start

        background_starter(export_start)
