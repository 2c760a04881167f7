from __future__ import annotations

from django import template

register = template.Library()


@register.filter(name="clock")
def clock(seconds: float | None) -> str:
    """A length in seconds as h:mm:ss or m:ss."""
    if seconds is None:
        return ""
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
