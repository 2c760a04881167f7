"""Bulk import of past training history (受講履歴の一括取込) from CSV or XLSX: the same
reading as the roster import (lib.tables.read_table — UTF-8 or CP932, Excel, 和暦 and
full-width digits), then preview → confirm, all or nothing, every problem named by line and
column.

Columns (Japanese as the HR system writes them, or the English names): 職員番号 (staff_number),
年度 (fiscal_year), 研修名 (title), 実施機関 (provider), 区分 (category), 初日 (started_on),
最終日 (ended_on), 時間 (hours), 結果 (outcome), 備考 (note). Required: 職員番号, 研修名, 初日,
時間. 年度 defaults to the fiscal year of 初日, 最終日 to 初日, 区分 to 派遣研修, 結果 to 修了.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_event_record
from courses.models import Category, fiscal_year_of
from jobs.models import Job
from jobs.services import job_start, job_start_with_upload
from lib.imports import Checked, Columns, FileImportPipeline, Problem, ensure_previewed, read_sheet
from lib.japanese import fold, list_join, parse_date, trim
from reports.audit_kinds import ReportsEventKind
from reports.models import HistoryImport, HistoryRecord, HistoryRecordChange, Outcome
from trainees.models import Trainee, TraineeStatus, User
from trainees.roles import HR_CONSOLE

COLUMNS = {
    "職員番号": "staff_number",
    "年度": "fiscal_year",
    "研修名": "title",
    "実施機関": "provider",
    "区分": "category",
    "初日": "started_on",
    "開始日": "started_on",
    "最終日": "ended_on",
    "終了日": "ended_on",
    "時間": "hours",
    "時間数": "hours",
    "結果": "outcome",
    "備考": "note",
}
REQUIRED = {"staff_number": "職員番号", "title": "研修名", "started_on": "初日", "hours": "時間"}
HISTORY_COLUMNS = Columns(
    names=COLUMNS, required=[(label, frozenset({key})) for key, label in REQUIRED.items()]
)
OUTCOMES = {
    "修了": Outcome.COMPLETED,
    "未修了": Outcome.INCOMPLETE,
    "欠席": Outcome.ABSENT,
    "取消": Outcome.CANCELLED,
} | {value: value for value in Outcome.values}
CATEGORIES = {value: value for value in Category.values}
LIMITS = {"title": 200, "provider": 200, "note": 500}


def _row(line: int, raw: dict[str, str], problems: list[Problem]) -> dict[str, Any] | None:
    """One line's values, checked; None (and problems) when something is wrong."""
    count = len(problems)

    def error(column: str, value: str, message: str) -> None:
        problems.append(Problem(line, column, value, message))

    values: dict[str, Any] = {"line": line}
    for key, label in REQUIRED.items():
        if not raw.get(key):
            error(label, "", _("This column must not be empty."))
    for key, limit in LIMITS.items():
        text = raw.get(key, "")
        if len(text) > limit:
            error(
                {"title": "研修名", "provider": "実施機関", "note": "備考"}[key],
                text[:30] + "…",
                _("At most %(n)s characters.") % {"n": limit},
            )
        values[key] = text
    for key, label in (("started_on", "初日"), ("ended_on", "最終日")):
        if raw.get(key):
            try:
                values[key] = parse_date(raw[key])
            except ValueError as exc:
                error(label, raw[key], str(exc))
    values.setdefault("ended_on", values.get("started_on"))
    if (
        values.get("started_on")
        and values.get("ended_on")
        and values["ended_on"] < values["started_on"]
    ):
        error("最終日", raw.get("ended_on", ""), _("The last day cannot be before the first day."))
    if raw.get("hours"):
        try:
            hours = Decimal(fold(raw["hours"]))
            if not Decimal(0) <= hours <= Decimal(9999) or hours != hours.quantize(Decimal("0.1")):
                raise InvalidOperation
            values["hours"] = hours
        except InvalidOperation:
            error("時間", raw["hours"], _("Write the hours as a number such as 7.5 (0 to 9999)."))
    if raw.get("fiscal_year"):
        year = fold(raw["fiscal_year"]).removesuffix("年度")
        if year.isdigit() and 1950 <= int(year) <= 2100:
            values["fiscal_year"] = int(year)
        else:
            error("年度", raw["fiscal_year"], _("Write the fiscal year as four digits, e.g. 2019."))
    elif values.get("started_on"):
        values["fiscal_year"] = fiscal_year_of(values["started_on"])
    category = fold(raw.get("category", "")) or Category.SECONDMENT
    if category not in CATEGORIES:
        error(
            "区分",
            category,
            _("Unknown category. Use one of: %(names)s.") % {"names": list_join(Category.values)},
        )
    values["category"] = category
    outcome = fold(raw.get("outcome", "")) or "修了"
    if outcome not in OUTCOMES:
        error("結果", outcome, _("Unknown result. Use 修了, 未修了, 欠席 or 取消."))
    values["outcome"] = OUTCOMES.get(outcome, outcome)
    values["staff_number"] = fold(raw.get("staff_number", ""))
    return values if len(problems) == count else None


