from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.views.decorators.http import require_GET

from audit import analysis, selectors, services
from audit.background import EVENTS_EXPORT
from audit.exports import export_named
from audit.forms import AccessLogFilterForm, AuditEventFilterForm
from audit.models import AuditEvent, AuditEventKind, Finding
from audit.redaction import redact_path
from lib.access import access

# Far beyond any real log, well within the database's integers (OFFSET is a bigint).
MAX_PAGE = 100_000


def _page_number(request: HttpRequest) -> int:
    try:
        return min(max(int(request.GET.get("page", "1")), 1), MAX_PAGE)
    except ValueError:
        return 1


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@access("audit.view_accesslog")
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "audit/home.html",
        {
            "access_rows": selectors.recent_access(),
            "events": selectors.recent_events(),
            "write_failures": services.write_failures(),
            "verification": selectors.last_verification(),
            "last_run": analysis.last_run(),
            "open_findings": Finding.objects.filter(reviewed_at__isnull=True).count(),
        },
    )


def _search(
    request: HttpRequest,
    form_class: type[forms.Form],
    select: Callable[[dict[str, Any]], QuerySet[Any]],
    template: str,
) -> HttpResponse:
    """A filter form over one audit table, one page of matching rows (newest first)."""
    form = form_class(request.GET or None)
    if form.is_bound and not form.is_valid():
        page = selectors.Page(rows=[], number=1, has_next=False)
    else:
        filters = form.cleaned_data if form.is_bound else {}
        page = selectors.page_of(select(filters), page=_page_number(request))
    return render(
        request, template, {"form": form, "page": page, "query": _query_without_page(request)}
    )


@access("audit.view_accesslog")
@require_GET
def access_log(request: HttpRequest) -> HttpResponse:
    return _search(
        request, AccessLogFilterForm, selectors.access_log_filter, "audit/access_log.html"
    )


@access("audit.view_auditevent")
@require_GET
def events(request: HttpRequest) -> HttpResponse:
    return _search(request, AuditEventFilterForm, selectors.audit_event_filter, "audit/events.html")


@access("audit.view_auditevent")
@require_GET
def events_export(request: HttpRequest) -> HttpResponseBase:
    """The events the filter selects (newest first), as CSV or XLSX — the export itself an event
    (audit/background.py builds the file; a large one is made by a background job)."""
    latest = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    return export_named(request, EVENTS_EXPORT, until=latest or 0)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form whose CSRF check failed (CSRF_FAILURE_VIEW): recorded as a forged request — the
    log analysis counts them — then the ordinary 403 page. The reason is Django's own text."""
    services.audit_event_record(
        kind=AuditEventKind.CSRF_REFUSED, request=request, best_effort=True,
        detail={"reason": reason[:200], "path": redact_path(request.path, None)[:300]},
    )  # fmt: skip
    return render(request, "403.html", status=403)
