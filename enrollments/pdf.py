"""出席簿 (sign-in sheet) as PDF, in a Japanese font."""

from __future__ import annotations

import io
from pathlib import Path

from django.utils import formats
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from courses.models import SessionDay
from enrollments.models import Enrollment

# Embedded when present (Debian: fonts-ipaexfont); otherwise a standard Japanese CID font the
# PDF reader supplies (every Japanese-capable reader has it).
IPAEX = Path("/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf")


def _font() -> str:

    if IPAEX.exists():
        if "IPAexGothic" not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont("IPAexGothic", str(IPAEX)))
        return "IPAexGothic"
    pdfmetrics.registerFont(UnicodeCIDFont("HeiseiKakuGo-W5"))
    return "HeiseiKakuGo-W5"


def sign_in_sheet_pdf(day: SessionDay, roster: list[Enrollment]) -> bytes:

    font = _font()
    session = day.session
    title = ParagraphStyle("title", fontName=font, fontSize=15, leading=20)
    body = ParagraphStyle("body", fontName=font, fontSize=10, leading=14)
    place = str(session.room) if session.room else session.online_url
    story = [
        Paragraph(f"出席簿　{session.course.title}（第{session.number}回）", title),
        Paragraph(
            f"{formats.date_format(day.date, 'DATE_FORMAT')}　"
            f"{day.starts_at:%H:%M}–{day.ends_at:%H:%M}　{place}",
            body,
        ),
        Spacer(1, 6 * mm),
    ]
    rows = [["No.", "職員番号", "氏名", "所属", "職名", "署名"]]
    for number, enrollment in enumerate(roster, start=1):
        trainee = enrollment.trainee
        rows.append(
            [
                str(number),
                trainee.staff_number,
                trainee.name,
                trainee.organisation.name,
                trainee.job_title,
                "",
            ]
        )
    table = Table(
        rows,
        colWidths=[10 * mm, 22 * mm, 35 * mm, 55 * mm, 22 * mm, 36 * mm],
        rowHeights=[8 * mm] + [11 * mm] * len(roster),
        repeatRows=1,
    )
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), font, 9),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    story.append(table)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=f"出席簿 {session.course.title}",
    )
    document.build(story)
    return buffer.getvalue()
