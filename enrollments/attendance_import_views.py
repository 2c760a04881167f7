"""出欠の一括取込: HR uploads a session's filled-in sign-in sheet → preview (errors by line, or
each change before → after) → confirm. Nothing is recorded before the confirmation, and then
every line or none."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from courses.models import Session, SessionDay
from enrollments.attendance_import import (
    attendance_import_commit,
    attendance_import_preview,
    planned,
)
from enrollments.models import AttendanceImport, Enrollment
from lib.access import access
from lib.imports import StaleImportError
from lib.messages import refused
from trainees.forms import TableUploadForm
from trainees.http import AuthenticatedHttpRequest
from trainees.roles import HR_CONSOLE


class SheetUploadForm(TableUploadForm):
    file = forms.FileField(
        label=gettext_lazy("Filled-in sign-in sheet"),
        help_text=gettext_lazy(
            "The sheet downloaded from this page, as CSV (UTF-8 or Shift_JIS/CP932) or Excel "
            "(.xlsx). 出欠: 出席 (○), 欠席 (×), 遅刻 or 早退; 遅刻・早退（分）: the minutes missed."
        ),
    )


@access(HR_CONSOLE)
@require_http_methods(["GET", "POST"])
def attendance_imports(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(Session.objects.select_related("course"), pk=pk)
    form = SheetUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        record = attendance_import_preview(
            session=session, data=upload.read(), file_name=upload.name,
            encoding=form.cleaned_data["encoding"], uploaded_by=request.user,
        )  # fmt: skip
        return redirect("attendance_import_detail", pk=record.pk)
    return render(request, "enrollments/attendance_imports.html", {
        "session": session, "course": session.course, "form": form,
        "imports": session.attendance_imports.select_related("uploaded_by")[:20],
    })  # fmt: skip


@access(HR_CONSOLE)
@require_http_methods(["GET"])
def attendance_import_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(
        AttendanceImport.objects.select_related("session__course", "uploaded_by", "committed_by"),
        pk=pk,
    )
    plan = planned(record)
    changes = [row for row in plan if row.changed]
    shown = changes[:300]
    places = Enrollment.objects.select_related("trainee").in_bulk(
        {row.enrollment_id for row in shown}
    )
    days = SessionDay.objects.in_bulk({row.day_id for row in shown})
    return render(request, "enrollments/attendance_import_detail.html", {
        "record": record, "session": record.session, "course": record.session.course,
        "changes": [(row, places.get(row.enrollment_id), days.get(row.day_id)) for row in shown],
        "changed": len(changes), "unchanged": len(plan) - len(changes),
        "more": max(0, len(changes) - len(shown)),
    })  # fmt: skip


@access(HR_CONSOLE)
@require_POST
def attendance_import_confirm(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(AttendanceImport, pk=pk)
    try:
        changed = attendance_import_commit(record=record, actor=request.user)
    except ValidationError as exc:
        refused(request, exc)
    except StaleImportError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, ngettext(
            "Attendance recorded: %(count)s mark changed.",
            "Attendance recorded: %(count)s marks changed.", changed,
        ) % {"count": changed})  # fmt: skip
    return redirect("attendance_import_detail", pk=record.pk)
