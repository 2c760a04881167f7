"""状態の一括変更: HR uploads a list of a session's people with what becomes of their place →
preview (errors by line, or each change before → after) → confirm, all or nothing."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from courses.models import Session
from enrollments.models import Enrollment, PlaceStatusImport
from enrollments.status_import import planned, status_import_commit, status_import_preview
from lib.access import access
from lib.imports import StaleImportError
from lib.messages import refused
from trainees.forms import TableUploadForm
from trainees.http import AuthenticatedHttpRequest
from trainees.roles import HR_CONSOLE


class StatusListForm(TableUploadForm):
    file = forms.FileField(
        label=gettext_lazy("List of places to change"),
        help_text=gettext_lazy(
            "CSV (UTF-8 or Shift_JIS/CP932) or Excel (.xlsx) with the columns 職員番号, 状態 and "
            "理由. 状態: 修了, 未修了, 自動 (back to the course's rules) or 取消."
        ),
    )


@access(HR_CONSOLE)
@require_http_methods(["GET", "POST"])
def status_imports(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(Session.objects.select_related("course"), pk=pk)
    form = StatusListForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        record = status_import_preview(
            session=session, data=upload.read(), file_name=upload.name,
            encoding=form.cleaned_data["encoding"], uploaded_by=request.user,
        )  # fmt: skip
        return redirect("status_import_detail", pk=record.pk)
    return render(request, "enrollments/status_imports.html", {
        "session": session, "course": session.course, "form": form,
        "imports": session.status_imports.select_related("uploaded_by")[:20],
    })  # fmt: skip


@access(HR_CONSOLE)
@require_http_methods(["GET"])
def status_import_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(
        PlaceStatusImport.objects.select_related("session__course", "uploaded_by",
                                                 "committed_by"), pk=pk,
    )  # fmt: skip
    plan = planned(record)
    changes = [row for row in plan if row.changed]
    shown = changes[:300]
    places = Enrollment.objects.select_related("trainee").in_bulk(
        {row.enrollment_id for row in shown}
    )
    return render(request, "enrollments/status_import_detail.html", {
        "record": record, "session": record.session, "course": record.session.course,
        "changes": [(row, places.get(row.enrollment_id)) for row in shown],
        "changed": len(changes), "unchanged": len(plan) - len(changes),
        "more": max(0, len(changes) - len(shown)),
    })  # fmt: skip


@access(HR_CONSOLE)
@require_POST
def status_import_confirm(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(PlaceStatusImport, pk=pk)
    try:
        changed = status_import_commit(record=record, actor=request.user)
    except ValidationError as exc:
        refused(request, exc)
    except StaleImportError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, ngettext(
            "Applied: %(count)s place changed.", "Applied: %(count)s places changed.", changed,
        ) % {"count": changed})  # fmt: skip
    return redirect("status_import_detail", pk=record.pk)
