"""Reads of the audit trail for auditors."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.models import AccessLog, AuditEvent, ChainVerification, SubjectView
from lib.japanese import list_join


@dataclass
class Page:
    """A page of rows without a COUNT(*): the audit tables grow to millions of rows."""

    rows: list[Any]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _period(queryset: QuerySet, filters: dict[str, Any]) -> QuerySet:
    if filters.get("user"):
        user = filters["user"].strip()
        if queryset.model is AuditEvent:  # who acted, or the login ID tried
            queryset = queryset.filter(Q(username=user) | Q(login_id=user))
        else:
            queryset = queryset.filter(username=user)
    if filters.get("ip"):
        queryset = queryset.filter(ip_address=filters["ip"])
    if filters.get("date_from"):
        queryset = queryset.filter(occurred_at__gte=_day_start(filters["date_from"]))
    if filters.get("date_to"):
        end = filters["date_to"] + datetime.timedelta(days=1)
        queryset = queryset.filter(occurred_at__lt=_day_start(end))
    return queryset


def access_log_filter(filters: dict[str, Any]) -> QuerySet[AccessLog]:
    queryset = _period(AccessLog.objects.all(), filters)
    if filters.get("path"):
        queryset = queryset.filter(path__startswith=filters["path"].strip())
    if filters.get("status_code"):
        queryset = queryset.filter(status_code=filters["status_code"])
    elif filters.get("status"):
        low = int(filters["status"]) * 100
        queryset = queryset.filter(status_code__gte=low, status_code__lt=low + 100)
    return queryset.order_by("-occurred_at", "-id")


def audit_event_filter(filters: dict[str, Any]) -> QuerySet[AuditEvent]:
    queryset = _period(AuditEvent.objects.select_related("subject_user"), filters)
    if filters.get("kind"):
        queryset = queryset.filter(kind=filters["kind"])
    return queryset.order_by("-occurred_at", "-id")


def page_of(queryset: QuerySet, *, page: int, per_page: int = 50) -> Page:
    page = max(page, 1)
    offset = (page - 1) * per_page
    rows = list(queryset[offset : offset + per_page + 1])
    return Page(rows=rows[:per_page], number=page, has_next=len(rows) > per_page)


def recent_access(limit: int = 15) -> list[AccessLog]:
    return list(AccessLog.objects.order_by("-occurred_at", "-id")[:limit])


def recent_events(limit: int = 15) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.select_related("subject_user").order_by("-occurred_at", "-id")[:limit]
    )


# The words for what an event's detail says (keys the writers use); others are shown as they are.
DETAIL_LABELS = {
    "course": _("course no."),
    "session": _("session no."),
    "enrollment": _("enrolment no."),
    "enrollments": _("enrolments no."),
    "order": _("order no."),
    "material": _("material no."),
    "trainee": _("trainee no."),
    "day": _("day no."),
    "lottery": _("lottery no."),
    "roster_import": _("import no."),
    "count": _("count"),
    "recipients": _("recipients"),
    "members": _("people on the list"),
    "rows": _("rows"),
    "job": _("background job no."),
    "format": _("format"),
    "filters": _("filters"),
    "mode": _("mode"),
    "created": _("created"),
    "updated": _("updated"),
    "deactivated": _("disabled"),
    "status": _("status"),
    "decision": _("decision"),
    "seed": _("seed"),
    "seats": _("seats"),
    "reason": _("reason"),
    "kind": _("kind"),
    "type": _("type"),
    "title": _("title"),
    "fiscal_year": _("fiscal year"),
    "code": _("code"),
    "added": _("added"),
    "removed": _("removed"),
    "action": _("action"),
    "by": _("by"),
    "active": _("active"),
    "from": _("from"),
    "to": _("to"),
    "approved": _("approved"),
    "request": _("request no."),
    "path": _("path"),
    "rules": _("rules"),
    "sha256": "SHA-256",
    "limit": _("limit reached"),
    "survey": _("survey no."),
    "responses": _("responses"),
    "authenticators": _("authenticators"),
    "attempt": _("attempt no."),
    "report": _("report no."),
    "form": _("form no."),
    "round": _("round"),
    "state": _("state"),
    "score": _("score"),
    "test": _("test no."),
    "auto": _("submitted at the time limit"),
    "changes": _("changes"),
    "subjects": _("people in the file"),
    "subjects_hmac": _("keyed hash of their ids"),
    "views_recorded": _("views recorded"),
    "finding": _("finding no."),
    "category": _("category"),
    "comment": _("comment"),
    "month": _("month"),
    "document": _("document"),
    "question": _("question no."),
    "up": _("moved up"),
}


# The words for the codes a detail's values hold, by key: {key: {code: label}}. The audit app
# knows its own; an app above it registers the codes of its models (register_detail_values, from
# its AppConfig.ready), so an auditor reads 「決定: 受講決定」, not "decision: confirmed".
DETAIL_VALUES: dict[str, dict[str, Any]] = {
    "by": {"admin": _("the administration site")},
    "format": {"pdf": "PDF", "csv": "CSV", "csv-cp932": "CSV (Shift_JIS)", "xlsx": "Excel"},
    "limit": {
        "account": _("failed logins for the account"),
        "login_failed": _("failed logins for the account"),
        "login_failed_pair": _("failed logins for the account from this address"),
        "login_failed_address": _("failed logins from this address"),
    },
}


def register_detail_values(key: str, choices: Iterable[tuple[str, Any]]) -> None:
    """Add labels for the codes an event's detail holds under ``key`` (e.g. a model's
    TextChoices.choices)."""
    DETAIL_VALUES.setdefault(key, {}).update(dict(choices))


def _value_in_words(key: str, value: Any) -> Any:
    if key == "changes" and isinstance(value, dict):  # {field: [old, new]}
        return ", ".join(
            f"{field} {pair[0] if pair[0] not in (None, '') else '—'} → "
            f"{pair[1] if pair[1] not in (None, '') else '—'}"
            if isinstance(pair, list | tuple) and len(pair) == 2 else f"{field} {pair}"
            for field, pair in value.items()
        )  # fmt: skip
    labels = DETAIL_VALUES.get(key, {})
    if isinstance(value, list | tuple):
        return list_join(labels.get(v, v) if isinstance(v, str) else v for v in value) or "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return labels.get(value, value) if isinstance(value, str) else value


def detail_in_words(detail: dict[str, Any]) -> str:
    """An event's detail as "label: value" pairs, in the reader's language."""
    return " / ".join(
        f"{DETAIL_LABELS.get(key, key)}: {_value_in_words(key, value)}"
        for key, value in (detail or {}).items()
    )


def last_verification() -> ChainVerification | None:
    """The latest verification of the hash chains (nightly or by command)."""
    return ChainVerification.objects.first()


def subject_views(subject_ids: list[int], *, staff_only: bool = False) -> QuerySet[SubjectView]:
    """Recorded views of these people's data, newest first. `staff_only`: leave out the views of
    anyone holding the auditor role (what the person themselves is shown)."""
    views = SubjectView.objects.filter(subject_id__in=subject_ids)
    if staff_only:
        views = views.exclude(roles__contains="auditor")
    return views.order_by("-viewed_at", "-id")
