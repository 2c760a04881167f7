"""The registry's kinds of background job (jobs.services): confirming a roster import."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from jobs.models import Job
from jobs.services import JobResult, Progress, job_kind
from lib.imports import StaleImportError
from trainees.roster_import import ROSTER_COMMIT_JOB, roster_import_commit


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
