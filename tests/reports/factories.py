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
