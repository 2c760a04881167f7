"""The audit event kinds this app writes (registered at start-up: audit/kinds.py)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class NoticesEventKind(models.TextChoices):
    TEMPLATE_SAVED = "template.saved", _("Notification template saved")
