"""Training history pages (受講履歴): the trainee's own (受講履歴確認), and any trainee's for HR
— with the records HR keeps (受講履歴管理) — or for a coordinator within their organisations;
on screen, as CSV/XLSX and as PDF."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.exports import export_response, require_recent_password
from audit.services import audit_event_record, subject_views_record
from lib.access import access
from lib.exports import requested_format
from lib.messages import refused
from lib.replica import replica_reads
from reports import selectors, services
from reports.access import trainee_in_scope_or_404
from reports.audit_kinds import ReportsEventKind
from reports.documents import history_pdf
from reports.forms import HistoryFilterForm, HistoryRecordForm, RemoveRecordForm
from reports.models import HistoryRecord
from trainees.http import AuthenticatedHttpRequest
from trainees.models import Trainee
from trainees.roles import COORDINATOR_PAGES, HR_CONSOLE, TRAINEE_PAGES
from trainees.selectors import trainee_of


def _filtered(
    request: AuthenticatedHttpRequest, trainee: Trainee | None
) -> tuple[HistoryFilterForm, list]:
    form = HistoryFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = (
        selectors.trainee_history(
            trainee,
            fiscal_year=filters.get("fiscal_year"),
            category=filters.get("category", ""),
        )
        if trainee
        else []
    )
    return form, rows


def _pdf_response(trainee: Trainee, rows: list, name: str) -> HttpResponse:
    response = HttpResponse(
        history_pdf(trainee, rows, selectors.hours_by_year(rows)), content_type="application/pdf"
    )
    stamp = timezone.localtime().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.pdf"'
    return response


@access(TRAINEE_PAGES)
@require_GET
@replica_reads
def my_history(request: AuthenticatedHttpRequest) -> HttpResponse:
    """受講履歴確認: everything the person has taken, every fiscal year."""
    form, rows = _filtered(request, trainee_of(request.user))
    return render(
        request,
        "reports/my_history.html",
        {
            "form": form,
            "rows": rows,
            "hours": selectors.hours_by_year(rows),
            "query": request.GET.urlencode(),
        },
    )


@access(TRAINEE_PAGES)
@require_GET
@replica_reads
def my_history_export(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    trainee = trainee_of(request.user)
    _form, rows = _filtered(request, trainee)
    return _download(request, trainee, rows, name="my-history", detail={"own": True},
                     personal=False)  # one's own: no password asked again  # fmt: skip


def _download(
    request: AuthenticatedHttpRequest,
    trainee: Trainee | None,
    rows: list,
    *,
    name: str,
    detail: dict,
    personal: bool = True,
) -> HttpResponseBase:
    """The history as PDF (?format=pdf) or through the export writer; audited either way."""
    if request.GET.get("format") == "pdf" and trainee is not None:
        audit_event_record(
            kind=ReportsEventKind.HISTORY_EXPORTED,
            request=request,
            detail={**detail, "format": "pdf", "rows": len(rows)},
        )
        return _pdf_response(trainee, rows, name)
    header, table = selectors.history_table(rows)
    return export_response(
        request,
        name=name,
        sheet=_("Training history"),
        header=header,
        rows=table,
        file_format=requested_format(request),
        kind=ReportsEventKind.HISTORY_EXPORTED,
        detail=detail,
        personal=personal,
    )


@access(HR_CONSOLE, COORDINATOR_PAGES)
@require_GET
@replica_reads
def trainee_history(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """受講履歴管理: a trainee's whole history, with the records HR keeps and their changes."""
    trainee = trainee_in_scope_or_404(request, pk)
    subject_views_record(request=request, subjects=[trainee], what="history")
    form, rows = _filtered(request, trainee)
    is_hr = request.user.has_perm(HR_CONSOLE)
    return render(
        request,
        "reports/trainee_history.html",
        {
            "trainee": trainee,
            "form": form,
            "rows": rows,
            "hours": selectors.hours_by_year(rows),
            "query": request.GET.urlencode(),
            "is_hr": is_hr,
            "changes": selectors.history_record_changes(trainee)[:50] if is_hr else [],
        },
    )


@access(HR_CONSOLE, COORDINATOR_PAGES)
@require_GET
@replica_reads
def trainee_history_export(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    trainee = trainee_in_scope_or_404(request, pk)
    require_recent_password(request)
    subject_views_record(request=request, subjects=[trainee], what="history_export")
    _form, rows = _filtered(request, trainee)
    return _download(
        request, trainee, rows, name=f"history-{trainee.staff_number}",
        detail={"trainee": trainee.pk},
    )  # fmt: skip


@access(HR_CONSOLE)
@require_http_methods(["GET", "POST"])
def record_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    trainee = get_object_or_404(Trainee.objects.select_related("organisation"), pk=pk)
    form = HistoryRecordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        reason = data.pop("reason")
        try:
            services.history_record_add(
                trainee=trainee, data=data, reason=reason, actor=request.user
            )
        except ValidationError as exc:
            refused(request, exc)
        else:
            messages.success(request, _("The training was added to the history."))
        return redirect("trainee_history", pk=trainee.pk)
    return render(
        request,
        "reports/record_form.html",
        {"trainee": trainee, "form": form, "record": None},
    )


def _record(pk: int) -> HistoryRecord:
    return get_object_or_404(
        HistoryRecord.objects.select_related("trainee__organisation"),
        pk=pk,
        removed_at__isnull=True,
    )


@access(HR_CONSOLE)
@require_http_methods(["GET", "POST"])
def record_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    record = _record(pk)
    form = HistoryRecordForm(request.POST or None, instance=record)
    remove_form = RemoveRecordForm()
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        reason = data.pop("reason")
        # The form wrote the new values onto `record`: the service compares with the stored row.
        try:
            changed = services.history_record_correct(
                record=HistoryRecord(pk=record.pk), data=data, reason=reason, actor=request.user
            )
        except ValidationError as exc:
            refused(request, exc)
        else:
            if changed:
                messages.success(request, _("The record was corrected."))
            else:
                messages.info(request, _("Nothing was changed."))
        return redirect("trainee_history", pk=record.trainee_id)
    return render(
        request,
        "reports/record_form.html",
        {"trainee": record.trainee, "form": form, "record": record, "remove_form": remove_form},
    )


@access(HR_CONSOLE)
@require_POST
def record_remove(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    record = _record(pk)
    form = RemoveRecordForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the record is removed."))
        return redirect("history_record_edit", pk=record.pk)
    try:
        services.history_record_remove(
            record=record, reason=form.cleaned_data["reason"], actor=request.user
        )
    except ValidationError as exc:
        refused(request, exc)
    else:
        messages.success(request, _("The record was removed from the history."))
    return redirect("trainee_history", pk=record.trainee_id)
