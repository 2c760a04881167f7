"""Writes to the audit trail."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import uuid
from collections.abc import Iterable
from typing import Any

from allauth.account.adapter import get_adapter as get_account_adapter
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import connections, transaction
from django.http import HttpRequest, HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit import kinds
from audit.models import AccessLog, AuditEvent, AuditEventKind, Finding, SubjectView
from audit.redaction import escape_controls, redact_path

logger = logging.getLogger("audit")

FAILURE_COUNTER_KEY = "audit:write_failures"
_local_failures = 0
_local_failures_lock = threading.Lock()


def client_ip(request: HttpRequest) -> str | None:
    """The client address under the same proxy policy as allauth's rate limits
    (ALLAUTH_TRUSTED_PROXY_COUNT / ALLAUTH_TRUSTED_CLIENT_IP_HEADER)."""
    try:
        return get_account_adapter(request).get_client_ip(request)
    except (PermissionDenied, ImproperlyConfigured, ValueError):
        return None


def _request_id(request: HttpRequest | None) -> uuid.UUID | None:
    return getattr(request, "request_id", None) if request is not None else None


def _count_failure() -> None:
    global _local_failures
    with _local_failures_lock:
        _local_failures += 1
    try:
        cache.add(FAILURE_COUNTER_KEY, 0, timeout=None)
        cache.incr(FAILURE_COUNTER_KEY)
    except Exception:  # noqa: BLE001 - the cache may be what is down; the local count remains
        logger.warning("audit failure counter could not be updated in the cache")


def write_failures() -> int:
    """Audit rows that could not be written: the shared count in the cache (across processes
    when the cache is Redis), or this process's own count when the cache is unreachable."""
    try:
        return int(cache.get(FAILURE_COUNTER_KEY) or 0)
    except Exception:  # noqa: BLE001
        return _local_failures


def _write_or_report(model: type[AccessLog] | type[AuditEvent], fields: dict[str, Any]) -> bool:
    """Insert the row; if that fails, never break the caller — log the row (it holds ids and
    paths, no personal data) so it can be recovered, and count the failure. The log line
    ("audit row not written") is the durable record of the failure; the counter is a summary.
    Returns whether the row was written."""
    is_access_log = model is AccessLog
    alias = settings.AUDIT_DB_ALIAS if is_access_log else "default"
    insert = _insert_access_log if is_access_log else (lambda f: model.objects.create(**f))
    try:
        if connections[alias].in_atomic_block:
            # A savepoint, so a failed insert does not poison the caller's transaction.
            with transaction.atomic(using=alias):
                insert(fields)
        else:
            insert(fields)
    except Exception:  # whatever went wrong, the caller decides what to do
        _count_failure()
        record = {
            k: (str(v) if not isinstance(v, int | float | type(None)) else v)
            for k, v in fields.items()
        }
        record.pop("username", None)
        record.pop("login_id", None)
        logger.exception(
            "audit row not written: %s %s", model.__name__, json.dumps(record, ensure_ascii=False)
        )
        return False
    return True


_ACCESS_LOG_FIELDS = [f for f in AccessLog._meta.concrete_fields if not f.primary_key]


def _insert_access_log(fields: dict[str, Any]) -> None:
    """One INSERT through the cursor rather than ``Model.objects.create``.

    This runs on every request; the ORM's per-instance machinery (signals, field defaults,
    returning the id) costs about as much as the database round trip itself, for nothing the
    access log needs. Values still go through each field's ``get_db_prep_save``, so the column
    types match what the ORM would write on either database. On PostgreSQL it goes through the
    asynchronous-commit "audit" connection (see AUDIT_ASYNC_COMMIT in settings).
    """
    connection = connections[settings.AUDIT_DB_ALIAS]
    fields.setdefault("occurred_at", timezone.now())
    table = connection.ops.quote_name(AccessLog._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in _ACCESS_LOG_FIELDS)
    placeholders = ", ".join(["%s"] * len(_ACCESS_LOG_FIELDS))
    params = [f.get_db_prep_save(fields.get(f.attname), connection) for f in _ACCESS_LOG_FIELDS]
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", params)  # noqa: S608


