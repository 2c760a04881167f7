from __future__ import annotations

from typing import Any

from django import template

from audit.selectors import detail_in_words

register = template.Library()


@register.filter(name="in_words")
def in_words(detail: dict[str, Any]) -> str:
    """An audit event's detail, in words."""
    return detail_in_words(detail)
