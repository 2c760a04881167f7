"""HR's bulk import of past history: upload → preview (errors by line, or what will be added)
→ confirm. Nothing is written before the confirmation, and then everything or nothing."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from lib.access import access
from lib.messages import refused
from reports.history_import import (
    history_import_commit_start,
    history_import_preview,
    history_import_preview_start,
    planned,
)
from reports.models import HistoryImport
from trainees.forms import TableUploadForm
from trainees.http import AuthenticatedHttpRequest
from trainees.models import Trainee
from trainees.roles import HR_CONSOLE


class HistoryUploadForm(TableUploadForm):
    file = forms.FileField(
        label=gettext_lazy("History file"),
        help_text=gettext_lazy(
            "CSV (UTF-8 or Shift_JIS/CP932) or Excel (.xlsx). Columns: 職員番号, 年度, 研修名, "
            "実施機関, 区分, 初日, 最終日, 時間, 結果, 備考."
        ),
    )


@access(HR_CONSOLE)
@require_http_methods(["GET", "POST"])
def history_imports(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = HistoryUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        # A large file is checked by a background job (IMPORT_BACKGROUND_BYTES).
        large = upload.size > settings.IMPORT_BACKGROUND_BYTES
        made = (history_import_preview_start if large else history_import_preview)(
            data=upload.read(),
            file_name=upload.name,
            encoding=form.cleaned_data["encoding"],
            uploaded_by=request.user,
        )
        return redirect("job_detail" if large else "history_import_detail", pk=made.pk)
    return render(
        request,
        "reports/history_imports.html",
        {"form": form, "imports": HistoryImport.objects.select_related("uploaded_by")[:20]},
    )


@access(HR_CONSOLE)
@require_http_methods(["GET"])
def history_import_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(
        HistoryImport.objects.select_related("uploaded_by", "committed_by"), pk=pk
    )
    plan = planned(record)
    preview = plan[:200]
    people = Trainee.objects.in_bulk({row.trainee_id for row in preview})
    return render(
        request,
        "reports/history_import_detail.html",
        {
            "record": record,
            "preview": [(row, people.get(row.trainee_id)) for row in preview],
            "more": max(0, len(plan) - len(preview)),
        },
    )


@access(HR_CONSOLE)
@require_POST
def history_import_confirm(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(HistoryImport.objects.defer("plan"), pk=pk)
    try:
        job = history_import_commit_start(record=record, actor=request.user)
    except ValidationError as exc:
        refused(request, exc)
        return redirect("history_import_detail", pk=record.pk)
    return redirect("job_detail", pk=job.pk)