def access_log_record(
    *, request: HttpRequest, response: HttpResponseBase, duration_ms: float
) -> bool:
    """Write the request's access-log row; False if it could not be written."""
    user = getattr(request, "user", None)
    authenticated = user is not None and user.is_authenticated
    match = getattr(request, "resolver_match", None)
    return _write_or_report(
        AccessLog,
        {
            "request_id": getattr(request, "request_id", None),
            "user_id": user.pk if user is not None and authenticated else None,
            "username": user.get_username() if user is not None and authenticated else "",
            "roles": ",".join(sorted(role.value for role in user.roles))
            if user is not None and authenticated
            else "",
            "ip_address": client_ip(request),
            "method": escape_controls(request.method or "")[:10],
            "path": redact_path(request.path, match.kwargs if match else None)[:2000],
            "query_keys": escape_controls(",".join(sorted(set(request.GET.keys()))))[:500],
            "view_name": (match.view_name if match else "")[:200],
            "status_code": response.status_code,
            "duration_ms": round(duration_ms, 3),
        },
    )


def _clean(value: Any) -> Any:
    """Strings inside an event's detail with control characters escaped (PostgreSQL refuses a
    NUL in JSON), whatever the nesting."""
    if isinstance(value, str):
        return escape_controls(value)
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def audit_event_record(
    *,
    kind: str,
    request: HttpRequest | None = None,
    user: Any = None,
    subject_user: Any = None,
    login_id: str = "",
    detail: dict[str, Any] | None = None,
    best_effort: bool = False,
) -> None:
    """Record an event. ``user`` is who acted (defaults to the request's user).

    Services call this inside their transaction, so the event and the change it describes are
    committed together, or neither is. Authentication events (``best_effort=True``) must not
    stop a login or logout: a failed write is logged and counted instead.
    """
    if not kinds.is_registered(kind):
        # One registry of event kinds (audit/kinds.py): what the writers use is what the
        # auditors' filter offers and labels.
        raise ValueError(
            f"unknown audit event kind {kind!r}: add it to the app's audit_kinds.py enum"
        )
    if user is None and request is not None:
        request_user = getattr(request, "user", None)
        if request_user is not None and request_user.is_authenticated:
            user = request_user
    fields = {
        "kind": str(kind),
        "request_id": _request_id(request),
        "user_id": user.pk if user is not None else None,
        "username": user.get_username() if user is not None else "",
        "subject_user_id": subject_user.pk if subject_user is not None else None,
        "login_id": escape_controls(login_id)[:254],
        "ip_address": client_ip(request) if request is not None else None,
        "detail": _clean(detail or {}),
    }
    if best_effort:
        _write_or_report(AuditEvent, fields)
    else:
        AuditEvent.objects.create(**fields)


def _comparable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str | list | dict):
        return value
    return str(value)  # dates, times, decimals, model ids through attname


def field_changes(instance: Any, fields: Iterable[str] | None = None) -> dict[str, list[Any]]:
    """What saving `instance` is about to change, {field: [old, new]}, against its stored row
    (one query; nothing for an instance not saved yet). `fields`: the attribute names to
    compare, by default every concrete field but the key and the ``updated_at`` stamp. For an
    event's ``detail["changes"]``: call it before ``save``."""
    if instance.pk is None:
        return {}
    model = type(instance)
    names = list(fields) if fields is not None else [
        f.attname for f in model._meta.concrete_fields
        if not f.primary_key and f.attname != "updated_at"
    ]  # fmt: skip
    stored = model._default_manager.filter(pk=instance.pk).values(*names).first() or {}
    changes = {}
    for name in names:
        old, new = _comparable(stored.get(name)), _comparable(getattr(instance, name))
        if old != new:
            changes[name] = [old, new]
    return changes


# What a page showed of a person (SubjectView.what): a code the pages label.
VIEW_KINDS = {
    "record": _("registry record"),
    "history": _("training history"),
    "history_export": _("training history (download)"),
    "answers": _("test answers"),
    "report": _("completion report"),
    "certificate": _("certificate"),
    "export": _("download (export)"),
}


