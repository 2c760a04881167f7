"""A history record as HR enters one (a 派遣研修 at 自治大学校)."""

from __future__ import annotations

import datetime
from decimal import Decimal

RECORD = {
    "fiscal_year": 2018,
    "title": "第1部課程",
    "provider": "自治大学校",
    "category": "派遣研修",
    "started_on": datetime.date(2018, 10, 1),
    "ended_on": datetime.date(2018, 11, 30),
    "hours": Decimal("240.0"),
    "outcome": "completed",
    "note": "",
}


def _seal() -> bytes:
    """A small red square, as HR might scan a seal."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGBA", (64, 64), (200, 30, 30, 255)).save(out, format="PNG")
    return out.getvalue()


SEAL_PNG = _seal()
