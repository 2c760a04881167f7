from __future__ import annotations

import datetime

from django import template

from courses.models import SessionDay
from courses.selectors import reason_labels
from lib.japanese import date_with_weekday

register = template.Library()


@register.filter(name="reasons")
def reasons(codes: list[str]) -> str:
    """A target member's reason codes in the reader's language."""
    return reason_labels(codes or [])


@register.filter(name="weekday_date")
def weekday_date(day: datetime.date | None) -> str:
    """2026年12月10日（木）."""
    return date_with_weekday(day) if day else ""


@register.filter(name="day_span")
def day_span(day: SessionDay) -> str:
    """A session day as every page writes it: 2026年12月10日（木）09:30–17:00 (one filter
    rather than four: a catalogue of 120 sessions spent 9 ms of its page on them)."""
    return f"{date_with_weekday(day.date)}{day.starts_at:%H:%M}–{day.ends_at:%H:%M}"
