"""消去報告書 as the files the ward files: a Japanese A4 PDF (the shared PDF blocks) and a CSV
(UTF-8 with BOM) — the categories and counts, the erased people as keyed hashes, the basis, who
ran it and when."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from lib import pdf
from lib.exports import to_csv
from lifecycle.models import Basis, DeletionReport

HEADER = ["区分", "項目", "値"]
BASIS_JA: dict[str, str] = {
    Basis.RETENTION: "保存期間の経過",
    Basis.REQUEST: "本人等からの申出による消去",
}


# The categories a report counts, in its order, with their Japanese names (the report is the
# ward's record, in Japanese).
CATEGORIES = {
    "people": "退職・転出後の保存期間を過ぎた職員の個人情報（匿名化）",
    "person_on_request": "申出による職員の個人情報の消去（匿名化）",
    "access_log": "アクセスログ（保存期間経過）",
    "audit_events": "監査イベント（保存期間経過）",
    "subject_views": "閲覧記録（保存期間経過）",
    "survey_text": "アンケートの自由記述（保存期間経過）",
    "report_text": "受講結果報告の記述（保存期間経過）",
    "import_plans": "取込ファイルの内容（取込の確定・中止から保存期間経過）",
    "export_files": "作成した出力ファイル（保存期間経過）",
    "orphan_files": "どこからも参照されていないファイル（差し替えられた教材、残ったアップロード）",
}


def rows(report: DeletionReport) -> list[list[Any]]:
    lines: list[list[Any]] = [
        ["報告書", "番号", report.number],
        ["報告書", "消去日時", f"{timezone.localtime(report.ran_at):%Y-%m-%d %H:%M:%S}"],
        ["報告書", "実施者", report.ran_by],
        ["報告書", "根拠", BASIS_JA.get(report.basis, report.basis)],
    ]
    if report.reason:
        lines.append(["報告書", "理由", report.reason])
    for code, label in CATEGORIES.items():
        if code in report.counts:
            lines.append(["消去した件数", label, report.counts[code]])
    for code in report.counts:
        if code.endswith(":not_done"):
            lines.append(["未実施", CATEGORIES.get(code.split(":")[0], code),
                          "テーブル所有者の権限で purge_expired を実行してください"])  # fmt: skip
    if not any(not code.endswith(":not_done") for code in report.counts):
        lines.append(["消去した件数", "保存期間を過ぎたデータはありませんでした", 0])
    for item in report.erased:
        lines.append(["消去した職員（鍵付きハッシュ）", CATEGORIES.get(item["category"], ""),
                      item["hash"]])  # fmt: skip
    return lines


def render(report: DeletionReport) -> tuple[bytes, bytes]:
    """(PDF, CSV) of the report."""
    table = rows(report)
    style = pdf.styles()
    small = style["small"]
    story: list[Any] = [
        pdf.text("電子データの消去報告書", style["title"]),
        pdf.Spacer(1, 3 * pdf.mm),
        pdf.text(f"研修管理システム　報告書番号 {report.number}", style["body"]),
        pdf.Spacer(1, 3 * pdf.mm),
        pdf.text("システム上で不要となった電子データを、次のとおり消去しました。消去した職員は氏名を"
                 "記載せず、鍵付きハッシュ（HMAC-SHA256）で示します。特定の職員が消去されたかは、"
                 "監査担当の画面で職員番号から確認できます。", style["body"]),
        pdf.Spacer(1, 4 * pdf.mm),
        pdf.ruled_table(
            [[pdf.text(h, small) for h in HEADER]]
            + [[pdf.text(cell, small) for cell in row] for row in table],
            col_widths=[40 * pdf.mm, 70 * pdf.mm, 76 * pdf.mm],
        ),
        pdf.Spacer(1, 8 * pdf.mm),
        pdf.text("消去責任者　　　　　　　　　　　　印　　　　確認者　　　　　　　　　　　　印",
                 style["body"]),
    ]  # fmt: skip
    document = pdf.document_bytes(story, title=f"消去報告書 {report.number}")
    return document, to_csv(HEADER, table)[0]
