"""The auditors' pages of the log analysis (issue 20): the findings and their review, the
monthly reports (定期的な分析の記録) and the checklist page (個人情報保護対策の状況)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from audit import analysis, checklist, monthly, services
from audit.forms import FindingFilterForm, FindingReviewForm, MonthForm
from audit.models import AuditEventKind, Finding, MonthlyReport
from lib.access import access
from lib.messages import form_errors, refused


@dataclass
class FindingLine:
    finding: Finding
    label: Any
    evidence_url: str


_EVIDENCE_URL = {"access": "audit:access_log", "events": "audit:events", "home": "audit:home"}


def _evidence_link(finding: Finding) -> str:
    where, query = analysis.evidence(finding)
    url = reverse(_EVIDENCE_URL[where])
    return f"{url}?{urlencode(query)}" if query else url


@access("audit.view_finding")
@require_GET
def findings(request: HttpRequest) -> HttpResponse:
    form = FindingFilterForm(request.GET or None)
    filters: dict[str, Any] = form.cleaned_data if form.is_bound and form.is_valid() else {}
    rows = Finding.objects.order_by("-day", "category", "key")
    state = filters.get("state") or "open"
    if state == "open":
        rows = rows.filter(reviewed_at__isnull=True)
    elif state == "reviewed":
        rows = rows.filter(reviewed_at__isnull=False)
    if filters.get("category"):
        rows = rows.filter(category=filters["category"])
    if filters.get("month"):
        first = filters["month"].replace(day=1)
        rows = rows.filter(day__gte=first, day__lt=(first + datetime.timedelta(32)).replace(day=1))
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    lines = [
        FindingLine(f, analysis.CATEGORIES.get(f.category, f.category), _evidence_link(f))
        for f in page
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "audit/findings.html", {
        "form": form, "page": page, "lines": lines, "query": query.urlencode(),
        "last_run": analysis.last_run(),
        "can_review": request.user.has_perm("audit.change_finding"),
    })  # fmt: skip


@access("audit.change_finding")
@require_POST
def finding_review(request: HttpRequest, pk: int) -> HttpResponse:
    finding = get_object_or_404(Finding, pk=pk)
    form = FindingReviewForm(request.POST)
    if not form.is_valid():
        form_errors(request, form)
    else:
        try:
            services.finding_review(finding_id=finding.pk, actor=request.user, request=request,
                                    comment=form.cleaned_data["comment"])  # fmt: skip
        except ValidationError as exc:
            refused(request, exc)
        else:
            messages.success(request, _("The finding is marked reviewed."))
    # Back to the same filtered list (only its own query, re-encoded: never another address).
    back = QueryDict(request.POST.get("back", "")).urlencode()
    return redirect(f"{reverse('audit:findings')}?{back}")


@access("audit.view_monthlyreport")
@require_GET
def reports(request: HttpRequest) -> HttpResponse:
    kept = MonthlyReport.objects.defer("pdf", "csv").order_by("-month", "-made_at")[:120]
    return render(request, "audit/reports.html", {
        "reports": kept, "form": MonthForm(initial={"month": monthly.previous_month()}),
    })  # fmt: skip


@access("audit.view_monthlyreport")
@require_POST
def report_make(request: HttpRequest) -> HttpResponse:
    form = MonthForm(request.POST)
    if not form.is_valid():
        form_errors(request, form)
        return redirect("audit:reports")
    month = form.cleaned_data["month"].replace(day=1)
    if month > timezone.localdate():
        messages.error(request, _("That month has not begun."))
        return redirect("audit:reports")
    report = monthly.make(month, made_by=request.user.get_username())
    services.audit_event_record(
        kind=AuditEventKind.MONTHLY_REPORT_MADE,
        request=request,
        detail={"month": f"{month:%Y-%m}", "report": report.pk},
    )
    messages.success(request, _("The report for %(month)s is made.") % {"month": f"{month:%Y-%m}"})
    return redirect("audit:reports")


def _document(request: HttpRequest, *, body: bytes, name: str, content_type: str,
              detail: dict[str, Any]) -> HttpResponse:  # fmt: skip
    services.audit_event_record(kind=AuditEventKind.AUDIT_DOCUMENT_DOWNLOADED, request=request,
                                detail=detail)  # fmt: skip
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@access("audit.view_monthlyreport")
@require_GET
def report_download(request: HttpRequest, pk: int, file_format: str) -> HttpResponse:
    report = get_object_or_404(MonthlyReport, pk=pk)
    if file_format not in ("pdf", "csv"):
        raise Http404
    body = bytes(report.pdf if file_format == "pdf" else report.csv)
    content_type = "application/pdf" if file_format == "pdf" else "text/csv; charset=utf-8"
    return _document(request, body=body, content_type=content_type,
                     name=f"audit-report-{report.month:%Y-%m}.{file_format}",
                     detail={"report": report.pk, "month": f"{report.month:%Y-%m}",
                             "format": file_format})  # fmt: skip


@access("audit.view_finding")
@require_GET
def checklist_page(request: HttpRequest) -> HttpResponse:
    if request.GET.get("format") == "pdf":
        with translation.override("ja"):
            lines = checklist.lines(request)
            body = checklist.render_pdf(lines, made_at=timezone.now())
        return _document(request, body=body, content_type="application/pdf",
                         name=f"checklist-{timezone.localdate():%Y%m%d}.pdf",
                         detail={"document": "checklist"})  # fmt: skip
    return render(request, "audit/checklist.html", {"lines": checklist.lines(request)})