def _person_problem(
    line: int, number: str, trainee: Trainee | None, problems: list[Problem]
) -> bool:
    """Add the problem with the row's staff number, if any; True when there was one."""
    if trainee is None:
        problems.append(
            Problem(line, "職員番号", number, _("No ward employee has this staff number."))
        )
        return True
    if trainee.status == TraineeStatus.LEFT:
        problems.append(
            Problem(
                line, "職員番号", number, _("This person has left: their history is read-only.")
            )
        )
        return True
    return False


@dataclass(slots=True)
class PlannedRecord:
    """One line of the file as it will be added to a person's history."""

    line: int
    staff_number: str
    trainee_id: int
    organisation_id: int  # the organisation at the time of the import (kept with the record)
    fiscal_year: int
    title: str
    provider: str
    category: str
    started_on: str  # ISO dates and the hours as text: the plan is kept as JSON
    ended_on: str
    hours: str
    outcome: str
    note: str


def parse_history(
    data: bytes, *, file_name: str, encoding: str = "auto"
) -> tuple[str, int, list[PlannedRecord], list[Problem], list[Problem]]:
    """The file's rows, checked against each other and the registry: (encoding, rows read,
    plan, errors, warnings). Never writes; raises TableFileError when the file as a whole
    cannot be used."""
    sheet = read_sheet(data, file_name=file_name, encoding=encoding, columns=HISTORY_COLUMNS)
    problems = sheet.errors
    if problems:
        return sheet.encoding, 0, [], problems, sheet.warnings
    rows = []
    refused: list[tuple[int, str]] = []  # (line, staff number) of rows with other problems
    for line, cells in sheet.rows:
        # Text kept as written (trimmed); numbers, codes and dates folded where they are read.
        raw = {key: trim(value) for key, value in cells.items()}
        values = _row(line, raw, problems)
        if values is not None:
            rows.append(values)
        elif raw.get("staff_number"):
            refused.append((line, fold(raw["staff_number"])))
    numbers = {row["staff_number"] for row in rows} | {number for _line, number in refused}
    trainees = {
        t.staff_number: t
        for t in Trainee.objects.filter(staff_number__in=numbers, is_external=False).only(
            "id", "staff_number", "status", "organisation_id"
        )
    }
    existing = set(
        HistoryRecord.objects.filter(
            trainee__in=[t.pk for t in trainees.values()], removed_at__isnull=True
        ).values_list("trainee_id", "title", "started_on")
    )
    seen: dict[tuple[int, str, datetime.date], int] = {}
    plan = []
    # Every column of a row at once: a row refused for its dates or hours is told about its
    # staff number too, not only after the first problems are mended.
    for line, number in refused:
        _person_problem(line, number, trainees.get(number), problems)
    for row in rows:
        trainee = trainees.get(row["staff_number"])
        if _person_problem(row["line"], row["staff_number"], trainee, problems):
            continue
        assert trainee is not None  # noqa: S101 - _person_problem said so
        key = (trainee.pk, row["title"], row["started_on"])
        if key in existing:
            problems.append(
                Problem(
                    row["line"],
                    "研修名",
                    row["title"],
                    _("This training is already in the person's history."),
                )
            )
            continue  # fmt: skip
        if key in seen:
            problems.append(Problem(row["line"], "研修名", row["title"],
                                    _("The same training is on line %(line)s too.")
                                    % {"line": seen[key]}))  # fmt: skip
            continue
        seen[key] = row["line"]
        plan.append(
            PlannedRecord(
                line=row["line"], staff_number=row["staff_number"], trainee_id=trainee.pk,
                organisation_id=trainee.organisation_id, fiscal_year=row["fiscal_year"],
                title=row["title"], provider=row["provider"], category=row["category"],
                started_on=row["started_on"].isoformat(), ended_on=row["ended_on"].isoformat(),
                hours=str(row["hours"]), outcome=row["outcome"], note=row["note"],
            )
        )  # fmt: skip
    read = len(plan) + len({p.line for p in problems if p.line and p.line > 1})
    return sheet.encoding, read, plan, problems, sheet.warnings


