"""状態の一括変更: what becomes of a session's places, from a list — e.g. everyone who completed a
session held outside the ward (特別区職員研修所, a university) marked 修了 at once.

HR downloads the session's participants (or writes a list), fills in 状態 and 理由 and uploads it;
the shared skeleton (lib.imports) reads it, this module checks each line against the session and
the preview shows each change (before → after); the confirmation applies it all or nothing.

Columns (Japanese, or the English names): 職員番号 (staff_number), 状態 (status), 理由 (reason).
状態: 修了 (completed: HR's decision stands over the course's rules), 未修了 (not completed),
自動 (back to the course's rules), 取消 (the place cancelled; the seat goes to the waiting list).
Every line needs a reason: it is kept in the place's history. 氏名 and 所属 are for the clerk.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from audit.services import audit_event_record
from courses.events import announce
from courses.models import Session
from enrollments.audit_kinds import EnrollmentsEventKind
from enrollments.models import (
    ACTIVE,
    Enrollment,
    PlaceStatusImport,
    Status,
)
from enrollments.services.applications import enrollment_cancel
from enrollments.services.status import event_add
from lib.imports import Checked, Columns, FileImportPipeline, Problem, read_sheet
from lib.japanese import fold, trim
from trainees.models import User

COLUMNS = Columns(
    names={
        "職員番号": "staff_number",
        "状態": "status",
        "理由": "reason",
        "氏名": "name",
        "所属": "organisation",
        "備考": "note",
    },
    required=[
        ("職員番号", frozenset({"staff_number"})),
        ("状態", frozenset({"status"})),
        ("理由", frozenset({"reason"})),
    ],
)
COMPLETED, INCOMPLETE, RULES, CANCEL = "completed", "incomplete", "rules", "cancel"
ACTIONS = {
    "修了": COMPLETED, "completed": COMPLETED,
    "未修了": INCOMPLETE, "incomplete": INCOMPLETE,
    "自動": RULES, "判定に戻す": RULES, "rules": RULES,
    "取消": CANCEL, "取り消し": CANCEL, "取消し": CANCEL, "cancel": CANCEL,
}  # fmt: skip


@dataclass(slots=True)
class PlannedChange:
    """One line as it will be applied; ``before`` is what it replaces (for the preview and the
    staleness check): the place's status and HR's completion decision."""

    line: int
    enrollment_id: int
    action: str
    reason: str
    before_status: str
    before_decided: str

    @property
    def changed(self) -> bool:
        if self.action == CANCEL:
            return self.before_status in ACTIVE
        decided = "" if self.action == RULES else self.action
        return decided != self.before_decided


def parse_list(
    data: bytes, *, file_name: str, encoding: str, session: Session
) -> tuple[str, int, list[PlannedChange], list[Problem], list[Problem]]:
    """The list's lines checked against the session: (encoding, lines read, plan, errors,
    warnings). Never writes."""
    sheet = read_sheet(data, file_name=file_name, encoding=encoding, columns=COLUMNS)
    errors, warnings = sheet.errors, sheet.warnings
    if errors:
        return sheet.encoding, 0, [], errors, warnings
    places: dict[str, list[Enrollment]] = defaultdict(list)
    for place in Enrollment.objects.filter(session=session).select_related("trainee"):
        places[fold(place.trainee.staff_number)].append(place)
    plan: list[PlannedChange] = []
    seen: dict[int, int] = {}
    read = 0
    for line, cells in sheet.rows:
        read += 1
        raw = {key: trim(value) for key, value in cells.items()}
        count = len(errors)

        def error(column: str, value: str, message: str, line: int = line) -> None:
            errors.append(Problem(line, column, value, message))

        number = fold(raw.get("staff_number", ""))
        matches = places.get(number, [])
        if not number:
            error("職員番号", "", _("This column must not be empty."))
        elif not matches:
            error("職員番号", number, _("Nobody with this staff number is on this session."))
        elif len(matches) > 1:
            error("職員番号", number, _("Two people on this session have this staff number: "
                                      "change their places on their own pages."))  # fmt: skip
        text = fold(raw.get("status", ""))
        action = ACTIONS.get(text) or ACTIONS.get(text.lower())
        if action is None:
            error("状態", text, _("Unknown state. Use 修了, 未修了, 自動 (back to the course's "
                                  "rules) or 取消."))  # fmt: skip
        reason = " ".join(raw.get("reason", "").split())
        if not reason:
            error("理由", "", _("Say why: it is kept in the place's history."))
        elif len(reason) > 200:
            error("理由", reason[:20] + "…", _("At most 200 characters."))
        if len(errors) > count or action is None:
            continue
        place = matches[0]
        if action in (COMPLETED, INCOMPLETE, RULES) and place.status != Status.CONFIRMED:
            status = place.get_status_display()
            error("状態", text, _("Only a confirmed place has a completion (this one is "
                                  "%(status)s).") % {"status": status})  # fmt: skip
            continue
        if action == CANCEL and place.status not in ACTIVE:
            error("状態", text, _("This place is no longer active (%(status)s).")
                  % {"status": place.get_status_display()})  # fmt: skip
            continue
        if place.pk in seen:
            error("職員番号", number, _("This person is on line %(line)s too.")
                  % {"line": seen[place.pk]})  # fmt: skip
            continue
        seen[place.pk] = line
        plan.append(PlannedChange(line, place.pk, action, reason, place.status,
                                  place.completion_decided))  # fmt: skip
    if not errors and not plan:
        errors.append(Problem(None, "状態", "", _("The file has no lines to apply.")))
    return sheet.encoding, read, plan, errors, warnings


class StatusPipeline(FileImportPipeline[PlaceStatusImport, list[PlannedChange]]):
    """The list through the shared skeleton: checked against the session's places, kept as
    JSON, applied all or nothing. A place changed by someone else since the preview refuses
    the whole file (upload it again)."""

    model = PlaceStatusImport

    def check(self, data: bytes, *, file_name: str, encoding: str,
              record: PlaceStatusImport) -> Checked[list[PlannedChange]]:  # fmt: skip
        detected, read, plan, errors, warnings = parse_list(
            data, file_name=file_name, encoding=encoding, session=record.session
        )
        return Checked(detected, read, plan, errors, warnings)

    def keep(self, record: PlaceStatusImport, plan: list[PlannedChange]) -> None:
        record.plan = [{name: getattr(row, name) for name in row.__slots__} for row in plan]

    def kept(self, record: PlaceStatusImport) -> list[PlannedChange]:
        return planned(record)

    def stale(self, record: PlaceStatusImport) -> bool:
        Session.objects.select_for_update().get(pk=record.session_id)
        plan = planned(record)
        now = {
            pk: (status, decided)
            for pk, status, decided in Enrollment.objects.filter(
                session_id=record.session_id, pk__in=[row.enrollment_id for row in plan]
            ).values_list("id", "status", "completion_decided")
        }
        return any(
            now.get(row.enrollment_id) != (row.before_status, row.before_decided) for row in plan
        )

    def apply(self, record: PlaceStatusImport, plan: list[PlannedChange], *,
              actor: User | None, **options: Any) -> None:  # fmt: skip
        rows = [row for row in plan if row.changed]
        places = Enrollment.objects.select_related("session").in_bulk(
            [row.enrollment_id for row in rows]
        )
        decided: list[int] = []
        labels = {COMPLETED: _("Completed (decided by HR)"),
                  INCOMPLETE: _("Not completed (decided by HR)"),
                  RULES: _("Completion back to the course's rules")}  # fmt: skip
        for row in rows:
            place = places[row.enrollment_id]
            note = _("By list (import %(id)s): %(reason)s") % {
                "id": record.pk,
                "reason": row.reason,
            }
            if row.action == CANCEL:
                enrollment_cancel(enrollment=place, actor=actor, by_hr=True, reason=note)
                continue
            place.completion_decided = "" if row.action == RULES else row.action
            place.completion_note = "" if row.action == RULES else row.reason[:300]
            place.save(update_fields=["completion_decided", "completion_note"])
            event_add(place, place.status, actor, f"{labels[row.action]}: {note}")
            decided.append(place.pk)
        if decided:
            announce(enrollment_ids=decided)  # completion re-evaluated in this transaction
        audit_event_record(
            kind=EnrollmentsEventKind.STATUS_IMPORTED,
            user=actor,
            detail={"import": record.pk, "session": record.session_id,
                    "changed": len(rows), "lines": len(plan)},
        )  # fmt: skip


def planned(record: PlaceStatusImport) -> list[PlannedChange]:
    return [PlannedChange(**row) for row in record.plan]


def status_import_preview(
    *, session: Session, data: bytes, file_name: str, encoding: str = "auto",
    uploaded_by: User | None,
) -> PlaceStatusImport:  # fmt: skip
    """Check the list and keep what would change; no place changes yet."""
    return StatusPipeline().preview(
        data=data, file_name=file_name, encoding=encoding, uploaded_by=uploaded_by,
        session=session,
    )  # fmt: skip


def status_import_commit(*, record: PlaceStatusImport, actor: User | None) -> int:
    """Apply every previewed line, or none; returns how many places changed. Raises
    lib.imports.StaleImportError when a place changed since the preview."""
    committed = StatusPipeline().commit(record_id=record.pk, actor=actor)
    return sum(row.changed for row in planned(committed))
