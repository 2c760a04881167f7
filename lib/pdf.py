"""The portal's PDF building blocks (reportlab): a Japanese font embedded in the file, the
paragraph styles, a ruled table and the A4 document every printed page is made of — the
attendance sheet, a trainee's history and the certificates of completion share them.

Shared machinery that is no domain (lib/): every app may use it, it uses none. Every value
that reaches a document goes through ``text`` or ``lines`` (escaped).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Flowable,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

__all__ = [
    "A4", "PageBreak", "Spacer", "document_bytes", "font", "lines", "mm", "ruled_table", "styles",
    "text",
]  # fmt: skip

# Embedded when present (Debian: fonts-ipaexfont); otherwise a standard Japanese CID font the
# PDF reader supplies (every Japanese-capable reader has it).
IPAEX = Path("/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf")
IPAEX_MINCHO = Path("/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf")
HEADER_BACKGROUND = colors.HexColor("#e8eef5")


def font(*, serif: bool = False) -> str:
    """The name of a registered Japanese font: IPAex Gothic (or Mincho, for certificates)
    embedded when installed, else the reader's own Heisei font."""
    path, name = (IPAEX_MINCHO, "IPAexMincho") if serif else (IPAEX, "IPAexGothic")
    if path.exists():
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, str(path)))
        return name
    if not serif and IPAEX.exists():
        return font()
    if "HeiseiKakuGo-W5" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("HeiseiKakuGo-W5"))
    return "HeiseiKakuGo-W5"


# C0 controls (NUL, ESC …) but tab and newline: reportlab cannot draw them, and a crafted one
# must not make a document fail.
_CONTROLS = dict.fromkeys(c for c in range(32) if c not in (9, 10))


def _escaped(value: object) -> str:
    """A value as text for reportlab's paragraph markup: never markup itself. A title such as
    ``x<br>y`` or ``<img src="/etc/hostname">`` prints as typed — no tag is interpreted, no
    local file opened, no link put into an official document."""
    return xml_escape(str(value).translate(_CONTROLS), {'"': "&quot;"})


def text(value: object, style: ParagraphStyle) -> Paragraph:
    """A paragraph showing ``value`` exactly as typed. Every value that reaches a PDF goes
    through here or ``lines``: nothing else in the portal builds a Paragraph."""
    return Paragraph(_escaped(value), style)


def lines(values: Sequence[object], style: ParagraphStyle) -> Paragraph:
    """Several values, one per line, each shown as typed."""
    return Paragraph("<br/>".join(_escaped(value) for value in values), style)


def styles(font_name: str | None = None) -> dict[str, ParagraphStyle]:
    """title, subtitle, body and small paragraph styles in the Japanese font."""
    name = font_name or font()
    return {
        "title": ParagraphStyle("title", fontName=name, fontSize=15, leading=20),
        "subtitle": ParagraphStyle("subtitle", fontName=name, fontSize=12, leading=16),
        "body": ParagraphStyle("body", fontName=name, fontSize=10, leading=14),
        "small": ParagraphStyle("small", fontName=name, fontSize=8, leading=11),
    }


def ruled_table(
    rows: Sequence[Sequence[Any]],
    *,
    col_widths: Sequence[float],
    row_heights: Sequence[float] | None = None,
    font_size: float = 9,
) -> Table:
    """A gridded table whose first row is the header, repeated on every page."""
    table = Table(
        [list(row) for row in rows],
        colWidths=list(col_widths),
        rowHeights=list(row_heights) if row_heights else None,
        repeatRows=1,
    )
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), font(), font_size),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), HEADER_BACKGROUND),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return table


def document_bytes(
    story: list[Flowable], *, title: str, margin: float = 12 * mm, on_page: Any = None
) -> bytes:
    """The flowables laid out on A4 pages, as the bytes of a PDF titled `title`."""
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=title,
    )
    if on_page:
        document.build(story, onFirstPage=on_page, onLaterPages=on_page)
    else:
        document.build(story)
    return buffer.getvalue()
