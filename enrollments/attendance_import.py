"""出欠の一括取込: a session's sign-in sheet, filled in on paper or in Excel, back into the portal.

HR downloads the sheet (``selectors.session_list(session, "sheet")``: one line per confirmed
person and day, marks already recorded filled in), fills it in and uploads it; the shared
skeleton (lib.imports) reads it, this module checks it against the session and the preview
shows each change (before → after); the confirmation records it all or nothing.

Columns (Japanese as the sheet writes them, or the English names): 職員番号 (staff_number),
日付 (date), 出欠 (mark: 出席/○, 欠席/×, 遅刻, 早退), 遅刻・早退（分） (minutes). 氏名, 所属 and
職名 are there for the clerk and not read. A line without a mark is left as it is.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from audit.services import audit_event_record
from courses.models import Session, SessionDay
from enrollments.audit_kinds import EnrollmentsEventKind
from enrollments.models import (
    LATE_OR_EARLY,
    Attendance,
    AttendanceImport,
    AttendanceMark,
    Enrollment,
    Status,
)
from enrollments.services.attendance import attendance_record
from lib.imports import Checked, Columns, FileImportPipeline, Problem, read_sheet
from lib.japanese import fold, list_join, parse_date, trim
from trainees.models import User

COLUMNS = Columns(
    names={
        "職員番号": "staff_number",
        "日付": "date",
        "出欠": "mark",
        "遅刻・早退(分)": "minutes",
        "遅刻早退(分)": "minutes",
        "分": "minutes",
        "氏名": "name",
        "所属": "organisation",
        "職名": "job_title",
        "備考": "note",
    },
    required=[
        ("職員番号", frozenset({"staff_number"})),
        ("日付", frozenset({"date"})),
        ("出欠", frozenset({"mark"})),
    ],
)
MARKS = {
    "出席": AttendanceMark.PRESENT,
    "出": AttendanceMark.PRESENT,
    "○": AttendanceMark.PRESENT,
    "〇": AttendanceMark.PRESENT,
    "◯": AttendanceMark.PRESENT,
    "欠席": AttendanceMark.ABSENT,
    "欠": AttendanceMark.ABSENT,
    "×": AttendanceMark.ABSENT,
    "✕": AttendanceMark.ABSENT,
    "遅刻": AttendanceMark.LATE,
    "早退": AttendanceMark.LEFT_EARLY,
} | {value: value for value in AttendanceMark.values}


@dataclass(slots=True)
class PlannedMark:
    """One line of the sheet as it will be recorded; ``before`` is the mark it replaces."""

    line: int
    enrollment_id: int
    day_id: int
    mark: str
    minutes: int
    before: str  # "" when the day was not marked
    before_minutes: int

    @property
    def changed(self) -> bool:
        return (self.mark, self.minutes) != (self.before, self.before_minutes)


def _minutes(raw: str) -> int | None:
    text = fold(raw).removesuffix("分").strip()
    return int(text) if text.isdigit() else None


def parse_sheet(
    data: bytes, *, file_name: str, encoding: str, session: Session
) -> tuple[str, int, list[PlannedMark], list[Problem], list[Problem]]:
    """The sheet's lines checked against the session: (encoding, lines read, plan, errors,
    warnings). Never writes; raises TableFileError when the file as a whole cannot be used."""
    sheet = read_sheet(data, file_name=file_name, encoding=encoding, columns=COLUMNS)
    errors, warnings = sheet.errors, sheet.warnings
    if errors:
        return sheet.encoding, 0, [], errors, warnings
    if Session.objects.filter(pk=session.pk, cancelled_at__isnull=False).exists():
        errors.append(Problem(None, "", "", _("This session has been cancelled.")))
        return sheet.encoding, 0, [], errors, warnings
    days = {day.date: day for day in SessionDay.objects.filter(session=session)}
    places: dict[str, list[Enrollment]] = defaultdict(list)
    for place in (
        Enrollment.objects.filter(session=session, status=Status.CONFIRMED)
        .only("id", "trainee__staff_number")
        .select_related("trainee")
    ):
        places[fold(place.trainee.staff_number)].append(place)
    recorded = {
        (a.enrollment_id, a.day_id): (a.mark, a.minutes_missed)
        for a in Attendance.objects.filter(enrollment__session=session, day__session=session)
    }
    latest = timezone.localdate() + datetime.timedelta(days=settings.ATTENDANCE_MAX_DAYS_AHEAD)
    dates = list_join(f"{d:%Y/%m/%d}" for d in sorted(days))
    plan: list[PlannedMark] = []
    seen: dict[tuple[int, int], int] = {}
    read = empty = 0
    for line, cells in sheet.rows:
        read += 1
        raw = {key: trim(value) for key, value in cells.items()}
        count = len(errors)

        def error(column: str, value: str, message: str, line: int = line) -> None:
            errors.append(Problem(line, column, value, message))

        mark_text = fold(raw.get("mark", ""))
        minutes_text = raw.get("minutes", "")
        if not mark_text and not fold(minutes_text):
            empty += 1
            continue
        number = fold(raw.get("staff_number", ""))
        matches = places.get(number, [])
        if not number:
            error("職員番号", "", _("This column must not be empty."))
        elif not matches:
            error("職員番号", number,
                  _("Nobody with this staff number is confirmed on this session."))  # fmt: skip
        elif len(matches) > 1:
            error("職員番号", number, _("Two people on this session have this staff number: "
                                      "record their attendance on the day's page."))  # fmt: skip
        day = None
        try:
            date = parse_date(raw.get("date", ""))
        except ValueError as exc:
            error("日付", raw.get("date", ""), str(exc))
        else:
            day = days.get(date)
            if day is None:
                error("日付", raw["date"],
                      _("Not a day of this session (%(dates)s).") % {"dates": dates})  # fmt: skip
            elif day.date > latest:
                error("日付", raw["date"], _("This day has not come yet: attendance can be "
                                             "recorded from the day itself."))  # fmt: skip
        mark = MARKS.get(mark_text) or MARKS.get(mark_text.lower())
        if mark is None:
            error("出欠", mark_text, _("Unknown mark. Use 出席 (○), 欠席 (×), 遅刻 or 早退."))
        minutes = 0
        if fold(minutes_text):
            value = _minutes(minutes_text)
            if value is None:
                error("遅刻・早退（分）", minutes_text,
                      _("Write the minutes as a whole number, e.g. 30."))  # fmt: skip
            elif mark is not None and mark not in LATE_OR_EARLY and value:
                error("遅刻・早退（分）", minutes_text,
                      _("Minutes are only for 遅刻 or 早退."))  # fmt: skip
            elif day is not None and value > day.minutes:
                error("遅刻・早退（分）", minutes_text, _("The day has only %(n)s minutes.")
                      % {"n": day.minutes})  # fmt: skip
            else:
                minutes = value
        if len(errors) > count or day is None or mark is None:
            continue
        place = matches[0]
        key = (place.pk, day.pk)
        if key in seen:
            error("職員番号", number, _("This person's %(date)s is on line %(line)s too.")
                  % {"date": f"{day.date:%Y/%m/%d}", "line": seen[key]})  # fmt: skip
            continue
        seen[key] = line
        before, before_minutes = recorded.get(key, ("", 0))
        plan.append(PlannedMark(line, place.pk, day.pk, mark, minutes, before, before_minutes))
    if empty:
        warnings.append(Problem(None, "出欠", "", ngettext(
            "%(n)s line has no mark: that day stays as it is.",
            "%(n)s lines have no mark: those days stay as they are.", empty,
        ) % {"n": empty}))  # fmt: skip
    if not errors and not plan:
        nothing = _("No line has a mark: there is nothing to record.")
        errors.append(Problem(None, "出欠", "", nothing))
    return sheet.encoding, read, plan, errors, warnings


class AttendancePipeline(FileImportPipeline[AttendanceImport, list[PlannedMark]]):
    """The sign-in sheet through the shared skeleton (lib.imports): checked against the
    session's confirmed places and days, kept as JSON, recorded all or nothing. A place
    given up, or a day moved, since the preview refuses the whole file (upload it again)."""

    model = AttendanceImport

    def check(self, data: bytes, *, file_name: str, encoding: str,
              record: AttendanceImport) -> Checked[list[PlannedMark]]:  # fmt: skip
        detected, read, plan, errors, warnings = parse_sheet(
            data, file_name=file_name, encoding=encoding, session=record.session
        )
        return Checked(detected, read, plan, errors, warnings)

    def keep(self, record: AttendanceImport, plan: list[PlannedMark]) -> None:
        record.plan = [{name: getattr(row, name) for name in row.__slots__} for row in plan]

    def kept(self, record: AttendanceImport) -> list[PlannedMark]:
        return planned(record)

    def stale(self, record: AttendanceImport) -> bool:
        session = Session.objects.select_for_update().get(pk=record.session_id)
        plan = planned(record)
        if session.cancelled_at:
            return True
        pairs = {(row.enrollment_id, row.day_id) for row in plan}
        confirmed = set(
            Enrollment.objects.filter(
                session=session, status=Status.CONFIRMED,
                pk__in={row.enrollment_id for row in plan},
            ).values_list("id", flat=True)
        )  # fmt: skip
        day_ids = set(SessionDay.objects.filter(session=session).values_list("id", flat=True))
        if any(e not in confirmed or d not in day_ids for e, d in pairs):
            return True
        # A mark recorded by someone else after the preview would be overwritten unseen.
        now = {
            (a.enrollment_id, a.day_id): (a.mark, a.minutes_missed)
            for a in Attendance.objects.filter(
                Q(enrollment_id__in=confirmed) & Q(day_id__in=day_ids)
            )
        }
        return any(
            now.get((row.enrollment_id, row.day_id), ("", 0)) != (row.before, row.before_minutes)
            for row in plan
        )

    def apply(self, record: AttendanceImport, plan: list[PlannedMark], *, actor: User | None,
              **options: Any) -> None:  # fmt: skip
        by_day: dict[int, list[PlannedMark]] = defaultdict(list)
        for row in plan:
            if row.changed:
                by_day[row.day_id].append(row)
        days = SessionDay.objects.in_bulk(list(by_day))
        for day_id, rows in by_day.items():
            attendance_record(
                day=days[day_id],
                marks={row.enrollment_id: row.mark for row in rows},
                minutes={row.enrollment_id: row.minutes for row in rows},
                actor=actor,
                method=Attendance.Method.IMPORT,
            )
        audit_event_record(
            kind=EnrollmentsEventKind.ATTENDANCE_IMPORTED,
            user=actor,
            detail={"import": record.pk, "session": record.session_id,
                    "changed": sum(map(len, by_day.values())), "lines": len(plan)},
        )  # fmt: skip


def planned(record: AttendanceImport) -> list[PlannedMark]:
    """The marks an import records (or recorded), as kept."""
    return [PlannedMark(**row) for row in record.plan]


def attendance_import_preview(
    *, session: Session, data: bytes, file_name: str, encoding: str = "auto",
    uploaded_by: User | None,
) -> AttendanceImport:  # fmt: skip
    """Check the sheet and keep what would be recorded; nobody's attendance changes yet."""
    return AttendancePipeline().preview(
        data=data, file_name=file_name, encoding=encoding, uploaded_by=uploaded_by,
        session=session,
    )  # fmt: skip


def attendance_import_commit(*, record: AttendanceImport, actor: User | None) -> int:
    """Record every previewed mark, or none; returns how many changed. Raises
    lib.imports.StaleImportError when the session changed since the preview."""
    committed = AttendancePipeline().commit(record_id=record.pk, actor=actor)
    return sum(row.changed for row in planned(committed))
