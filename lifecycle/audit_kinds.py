"""The audit event kinds this app writes (registered at start-up: audit/kinds.py)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class LifecycleEventKind(models.TextChoices):
    PURGED = "lifecycle.purged", _("Data past retention erased (deletion report)")
    ERASED_ON_REQUEST = "lifecycle.erased", _("Person erased on request (deletion report)")
    REPORT_DOWNLOADED = "lifecycle.report_downloaded", _("Deletion report downloaded")
