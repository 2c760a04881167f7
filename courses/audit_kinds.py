"""The audit event kinds this app writes (registered at start-up: audit/kinds.py)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CoursesEventKind(models.TextChoices):
    COURSE_CREATED = "course.created", _("Course created")
    COURSE_UPDATED = "course.updated", _("Course updated")
    COURSE_COPIED = "course.copied", _("Course copied to the next fiscal year")
    VENUE_SAVED = "venue.saved", _("Venue saved")
    SESSION_CREATED = "session.created", _("Session created")
    SESSION_UPDATED = "session.updated", _("Session updated")
    TARGETS_RULE_SAVED = "targets.rule_saved", _("Target conditions saved")
    TARGETS_FROZEN = "targets.frozen", _("Target list frozen")
    TARGETS_ADDED = "targets.added", _("Added to the target list")
    TARGETS_REMOVED = "targets.removed", _("Removed from the target list")
