"""The audit event kinds this app writes (registered at start-up: audit/kinds.py)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportsEventKind(models.TextChoices):
    HISTORY_EXPORTED = "history.exported", _("Training history exported")
    HISTORY_RECORD_ADDED = "history.record_added", _("Training history record added")
    HISTORY_RECORD_CORRECTED = "history.record_corrected", _("Training history record corrected")
    HISTORY_RECORD_REMOVED = "history.record_removed", _("Training history record removed")
    HISTORY_IMPORTED = "history.imported", _("Training history imported")
    DASHBOARD_EXPORTED = "dashboard.exported", _("Dashboard table exported")
    CERTIFICATE_ISSUED = "certificate.issued", _("Certificate of completion issued")
    CERTIFICATE_REVOKED = "certificate.revoked", _("Certificate of completion revoked")
    CERTIFICATE_BATCH = "certificate.batch", _("Certificates of a session requested")
    CERTIFICATE_AUTHORITY_CHANGED = "certificate.authority", _("Certificate issuer changed")
