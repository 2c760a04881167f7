"""出席簿 (sign-in sheet) as PDF, built from the portal's PDF blocks (lib.pdf)."""

from __future__ import annotations

from django.utils import formats

from courses.models import SessionDay
from enrollments.models import Enrollment
from lib import pdf


def sign_in_sheet_pdf(day: SessionDay, roster: list[Enrollment]) -> bytes:

    session = day.session
    style = pdf.styles()
    place = str(session.room) if session.room else session.online_url
    story = [
        pdf.text(f"出席簿　{session.course.title}（第{session.number}回）", style["title"]),
        pdf.text(
            f"{formats.date_format(day.date, 'DATE_FORMAT')}　"
            f"{day.starts_at:%H:%M}–{day.ends_at:%H:%M}　{place}",
            style["body"],
        ),
        pdf.Spacer(1, 6 * pdf.mm),
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
    mm = pdf.mm
    story.append(
        pdf.ruled_table(
            rows,
            col_widths=[10 * mm, 22 * mm, 35 * mm, 55 * mm, 22 * mm, 36 * mm],
            row_heights=[8 * mm] + [11 * mm] * len(roster),
        )
    )
    return pdf.document_bytes(story, title=f"出席簿 {session.course.title}")
