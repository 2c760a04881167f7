"""The reports' kinds of background job (jobs.services), and the chase list's export named so
a long one is made by a job (audit.exports.export_builder)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from audit.exports import Export, export_builder
from courses.models import Course, Session
from jobs.models import Job
from jobs.services import JobResult, Progress, job_kind, job_upload
from lib.imports import StaleImportError, problems_summary
from reports import dashboards, services
from reports.audit_kinds import ReportsEventKind
from reports.forms import DepartmentForm
from reports.history_import import (
    HISTORY_COMMIT_JOB,
    HISTORY_PREVIEW_JOB,
    history_import_commit,
    history_import_preview,
)
from reports.models import HistoryImport
from trainees.roles import COORDINATOR_PAGES, HR_CONSOLE

CHASE_EXPORT = "chase"


@job_kind(services.CERTIFICATE_JOB)
def certificates(job: Job, progress: Progress) -> JobResult:
    session = Session.objects.select_related("course").get(pk=job.params["session"])
    return services.certificate_batch_build(
        session=session, file_format=job.params["format"], actor=job.owner, progress=progress
    )


@job_kind(HISTORY_PREVIEW_JOB)
def history_preview(job: Job, progress: Progress) -> JobResult:
    """A large history file checked; the result is its preview."""
    record = history_import_preview(
        data=job_upload(job), file_name=job.params["file_name"],
        encoding=job.params["encoding"], uploaded_by=job.owner,
    )  # fmt: skip
    if record.errors:
        summary = problems_summary(len(record.errors))
    else:
        summary = ngettext(
            "Checked: %(count)s record to add. Look through the preview, then add it.",
            "Checked: %(count)s records to add. Look through the preview, then add them.",
            record.rows,
        ) % {"count": record.rows}
    return JobResult(link=reverse("history_import_detail", args=[record.pk]), summary=summary)


@job_kind(HISTORY_COMMIT_JOB, atomic=False)  # the import's confirmation is all or nothing itself
def history_commit(job: Job, progress: Progress) -> JobResult:
    record = HistoryImport.objects.get(pk=job.params["import"])
    try:
        added = history_import_commit(record=record, actor=job.owner)
    except StaleImportError as exc:
        raise ValidationError(str(exc)) from exc
    return JobResult(
        link=reverse("history_import_detail", args=[record.pk]),
        summary=ngettext("%(count)s record was added to the history.",
                         "%(count)s records were added to the history.", added)
        % {"count": added},
    )  # fmt: skip


@export_builder(CHASE_EXPORT, permissions=[HR_CONSOLE, COORDINATOR_PAGES])
def chase_export(user: Any, query: QueryDict, *, course: int) -> Export:
    """Who has yet to complete a course (the compliance dashboard's chase list), within what
    the person may see, for one department if the query names it."""
    chosen = Course.objects.get(pk=course)
    form = DepartmentForm(query or None)
    department = form.cleaned_data.get("department") if form.is_valid() else None
    members = dashboards.chase_members(chosen, dashboards.scope_ids(user), department)
    page = reverse("dashboard_chase", args=[chosen.pk])
    return Export(
        name=f"chase-{chosen.code}", sheet=chosen.code, header=dashboards.CHASE_HEADER,
        rows=dashboards.chase_rows(members, chosen), count=members.count(),
        kind=ReportsEventKind.DASHBOARD_EXPORTED,
        detail={"dashboard": "chase", "course": chosen.pk},
        subjects=members.values_list("trainee_id", flat=True),
        title=_("staff yet to complete %(course)s") % {"course": chosen.title},
        page=f"{page}?department={department}" if department else page,
    )  # fmt: skip
