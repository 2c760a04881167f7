"""The registry's kinds of background job (jobs.services): confirming a roster import; and its
export, named so a large one is made by a job (audit.exports.export_builder)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _

from audit.exports import Export, export_builder, page_link
from jobs.models import Job
from jobs.services import JobResult, Progress, job_kind, job_upload
from lib.imports import StaleImportError, problems_summary
from trainees import exports, selectors
from trainees.audit_kinds import TraineesEventKind
from trainees.forms import trainee_search_form
from trainees.models import Organisation
from trainees.roles import COORDINATOR_PAGES, HR_CONSOLE
from trainees.roster_import import (
    ROSTER_COMMIT_JOB,
    ROSTER_PREVIEW_JOB,
    roster_import_commit,
    roster_import_preview,
)

REGISTRY_EXPORT = "trainees"


@job_kind(ROSTER_PREVIEW_JOB)
def roster_preview(job: Job, progress: Progress) -> JobResult:
    """A large roster file checked against the registry; the result is its preview."""
    params = job.params
    chosen = params.get("organisation")
    record = roster_import_preview(
        data=job_upload(job), file_name=params["file_name"], mode=params["mode"],
        organisation=Organisation.objects.get(pk=chosen) if chosen else None,
        encoding=params["encoding"], uploaded_by=job.owner,
    )  # fmt: skip
    if record.errors:
        summary = problems_summary(len(record.errors))
    else:
        summary = _("Checked: %(created)s to add, %(updated)s to change, %(deactivated)s to "
                    "disable. Look through the preview, then import it.") % {
            "created": record.created, "updated": record.updated,
            "deactivated": record.deactivated}  # fmt: skip
    return JobResult(link=reverse("roster_import_detail", args=[record.pk]), summary=summary)


@job_kind(ROSTER_COMMIT_JOB, atomic=False)  # the import's confirmation is all or nothing itself
def roster_commit(job: Job, progress: Progress) -> JobResult:
    try:
        record = roster_import_commit(
            roster_import_id=job.params["import"], committed_by=job.owner,
            confirm_privileged=job.params.get("confirm_privileged", False),
        )  # fmt: skip
    except StaleImportError as exc:
        raise ValidationError(str(exc)) from exc
    counts = {kind: 0 for kind in ("created", "updated", "deactivated")}
    for kind in record.changes.values_list("kind", flat=True):
        counts[kind] = counts.get(kind, 0) + 1
    return JobResult(
        link=reverse("roster_import_detail", args=[record.pk]),
        summary=_("The roster has been imported: %(created)s added, %(updated)s changed, "
                  "%(deactivated)s disabled.") % counts,
    )  # fmt: skip


@export_builder(REGISTRY_EXPORT, permissions=[HR_CONSOLE, COORDINATOR_PAGES])
def registry_export(user: Any, query: QueryDict) -> Export:
    """The registry as its search selects it, within what the person may see."""
    _form, filters, _own = trainee_search_form(user, query)
    queryset = selectors.trainee_search(selectors.trainee_scope(user), filters)
    return Export(
        name="trainees", sheet="職員名簿", header=exports.HEADER, rows=exports.rows(queryset),
        kind=TraineesEventKind.TRAINEES_EXPORTED, title=_("the staff registry"),
        detail={"filters": sorted(k for k, v in filters.items() if v)},
        count=queryset.count(), subjects=queryset.values_list("pk", flat=True),
        page=page_link(reverse("trainee_list"), query),
    )  # fmt: skip
