"""Printed history (受講履歴) — the record HR files in the personnel file and the trainee
keeps — from the portal's PDF blocks."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from lib import pdf
from lib.japanese import fiscal_year_wareki, to_wareki
from reports.selectors import HistoryRow
from trainees.models import Trainee


def history_pdf(
    trainee: Trainee, rows: list[HistoryRow], hours: list[tuple[int, Decimal]]
) -> bytes:
    style = pdf.styles()
    mm = pdf.mm
    today = timezone.localdate()
    story = [
        pdf.text("受講履歴", style["title"]),
        pdf.text(
            f"{trainee.name}（職員番号 {trainee.staff_number}）　{trainee.organisation.name}",
            style["body"],
        ),
        pdf.text(f"出力日 {to_wareki(today)}（{today:%Y年%-m月%-d日}）", style["small"]),
        pdf.Spacer(1, 4 * mm),
    ]
    if hours:
        story.append(
            pdf.text(
                "修了した研修の時間　"
                + "、".join(
                    f"{fiscal_year_wareki(year)}（{year}年度）{total}時間" for year, total in hours
                ),
                style["body"],
            )
        )
        story.append(pdf.Spacer(1, 3 * mm))
    cell = style["small"]
    table = [["年度", "研修名", "実施日", "時間", "結果", "テスト", "当時の所属"]]
    for row in rows:
        table.append(
            [
                pdf.lines([fiscal_year_wareki(row.fiscal_year), f"({row.fiscal_year})"], cell),
                pdf.lines([row.title, f"{row.category}　{row.session_label}"], cell),
                pdf.lines([to_wareki(d) for d in row.dates], cell),
                str(row.hours),
                pdf.lines(
                    [
                        row.outcome_label,
                        *([f"有効期限 {to_wareki(row.valid_until)}"] if row.valid_until else []),
                    ],
                    cell,
                ),
                "" if row.score is None else f"{row.score:.0f}%",
                pdf.text(row.organisation_then, cell),
            ]
        )
    if not rows:
        table.append(["", "受講した研修はありません。", "", "", "", "", ""])
    story.append(
        pdf.ruled_table(
            table, col_widths=[20 * mm, 52 * mm, 30 * mm, 12 * mm, 16 * mm, 13 * mm, 43 * mm]
        )
    )
    return pdf.document_bytes(story, title=f"受講履歴 {trainee.name}")
