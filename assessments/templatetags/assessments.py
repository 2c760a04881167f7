from __future__ import annotations

from decimal import Decimal

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


@register.filter(name="points")
def points(value: Decimal | float | int | str | None) -> str:
    """A score as a clerk writes it: 7, 2.5, 0.25 — never 7.00 (the columns keep two places)."""
    if value is None or value == "":
        return ""
    number = Decimal(str(value))
    if number == number.to_integral_value():
        return str(number.quantize(Decimal(1)))
    return format(number.normalize(), "f")