def subject_views_record(*, request: HttpRequest, subjects: Iterable[Any], what: str) -> int:
    """閲覧記録: the request's user saw these people's data (`subjects`: registry records —
    anything with ``pk`` and ``user_id`` — and `what`, one of VIEW_KINDS). A person looking at
    their own data is not recorded. One INSERT; returns how many rows were written."""
    user: Any = request.user
    return _views_write(request, sorted({s.pk for s in subjects if s.user_id != user.pk}), what)


def _views_write(request: HttpRequest, ids: list[int], what: str) -> int:
    if what not in VIEW_KINDS:
        raise ValueError(f"unknown kind of view {what!r}")
    user: Any = request.user
    if not ids:
        return 0
    common = {
        "request_id": _request_id(request), "user_id": user.pk,
        "username": user.get_username(), "viewer_name": getattr(user, "full_name", "")[:150],
        "roles": ",".join(sorted(role.value for role in user.roles))[:100],
        "ip_address": client_ip(request), "what": what,
        "path": redact_path(request.path, None)[:300],
    }  # fmt: skip
    SubjectView.objects.bulk_create(
        [SubjectView(subject_id=pk, **common) for pk in ids], batch_size=2000
    )
    return len(ids)


def subjects_digest(ids: Iterable[int]) -> str:
    """A keyed hash (HMAC-SHA256 under a key derived from AUDIT_HEAD_KEY) of a sorted list of
    registry ids: an export's event keeps it, so an auditor holding a list (from a backup, or
    from the person who exported) can prove it was — or was not — the list exported, while the
    event itself names nobody."""
    key = hmac.new(settings.AUDIT_HEAD_KEY.encode(), b"export-subjects", hashlib.sha256).digest()
    body = ",".join(str(i) for i in sorted(set(ids))).encode()
    return hmac.new(key, body, hashlib.sha256).hexdigest()


def export_subjects_record(*, request: HttpRequest, ids: Iterable[int]) -> dict[str, Any]:
    """閲覧記録 of an export: one SubjectView per person in it (``what="export"``, up to
    AUDIT_EXPORT_VIEW_LIMIT people; beyond that, only the count and digest) and, for the
    export's audit event, the number of people and the keyed hash of their ids."""
    unique = sorted(set(ids))
    recorded = 0
    if len(unique) <= settings.AUDIT_EXPORT_VIEW_LIMIT:
        recorded = _views_write(request, unique, "export")
    return {"subjects": len(unique), "subjects_hmac": subjects_digest(unique),
            "views_recorded": recorded}  # fmt: skip


REVIEW_COMMENT_MAX = 2000


@transaction.atomic
def finding_review(*, finding_id: int, actor: Any, comment: str, request: HttpRequest | None = None
                   ) -> Finding:  # fmt: skip
    """An auditor marks a finding reviewed, with what they concluded. Once: a reviewed finding
    is not reviewed again (its review is part of the record). The review is an audit event."""
    from django.core.exceptions import ValidationError

    comment = escape_controls(comment.strip())
    if not comment:
        raise ValidationError(_("Write what you found when you looked into it."))
    if len(comment) > REVIEW_COMMENT_MAX:
        raise ValidationError(_("The comment is too long (at most 2,000 characters)."))
    finding = Finding.objects.select_for_update().get(pk=finding_id)
    if finding.reviewed_at is not None:
        raise ValidationError(_("This finding has already been reviewed."))
    finding.reviewed_at = timezone.now()
    finding.reviewed_by_id = actor.pk
    finding.reviewer_name = getattr(actor, "full_name", "")[:150] or actor.get_username()
    finding.review_comment = comment
    finding.save(update_fields=["reviewed_at", "reviewed_by", "reviewer_name", "review_comment"])
    audit_event_record(
        kind=AuditEventKind.FINDING_REVIEWED, request=request, user=actor,
        detail={"finding": finding.pk, "category": finding.category, "day": str(finding.day),
                "comment": comment},
    )  # fmt: skip
    return finding
