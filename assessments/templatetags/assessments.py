from __future__ import annotations

from django import template
from django.http import QueryDict

register = template.Library()


@register.filter(name="posted")
def posted(data: QueryDict, question_id: int) -> str:
    """What the form sent for a question (to show it again after an error)."""
    return data.get(f"q{question_id}", "")


@register.filter(name="posted_list")
def posted_list(data: QueryDict, question_id: int) -> list[str]:
    return data.getlist(f"q{question_id}")
