"""定期的な分析の記録: one calendar month of the audit trail, summarised for the ward's files
(issue 20) — counts per category of access, exports per person, the log analysis's findings and
how they were reviewed, the chain verifications — as a Japanese PDF (lib.pdf) and a CSV
(lib.exports, UTF-8 with BOM), kept as a ``MonthlyReport``.

The document is in Japanese whatever the reader's language: it is the ward's record.
"""

from __future__ import annotations

import datetime
from collections import Counter
from typing import Any

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone, translation

from audit import analysis
from audit.models import (
    AccessLog,
    AnalysisRun,
    AuditEvent,
    AuditEventKind,
    ChainVerification,
    Finding,
    MonthlyReport,
    SubjectView,
)
from audit.services import VIEW_KINDS
from lib import pdf
from lib.exports import to_csv

# The document is the ward's record: its words are Japanese whatever the reader's language
# (the labels below are rendered under translation.override("ja")).
_ANONYMOUS = "未ログイン"


def _label(labels: dict[str, Any], code: str) -> str:
    return str(labels.get(code, code))


def month_bounds(month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    first = month.replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    return analysis.day_bounds(first)[0], analysis.day_bounds(following)[0]


def previous_month(today: datetime.date | None = None) -> datetime.date:
    today = today or timezone.localdate()
    return (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def _primary_role(roles: str) -> str:
    held = set(roles.split(",")) if roles else set()
    for role in ("auditor", "hr_admin", "coordinator", "trainee"):  # the widest first
        if role in held:
            return role
    return ""


def summarise(month: datetime.date) -> dict[str, Any]:
    """The month in numbers (JSON-able: it is kept with the files)."""
    start, end = month_bounds(month)
    first = month.replace(day=1)
    days = (end - start).days
    requests = AccessLog.objects.filter(occurred_at__gte=start, occurred_at__lt=end)
    by_role: Counter[str] = Counter()
    for roles, n in requests.values_list("roles").annotate(n=Count("id")):
        by_role[_primary_role(roles)] += n
    by_status: Counter[str] = Counter()
    for code, n in requests.values_list("status_code").annotate(n=Count("id")):
        by_status[f"{code // 100}xx"] += n
    events = AuditEvent.objects.filter(occurred_at__gte=start, occurred_at__lt=end)
    logins = dict(
        events.filter(kind__in=(AuditEventKind.LOGIN_SUCCEEDED, AuditEventKind.LOGIN_FAILED,
                                AuditEventKind.LOGIN_RATE_LIMITED))
        .values_list("kind").annotate(n=Count("id"))
    )  # fmt: skip
    views = dict(
        SubjectView.objects.filter(viewed_at__gte=start, viewed_at__lt=end)
        .values_list("what")
        .annotate(n=Count("id"))
    )
    exports: dict[str, dict[str, int]] = {}
    for username, detail in events.filter(kind__endswith=analysis.EXPORT_SUFFIX).values_list(
        "username", "detail"
    ):
        line = exports.setdefault(username or "-", {"exports": 0, "rows": 0, "subjects": 0})
        line["exports"] += 1
        line["rows"] += int((detail or {}).get("rows") or 0)
        line["subjects"] += int((detail or {}).get("subjects") or 0)
    following = first + datetime.timedelta(days=days)
    findings = Finding.objects.filter(day__gte=first, day__lt=following)
    per_category = {
        row["category"]: {"found": row["n"], "reviewed": row["reviewed"]}
        for row in findings.values("category").annotate(
            n=Count("id"), reviewed=Count("id", filter=Q(reviewed_at__isnull=False))
        )
    }
    verifications = ChainVerification.objects.filter(verified_at__gte=start, verified_at__lt=end)
    last = verifications.order_by("-verified_at", "-id").first()
    runs = AnalysisRun.objects.filter(day__gte=first, day__lt=following)
    return {
        "month": f"{first:%Y-%m}",
        "days": days,
        "requests": requests.count(),
        "requests_by_role": dict(by_role),
        "requests_by_status": dict(sorted(by_status.items())),
        "logins": {str(k): v for k, v in logins.items()},
        "views": views,
        "events": events.count(),
        "exports": dict(sorted(exports.items())),
        "findings": per_category,
        "finding_list": [
            {
                "day": str(f.day),
                "category": f.category,
                "key": f.key,
                "count": f.count,
                "reviewed": f.reviewed_at is not None,
                "reviewer": f.reviewer_name,
                "comment": f.review_comment,
            }
            for f in findings.order_by("day", "category", "key")[:500]
        ],
        "analysis_days": runs.values("day").distinct().count(),
        "verifications": verifications.count(),
        "verifications_intact": verifications.filter(intact=True).count(),
        "verified_rows": verifications.aggregate(n=Coalesce(Sum("rows"), 0))["n"],
        "last_verification": {
            "at": timezone.localtime(last.verified_at).strftime("%Y-%m-%d %H:%M"),
            "intact": last.intact,
            "heads": last.heads,
        }
        if last
        else None,
    }


def _rows(summary: dict[str, Any]) -> list[list[Any]]:
    """The summary as (区分, 項目, 値, 備考) lines: the CSV, and the PDF's tables."""
    rows: list[list[Any]] = [["対象月", summary["month"], "", ""]]
    rows.append(["アクセス", "リクエスト総数", summary["requests"], ""])
    for role, n in sorted(summary["requests_by_role"].items()):
        who = _label(analysis.ROLE_LABELS, role) if role else _ANONYMOUS
        rows.append(["アクセス", f"利用者区分：{who}", n, ""])
    for status, n in summary["requests_by_status"].items():
        rows.append(["アクセス", f"応答 {status}", n, ""])
    for kind, label in ((AuditEventKind.LOGIN_SUCCEEDED, "ログイン成功"),
                        (AuditEventKind.LOGIN_FAILED, "ログイン失敗"),
                        (AuditEventKind.LOGIN_RATE_LIMITED, "ロックアウト")):  # fmt: skip
        rows.append(["認証", label, summary["logins"].get(str(kind), 0), ""])
    for what, n in sorted(summary["views"].items()):
        rows.append(["個人情報の閲覧", _label(VIEW_KINDS, what), n, ""])
    for username, line in summary["exports"].items():
        rows.append(["出力（人別）", username, line["exports"],
                     f"{line['rows']}行・{line['subjects']}人分"])  # fmt: skip
    for code, label in analysis.CATEGORIES.items():
        counts = summary["findings"].get(code, {"found": 0, "reviewed": 0})
        rows.append(["分析の結果", label, counts["found"], f"確認済み {counts['reviewed']}"])
    for f in summary["finding_list"]:
        rows.append(["指摘事項", f"{f['day']} {_label(analysis.CATEGORIES, f['category'])}",
                     f"{f['key']}（{f['count']}件）",
                     f"確認済み（{f['reviewer']}）：{f['comment']}" if f["reviewed"]
                     else "未確認"])  # fmt: skip
    rows.append(["分析の実施", "分析した日数", summary["analysis_days"], f"／{summary['days']}日"])
    rows.append(["改ざん検知", "検証の回数", summary["verifications"],
                 f"異常なし {summary['verifications_intact']}"])  # fmt: skip
    last = summary["last_verification"]
    if last:
        rows.append(["改ざん検知", "最後の検証", last["at"],
                     "異常なし" if last["intact"] else "改ざんを検出"])  # fmt: skip
        for log, head in sorted((last["heads"] or {}).items()):
            rows.append(["改ざん検知", f"チェーンの先頭（{log}）", head.get("row", ""),
                         head.get("hash", "")])  # fmt: skip
    return rows


HEADER = ["区分", "項目", "値", "備考"]


def render_csv(summary: dict[str, Any]) -> bytes:
    with translation.override("ja"):
        return to_csv(HEADER, _rows(summary))[0]


def render_pdf(summary: dict[str, Any], *, made_at: datetime.datetime) -> bytes:
    with translation.override("ja"):
        return _pdf(summary, made_at=made_at)


def _pdf(summary: dict[str, Any], *, made_at: datetime.datetime) -> bytes:
    style = pdf.styles()
    small = style["small"]
    story: list[Any] = [
        pdf.text(f"アクセスログ等の定期的な分析の記録（{summary['month']}）", style["title"]),
        pdf.Spacer(1, 3 * pdf.mm),
        pdf.text(
            f"研修管理システム　作成日時 {timezone.localtime(made_at):%Y-%m-%d %H:%M}",
            style["body"],
        ),
        pdf.Spacer(1, 5 * pdf.mm),
    ]
    table = [[pdf.text(h, small) for h in HEADER]] + [
        [pdf.text(cell, small) for cell in row] for row in _rows(summary)
    ]
    story.append(pdf.ruled_table(table, col_widths=[28 * pdf.mm, 62 * pdf.mm, 36 * pdf.mm,
                                                    60 * pdf.mm]))  # fmt: skip
    story += [pdf.Spacer(1, 6 * pdf.mm),
              pdf.text("確認者　　　　　　　　　　　　印", style["body"])]  # fmt: skip
    return pdf.document_bytes(story, title=f"定期的な分析の記録 {summary['month']}")


def make(month: datetime.date, *, made_by: str) -> MonthlyReport:
    """Summarise the month, render both files and keep them."""
    summary = summarise(month)
    made_at = timezone.now()
    return MonthlyReport.objects.create(
        month=month.replace(day=1), made_at=made_at, made_by=made_by[:64],
        pdf=render_pdf(summary, made_at=made_at), csv=render_csv(summary), summary=summary,
    )  # fmt: skip
