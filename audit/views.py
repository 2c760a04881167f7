from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from audit import analysis, selectors, services
from audit.exports import export_response
from audit.forms import AccessLogFilterForm, AuditEventFilterForm
from audit.models import AuditEvent, AuditEventKind, Finding
from audit.redaction import redact_path
from lib.access import access
from lib.exports import requested_format

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


# An export is for a question about a period; beyond this, narrow the filter.
EXPORT_LIMIT = 100_000


def _person(user: Any) -> str:
    return f"{user.username} {user.full_name}" if user is not None else ""


def _event_row(e: AuditEvent) -> list[str]:
    return [
        timezone.localtime(e.occurred_at).strftime("%Y/%m/%d %H:%M:%S"),
        e.kind_label,
        e.kind,
        e.username,
        _person(e.subject_user),
        selectors.detail_in_words(e.detail),
        e.login_id,
        e.ip_address or "",
        str(e.request_id or ""),
    ]


@access("audit.view_auditevent")
@require_GET
def events_export(request: HttpRequest) -> HttpResponseBase:
    """The events the filter selects (newest first), as CSV or XLSX — the export itself an event."""
    form = AuditEventFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    events = selectors.audit_event_filter(filters)[:EXPORT_LIMIT]
    header = [_("Time"), _("Event"), _("Event code"), _("Who"), _("About whom"), _("Details"),
              _("Login ID tried"), _("IP address"), _("Request ID")]  # fmt: skip
    rows = (_event_row(e) for e in events.iterator(chunk_size=2000))
    return export_response(
        request,
        name="audit-events",
        sheet=str(_("Audit events")),
        header=[str(h) for h in header],
        rows=rows,
        file_format=requested_format(request),
        kind=AuditEventKind.AUDIT_EXPORTED,
        detail={"filters": sorted(k for k, v in filters.items() if v)},
        personal=True,  # login IDs, names, addresses
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form whose CSRF check failed (CSRF_FAILURE_VIEW): recorded as a forged request — the
    log analysis counts them — then the ordinary 403 page. The reason is Django's own text."""
    services.audit_event_record(
        kind=AuditEventKind.CSRF_REFUSED, request=request, best_effort=True,
        detail={"reason": reason[:200], "path": redact_path(request.path, None)[:300]},
    )  # fmt: skip
    return render(request, "403.html", status=403)
