from __future__ import annotations

import datetime

from django import template
from django.utils import timezone

from lib.japanese import fiscal_year_wareki, list_join, to_wareki
from trainees.roles import Role

register = template.Library()
LABELS = {role.value: role.label for role in Role}


@register.filter(name="role_labels")
def role_labels(codes: str) -> str:
    """Role codes as stored ("hr_admin,trainee") in the reader's language."""
    return list_join(LABELS.get(code, code) for code in (codes or "").split(",") if code)


@register.filter(name="wareki")
def wareki(value: datetime.date | None) -> str:
    """A date in the Japanese era (令和8年4月1日)."""
    if not value:
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return to_wareki(value)


@register.filter(name="fiscal_wareki")
def fiscal_wareki(year: int | None) -> str:
    """A fiscal year in the Japanese era (令和8年度)."""
    return fiscal_year_wareki(int(year)) if year else ""
