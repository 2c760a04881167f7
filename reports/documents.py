"""Printed history (受講履歴) — the record HR files in the personnel file and the trainee
keeps — from the portal's PDF blocks."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone
from reportlab.platypus import Paragraph, Spacer

from audit import pdf
from reports.selectors import HistoryRow
from trainees.models import Trainee
from trainees.roster import to_wareki


def history_pdf(
    trainee: Trainee, rows: list[HistoryRow], hours: list[tuple[int, Decimal]]
) -> bytes:
    style = pdf.styles()
    mm = pdf.mm
    today = timezone.localdate()
    story = [
        Paragraph("受講履歴", style["title"]),
        Paragraph(
            f"{trainee.name}（職員番号 {trainee.staff_number}）　{trainee.organisation.name}",
            style["body"],
        ),
        Paragraph(f"出力日 {to_wareki(today)}（{today:%Y年%-m月%-d日}）", style["small"]),
        Spacer(1, 4 * mm),
    ]
    if hours:
        story.append(
            Paragraph(
                "修了した研修の時間　"
                + "　".join(f"{year}年度 {total}時間" for year, total in hours),
                style["body"],
            )
        )
        story.append(Spacer(1, 3 * mm))
    cell = style["small"]
    table = [["年度", "研修名", "実施日", "時間", "結果", "テスト", "当時の所属"]]
    for row in rows:
        table.append(
            [
                str(row.fiscal_year),
                Paragraph(f"{row.title}<br/>{row.category}　{row.session_label}", cell),
                Paragraph("<br/>".join(f"{d:%Y/%m/%d}" for d in row.dates), cell),
                str(row.hours),
                row.outcome_label,
                "" if row.score is None else f"{row.score:.0f}%",
                Paragraph(row.organisation_then, cell),
            ]
        )
    if not rows:
        table.append(["", "受講した研修はありません。", "", "", "", "", ""])
    story.append(
        pdf.ruled_table(
            table, col_widths=[13 * mm, 62 * mm, 24 * mm, 13 * mm, 16 * mm, 13 * mm, 45 * mm]
        )
    )
    return pdf.document_bytes(story, title=f"受講履歴 {trainee.name}")
