"""What the learning app tells the apps above it (they connect receivers in their AppConfig)."""

from __future__ import annotations

from django.dispatch import Signal

# A material now counts as watched by a trainee (kwargs: trainee_id, course_id).
material_watched = Signal()