class HistoryPipeline(FileImportPipeline[HistoryImport, list[PlannedRecord]]):
    """Past history through the shared skeleton (lib.imports): checked against the registry
    and the histories, kept as JSON, added all or nothing after a second look under a lock
    (someone who left since the preview stops the whole import)."""

    model = HistoryImport

    def check(self, data: bytes, *, file_name: str, encoding: str,
              record: HistoryImport) -> Checked[list[PlannedRecord]]:  # fmt: skip
        detected, read, plan, errors, warnings = parse_history(
            data, file_name=file_name, encoding=encoding
        )
        return Checked(detected, read, plan, errors, warnings)

    def keep(self, record: HistoryImport, plan: list[PlannedRecord]) -> None:
        record.plan = [{name: getattr(row, name) for name in row.__slots__} for row in plan]

    def kept(self, record: HistoryImport) -> list[PlannedRecord]:
        return planned(record)

    def apply(self, record: HistoryImport, plan: list[PlannedRecord], *, actor: User | None,
              **options: Any) -> None:  # fmt: skip
        ids = {row.trainee_id for row in plan}
        active = dict(
            Trainee.objects.select_for_update()
            .filter(pk__in=ids, status=TraineeStatus.ACTIVE)
            .values_list("id", "organisation__name")
        )
        gone = sorted({row.line for row in plan if row.trainee_id not in active})
        if gone:
            raise ValidationError(
                _("Someone in the file has left since the preview (lines %(lines)s): upload it "
                  "again.") % {"lines": ", ".join(map(str, gone[:10]))}
            )  # fmt: skip
        now = timezone.now()
        records = HistoryRecord.objects.bulk_create(
            HistoryRecord(
                trainee_id=row.trainee_id, fiscal_year=row.fiscal_year, title=row.title,
                provider=row.provider, category=row.category,
                started_on=datetime.date.fromisoformat(row.started_on),
                ended_on=datetime.date.fromisoformat(row.ended_on), hours=Decimal(row.hours),
                outcome=row.outcome, note=row.note, organisation_id=row.organisation_id,
                organisation_name=active[row.trainee_id], source=HistoryRecord.Source.IMPORT,
                created_at=now,
            )
            for row in plan
        )  # fmt: skip
        reason = _("Imported from %(file)s") % {"file": record.file_name}
        HistoryRecordChange.objects.bulk_create(
            HistoryRecordChange(record=r, kind=HistoryRecordChange.Kind.ADDED,
                                reason=reason[:300], changed_by=actor, changed_at=now)
            for r in records
        )  # fmt: skip
        audit_event_record(
            kind=ReportsEventKind.HISTORY_IMPORTED,
            user=actor,
            detail={"import": record.pk, "records": len(records), "trainees": len(ids)},
        )


def planned(record: HistoryImport) -> list[PlannedRecord]:
    """The records an import adds (or added), as kept."""
    return [PlannedRecord(**row) for row in record.plan]


def history_import_preview(
    *, data: bytes, file_name: str, encoding: str = "auto", uploaded_by: User | None
) -> HistoryImport:
    """Check the file and keep what would be added; nothing goes into anyone's history."""
    return HistoryPipeline().preview(
        data=data, file_name=file_name, encoding=encoding, uploaded_by=uploaded_by
    )


HISTORY_PREVIEW_JOB = "history.preview"


def history_import_preview_start(
    *, data: bytes, file_name: str, encoding: str = "auto", uploaded_by: User
) -> Job:
    """Check a large file in the background (reports.background.history_preview): the job's
    result is the preview's page."""
    return job_start_with_upload(
        data=data, kind=HISTORY_PREVIEW_JOB, owner=uploaded_by,
        title=_("History check: %(file)s") % {"file": file_name},
        params={"file_name": file_name, "encoding": encoding}, permission=HR_CONSOLE,
        about="history:preview", link=reverse("history_imports"),
    )  # fmt: skip


HISTORY_COMMIT_JOB = "history.commit"


def history_import_commit_start(*, record: HistoryImport, actor: User) -> Job:
    """Add the records in the background (reports.background.history_commit): ten years of a
    ward's past training is more than a page may wait for. Refused at once when it cannot be
    confirmed."""
    ensure_previewed(record)
    return job_start(
        kind=HISTORY_COMMIT_JOB, owner=actor,
        title=_("History import: %(file)s") % {"file": record.file_name},
        params={"import": record.pk}, permission=HR_CONSOLE, about=f"history:{record.pk}",
        total=record.rows, link=reverse("history_import_detail", args=[record.pk]),
    )  # fmt: skip


def history_import_commit(*, record: HistoryImport, actor: User | None) -> int:
    """Add every previewed record, or none: the preview is checked again (someone who left
    since, a record added meanwhile) under a lock. Returns how many were added."""
    return len(HistoryPipeline().commit(record_id=record.pk, actor=actor).plan)
