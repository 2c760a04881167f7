"""Reads for training history (受講履歴): a trainee's enrolments over all fiscal years with
what became of them, their hours, the counted post-test score and the report's state."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import ExpressionWrapper, F, FloatField, OuterRef, Prefetch, Subquery
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from assessments.models import Attempt, CompletionReport, ReportForm, Test
from assessments.selectors import FINAL
from courses.models import SessionDay
from enrollments.models import Completion, Enrollment, Status
from trainees.models import Trainee

# What the history shows: places taken, given up or missed — not applications still open or
# refused (those are on My page while they matter).
SHOWN = (Status.CONFIRMED, Status.CANCELLED, Status.ABSENT)
OUTCOMES = {
    "completed": _("Completed"),
    "incomplete": _("Not completed"),
    "in_progress": _("In progress"),
    "absent": _("Absent"),
    "cancelled": _("Cancelled"),
}


@dataclass
class HistoryRow:
    enrollment: Enrollment
    days: list[SessionDay]
    hours: Decimal
    outcome: str
    score: float | None
    report_state: str

    @property
    def outcome_label(self) -> str:
        return str(OUTCOMES[self.outcome])


def _hours(days: list[SessionDay]) -> Decimal:
    seconds = sum(
        (
            datetime.datetime.combine(d.date, d.ends_at)
            - datetime.datetime.combine(d.date, d.starts_at)
        ).total_seconds()
        for d in days
    )
    return (Decimal(seconds) / 3600).quantize(Decimal("0.1"))


def _outcome(enrollment: Enrollment) -> str:
    if enrollment.status == Status.CANCELLED:
        return "cancelled"
    if enrollment.status == Status.ABSENT:
        return "absent"
    if enrollment.completion == Completion.COMPLETED:
        return "completed"
    if enrollment.completion == Completion.INCOMPLETE:
        return "incomplete"
    return "in_progress"


def trainee_history(
    trainee: Trainee, *, fiscal_year: int | None = None, category: str = ""
) -> list[HistoryRow]:
    """Every fiscal year's places of the trainee (or one year's, one category's), newest
    first, with the post-test's best score (%) and the completion report's state: two queries
    whatever the length of the history."""
    percent = ExpressionWrapper(
        Cast(FINAL, FloatField()) * 100.0 / Cast(F("max_score"), FloatField()),
        output_field=FloatField(),
    )
    best = (
        Attempt.objects.filter(
            enrollment=OuterRef("pk"),
            test__kind=Test.Kind.POST,
            state=Attempt.State.SUBMITTED,
            max_score__gt=0,
        )
        .annotate(percent=percent)
        .order_by("-percent")
        .values("percent")[:1]
    )
    report = CompletionReport.objects.filter(
        enrollment=OuterRef("pk"), form__purpose=ReportForm.Purpose.REPORT
    ).values("state")[:1]
    enrollments = Enrollment.objects.filter(trainee=trainee, status__in=SHOWN)
    if fiscal_year:
        enrollments = enrollments.filter(course__fiscal_year=fiscal_year)
    if category:
        enrollments = enrollments.filter(course__category=category)
    enrollments = (
        enrollments.select_related("course", "session")
        .prefetch_related(
            Prefetch("session__days", queryset=SessionDay.objects.order_by("date", "starts_at"))
        )
        .annotate(
            best_percent=Subquery(best, output_field=FloatField()),
            report_state=Subquery(report),
        )
    )
    states = dict(CompletionReport.State.choices)
    rows = []
    for enrollment in enrollments:
        days = list(enrollment.session.days.all())
        rows.append(
            HistoryRow(
                enrollment=enrollment,
                days=days,
                hours=_hours(days),
                outcome=_outcome(enrollment),
                score=enrollment.best_percent,  # type: ignore[attr-defined]
                report_state=str(states.get(enrollment.report_state, "")),  # type: ignore[attr-defined]
            )
        )
    rows.sort(
        key=lambda row: (row.enrollment.course.fiscal_year, row.days[0].date if row.days else
                         datetime.date.min),
        reverse=True,
    )  # fmt: skip
    return rows


def hours_by_year(rows: list[HistoryRow]) -> list[tuple[int, Decimal]]:
    """Hours of the sessions attended to the end (completed), per fiscal year, newest first."""
    totals: dict[int, Decimal] = {}
    for row in rows:
        if row.outcome == "completed":
            year = row.enrollment.course.fiscal_year
            totals[year] = totals.get(year, Decimal(0)) + row.hours
    return sorted(totals.items(), reverse=True)


def history_table(rows: list[HistoryRow]) -> tuple[list[str], list[list[object]]]:
    """The history as a table for the portal's export writer."""
    header = [
        "年度",
        "研修コード",
        "研修名",
        "区分",
        "日程",
        "実施日",
        "時間",
        "結果",
        "テスト(%)",
        "受講結果報告",
    ]
    return header, [
        [
            row.enrollment.course.fiscal_year,
            row.enrollment.course.code,
            row.enrollment.course.title,
            row.enrollment.course.get_category_display(),
            f"第{row.enrollment.session.number}回",
            "、".join(d.date.isoformat() for d in row.days),
            str(row.hours),
            row.outcome_label,
            "" if row.score is None else round(row.score, 1),
            row.report_state,
        ]
        for row in rows
    ]
