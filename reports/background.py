"""The reports' kinds of background job (jobs.services)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import ngettext

from courses.models import Session
from jobs.models import Job
from jobs.services import JobResult, Progress, job_kind
from lib.imports import StaleImportError
from reports import services
from reports.history_import import HISTORY_COMMIT_JOB, history_import_commit
from reports.models import HistoryImport


@job_kind(services.CERTIFICATE_JOB)
def certificates(job: Job, progress: Progress) -> JobResult:
    session = Session.objects.select_related("course").get(pk=job.params["session"])
    return services.certificate_batch_build(
        session=session, file_format=job.params["format"], actor=job.owner, progress=progress
    )


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
