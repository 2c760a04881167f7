from __future__ import annotations

from django import forms, template
from django.forms import BoundField

from courses.models import requirement_labels

register = template.Library()


@register.filter(name="missing")
def missing(codes: list[str]) -> str:
    """The requirements still to meet, in the reader's language."""
    return requirement_labels(codes or [])


@register.filter(name="attendance_field")
def attendance_field(form: forms.Form, enrollment_pk: int) -> BoundField:
    """The radio group for one trainee on the attendance roster."""
    return form[f"mark_{enrollment_pk}"]


@register.filter(name="minutes_field")
def minutes_field(form: forms.Form, enrollment_pk: int) -> BoundField:
    """The minutes missed (late or left early) for one trainee on the attendance roster."""
    return form[f"minutes_{enrollment_pk}"]
