"""Reads for training history (受講履歴): a trainee's enrolments over all fiscal years with
what became of them, their hours, the counted post-test score and the report's state."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.models import Attempt, CompletionReport, ReportForm, Test
from assessments.selectors import FINAL
from courses.models import Category, SessionDay
from enrollments.models import Completion, Enrollment, Status
from reports.models import Certificate, HistoryRecord, HistoryRecordChange
from trainees.models import Organisation, Trainee

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
    """One line of a history: a place in a portal session, or a record HR keeps."""

    fiscal_year: int
    code: str
    title: str
    category: str
    session_label: str
    dates: list[datetime.date]
    hours: Decimal
    outcome: str
    score: float | None
    report_state: str
    organisation_then: str
    organisation_now: str
    enrollment: Enrollment | None = None
    record: HistoryRecord | None = None

    @property
    def outcome_label(self) -> str:
        return str(OUTCOMES[self.outcome])

    @property
    def certificate(self) -> Certificate | None:
        """The place's certificate, if one was issued (loaded with the history)."""
        try:
            return self.enrollment.certificate if self.enrollment else None
        except Certificate.DoesNotExist:
            return None

    @property
    def valid_until(self) -> datetime.date | None:
        """有効期限 of a completion whose course's completions expire."""
        if self.enrollment is None or self.outcome != "completed":
            return None
        return self.enrollment.valid_until

    @property
    def expired(self) -> bool:
        return self.valid_until is not None and self.valid_until < timezone.localdate()

    @property
    def organisation_changed(self) -> bool:
        return bool(self.organisation_now) and self.organisation_now != self.organisation_then


def _organisation_now(organisation: Organisation | None) -> str:
    return organisation.current.name if organisation else ""


def session_hours(days: list[SessionDay]) -> Decimal:
    """The hours of these session days (end − start), to a tenth."""
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
    trainee: Trainee,
    *,
    fiscal_year: int | None = None,
    category: str = "",
    include_records: bool = True,
) -> list[HistoryRow]:
    """Every fiscal year's places of the trainee (or one year's, one category's) with the
    post-test's best score (%) and the completion report's state, and the records HR keeps,
    newest first: three queries whatever the length of the history."""
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
        .annotate(percent_of_max=percent)  # not "percent": Attempt has a property of that name
        .order_by("-percent_of_max")
        .values("percent_of_max")[:1]
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
        enrollments.select_related("course", "session", "organisation__merged_into", "certificate")
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
        course = enrollment.course
        organisation = enrollment.organisation or trainee.organisation
        rows.append(
            HistoryRow(
                fiscal_year=course.fiscal_year,
                code=course.code,
                title=course.title,
                category=course.get_category_display(),
                session_label=f"第{enrollment.session.number}回",
                dates=[d.date for d in days],
                hours=session_hours(days),
                outcome=_outcome(enrollment),
                score=enrollment.best_percent,
                report_state=str(states.get(enrollment.report_state, "")),
                organisation_then=enrollment.organisation_name or organisation.name,
                organisation_now=_organisation_now(organisation),
                enrollment=enrollment,
            )
        )
    if include_records:
        records = history_records(trainee)
        if fiscal_year:
            records = records.filter(fiscal_year=fiscal_year)
        if category:
            records = records.filter(category=category)
        categories = dict(Category.choices)
        for record in records:
            rows.append(
                HistoryRow(
                    fiscal_year=record.fiscal_year,
                    code="",
                    title=record.title,
                    category=str(categories.get(record.category, record.category)),
                    session_label=record.provider,
                    dates=sorted({record.started_on, record.ended_on}),
                    hours=record.hours,
                    outcome=record.outcome,
                    score=None,
                    report_state="",
                    organisation_then=record.organisation_name,
                    organisation_now=_organisation_now(record.organisation),
                    record=record,
                )
            )
    rows.sort(
        key=lambda row: (row.fiscal_year, row.dates[0] if row.dates else datetime.date.min),
        reverse=True,
    )
    return rows


def history_records(trainee: Trainee) -> QuerySet[HistoryRecord]:
    """The records HR keeps for the trainee that are not removed."""
    return HistoryRecord.objects.filter(trainee=trainee, removed_at__isnull=True).select_related(
        "organisation__merged_into"
    )


def history_record_changes(trainee: Trainee) -> QuerySet[HistoryRecordChange]:
    """Every addition, correction and removal of the trainee's records, newest first."""
    return HistoryRecordChange.objects.filter(record__trainee=trainee).select_related(
        "record", "changed_by"
    )


def hours_by_year(rows: list[HistoryRow]) -> list[tuple[int, Decimal]]:
    """Hours of the sessions attended to the end (completed), per fiscal year, newest first."""
    totals: dict[int, Decimal] = {}
    for row in rows:
        if row.outcome == "completed":
            year = row.fiscal_year
            totals[year] = totals.get(year, Decimal(0)) + row.hours
    return sorted(totals.items(), reverse=True)


def history_table(rows: list[HistoryRow]) -> tuple[list[str], list[list[object]]]:
    """The history as a table for the portal's export writer."""
    header = [
        "年度",
        "研修コード",
        "研修名",
        "区分",
        "日程・実施機関",
        "実施日",
        "時間",
        "結果",
        "有効期限",
        "テスト(%)",
        "受講結果報告",
        "当時の所属",
        "現在の所属",
    ]
    return header, [
        [
            row.fiscal_year,
            row.code,
            row.title,
            row.category,
            row.session_label,
            "、".join(d.isoformat() for d in row.dates),
            str(row.hours),
            row.outcome_label,
            row.valid_until.isoformat() if row.valid_until else "",
            "" if row.score is None else round(row.score, 1),
            row.report_state,
            row.organisation_then,
            row.organisation_now,
        ]
        for row in rows
    ]
