"""The audit event kinds this app writes (registered at start-up: audit/kinds.py)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class LearningEventKind(models.TextChoices):
    MATERIAL_ADDED = "material.added", _("Material added")
    MATERIAL_UPDATED = "material.updated", _("Material updated")
    MATERIAL_MOVED = "material.moved", _("Material moved")
    MATERIAL_DELETED = "material.deleted", _("Material removed")
