from __future__ import annotations

from django import template

from courses.selectors import reason_labels

register = template.Library()


@register.filter(name="reasons")
def reasons(codes: list[str]) -> str:
    """A target member's reason codes in the reader's language."""
    return reason_labels(codes or [])
