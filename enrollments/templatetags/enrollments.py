from __future__ import annotations

from django import forms, template
from django.forms import BoundField

from enrollments.completion import missing_labels

register = template.Library()


@register.filter(name="missing")
def missing(codes: list[str]) -> str:
    """The requirements still to meet, in the reader's language."""
    return missing_labels(codes or [])


@register.filter(name="attendance_field")
def attendance_field(form: forms.Form, enrollment_pk: int) -> BoundField:
    """The radio group for one trainee on the attendance roster."""
    return form[f"mark_{enrollment_pk}"]
