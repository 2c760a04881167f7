from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from audit import selectors, services
from audit.forms import AccessLogFilterForm, AuditEventFilterForm


def _page_number(request: HttpRequest) -> int:
    try:
        return int(request.GET.get("page", "1"))
    except ValueError:
        return 1


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@require_GET
@login_required
@permission_required("audit.view_accesslog", raise_exception=True)
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "audit/home.html",
        {
            "access_rows": selectors.recent_access(),
            "events": selectors.recent_events(),
            "write_failures": services.write_failures(),
        },
    )


@require_GET
@login_required
@permission_required("audit.view_accesslog", raise_exception=True)
def access_log(request: HttpRequest) -> HttpResponse:
    form = AccessLogFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        page = selectors.Page(rows=[], number=1, has_next=False)
    else:
        filters = form.cleaned_data if form.is_bound else {}
        page = selectors.page_of(selectors.access_log_filter(filters), page=_page_number(request))
    return render(
        request,
        "audit/access_log.html",
        {"form": form, "page": page, "query": _query_without_page(request)},
    )


@require_GET
@login_required
@permission_required("audit.view_auditevent", raise_exception=True)
def events(request: HttpRequest) -> HttpResponse:
    form = AuditEventFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        page = selectors.Page(rows=[], number=1, has_next=False)
    else:
        filters = form.cleaned_data if form.is_bound else {}
        page = selectors.page_of(selectors.audit_event_filter(filters), page=_page_number(request))
    return render(
        request,
        "audit/events.html",
        {"form": form, "page": page, "query": _query_without_page(request)},
    )
