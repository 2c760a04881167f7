"""Writes for HR's history records (受講履歴管理): add, correct, remove — each a kept change
with its reason and an audit event, in one transaction."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditEventKind
from audit.services import audit_event_record
from reports.models import HistoryRecord, HistoryRecordChange
from trainees.models import Trainee, TraineeStatus, User


def _editable(trainee: Trainee) -> None:
    """A trainee who left keeps their history as it was: read-only."""
    if trainee.status == TraineeStatus.LEFT:
        raise ValidationError(
            _("%(name)s has left: their history is kept read-only.") % {"name": trainee.name}
        )


FIELDS = (
    "fiscal_year",
    "title",
    "provider",
    "category",
    "started_on",
    "ended_on",
    "hours",
    "outcome",
    "note",
)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _locked(pk: int) -> HistoryRecord:
    return (
        HistoryRecord.objects.select_for_update(of=("self",)).select_related("trainee").get(pk=pk)
    )


@transaction.atomic
def history_record_add(
    *,
    trainee: Trainee,
    data: dict[str, Any],
    reason: str,
    actor: User | None,
    source: str = HistoryRecord.Source.MANUAL,
) -> HistoryRecord:
    """A training taken outside the portal, or before it. The organisation at the time is the
    trainee's current one unless `data` says otherwise."""
    _editable(trainee)
    organisation = data.get("organisation") or trainee.organisation
    record = HistoryRecord.objects.create(
        trainee=trainee,
        source=source,
        organisation=organisation,
        organisation_name=data.get("organisation_name") or organisation.name,
        **{name: data[name] for name in FIELDS if name in data},
    )
    HistoryRecordChange.objects.create(
        record=record,
        kind=HistoryRecordChange.Kind.ADDED,
        reason=reason,
        changes={name: _plain(getattr(record, name)) for name in FIELDS},
        changed_by=actor,
    )
    audit_event_record(
        kind=AuditEventKind.HISTORY_RECORD_ADDED,
        user=actor,
        detail={"record": record.pk, "trainee": trainee.pk},
    )
    return record


@transaction.atomic
def history_record_correct(
    *, record: HistoryRecord, data: dict[str, Any], reason: str, actor: User | None
) -> dict[str, list[Any]]:
    """Change the record's fields; the old and new values are kept with the reason. Returns
    the changes (nothing is written when nothing changed)."""
    record = (
        HistoryRecord.objects.select_for_update(of=("self",))
        .select_related("trainee")
        .get(pk=record.pk)
    )
    _editable(record.trainee)
    changes = {
        name: [_plain(getattr(record, name)), _plain(data[name])]
        for name in FIELDS
        if name in data and getattr(record, name) != data[name]
    }
    if not changes:
        return {}
    for name in changes:
        setattr(record, name, data[name])
    record.full_clean()
    record.save(update_fields=list(changes))
    HistoryRecordChange.objects.create(
        record=record,
        kind=HistoryRecordChange.Kind.CORRECTED,
        reason=reason,
        changes=changes,
        changed_by=actor,
    )
    audit_event_record(
        kind=AuditEventKind.HISTORY_RECORD_CORRECTED,
        user=actor,
        detail={"record": record.pk, "trainee": record.trainee_id, "fields": sorted(changes)},
    )
    return changes


@transaction.atomic
def history_record_remove(*, record: HistoryRecord, reason: str, actor: User | None) -> None:
    """Take the record out of the history; it stays, marked removed, with why."""
    record = (
        HistoryRecord.objects.select_for_update(of=("self",))
        .select_related("trainee")
        .get(pk=record.pk)
    )
    _editable(record.trainee)
    if record.removed_at:
        return
    record.removed_at = timezone.now()
    record.save(update_fields=["removed_at"])
    HistoryRecordChange.objects.create(
        record=record, kind=HistoryRecordChange.Kind.REMOVED, reason=reason, changed_by=actor
    )
    audit_event_record(
        kind=AuditEventKind.HISTORY_RECORD_REMOVED,
        user=actor,
        detail={"record": record.pk, "trainee": record.trainee_id},
    )
