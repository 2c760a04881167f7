"""HR erases one person on request (after re-authentication); auditors list the deletion
reports, download them, and check whether a named person was erased."""

from __future__ import annotations

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from audit.services import audit_event_record
from lib.access import access
from lib.messages import form_errors, refused
from lifecycle import services
from lifecycle.forms import ErasedCheckForm, EraseForm
from lifecycle.models import DeletionReport, Erasure
from trainees.http import AuthenticatedHttpRequest
from trainees.models import Trainee
from trainees.roles import HR_CONSOLE

AUDITORS = "lifecycle.view_deletionreport"


@access(HR_CONSOLE)
@require_POST
@reauthentication_required
def trainee_erase(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    trainee = get_object_or_404(Trainee.objects.select_related("organisation"), pk=pk)
    form = EraseForm(request.POST)
    if not form.is_valid():
        form_errors(request, form)
        return redirect("trainee_detail", pk=pk)
    try:
        report = services.trainee_erase(trainee=trainee, actor=request.user, request=request,
                                        reason=form.cleaned_data["reason"])  # fmt: skip
    except ValidationError as exc:
        refused(request, exc)
        return redirect("trainee_detail", pk=pk)
    messages.success(request, _("The person's personal data has been erased (deletion report "
                                "no. %(number)s).") % {"number": report.number})  # fmt: skip
    return redirect("trainee_list")


@access(AUDITORS)
@require_GET
def deletion_reports(request: HttpRequest) -> HttpResponse:
    form = ErasedCheckForm(request.GET or None)
    found = None
    if form.is_bound and form.is_valid():
        digest = services.person_hash(form.cleaned_data["staff_number"],
                                      form.cleaned_data["organisation_code"].strip())  # fmt: skip
        found = list(Erasure.objects.filter(person_hash=digest).select_related("report"))
    return render(request, "lifecycle/deletion_reports.html", {
        "reports": DeletionReport.objects.defer("pdf", "csv")[:200], "form": form,
        "found": found,
    })  # fmt: skip


@access(AUDITORS)
@require_GET
def deletion_report_download(request: HttpRequest, pk: int, file_format: str) -> HttpResponse:
    report = get_object_or_404(DeletionReport, pk=pk)
    if file_format not in ("pdf", "csv"):
        raise Http404
    audit_event_record(kind="lifecycle.report_downloaded", request=request,
                       detail={"report": report.pk, "format": file_format})  # fmt: skip
    body = bytes(report.pdf if file_format == "pdf" else report.csv)
    response = HttpResponse(
        body, content_type="application/pdf" if file_format == "pdf" else "text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="deletion-report-{report.number}.{file_format}"'
    )
    return response
