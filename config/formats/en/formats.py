# English display, but the Japanese input styles stay accepted: the same staff type the same dates.
from __future__ import annotations

from config.formats.ja.formats import DATE_INPUT_FORMATS, DATETIME_INPUT_FORMATS

DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
TIME_FORMAT = "H:i"
FIRST_DAY_OF_WEEK = 0

__all__ = ["DATETIME_INPUT_FORMATS", "DATE_INPUT_FORMATS"]
