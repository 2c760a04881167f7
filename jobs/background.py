"""Large exports as background jobs (issue 23).

A named export (audit.exports.export_builder) with more than EXPORT_BACKGROUND_ROWS rows is not
made in the request: the request does what every export does — re-authentication, the one-time
password of a protected file, the audit event and 閲覧記録 — then ``export_start`` keeps a job
and sends the person to its page. The job builds the same export again for its owner (their
scope as it is when it runs) from the kept query, writes the file row by row with its progress,
and the file is theirs to download while they hold the permission they asked with. A protected
file's one-time password waits in the job's parameters encrypted (audit.crypto) and is wiped
when the file is made.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from audit.exports import BUILDERS, Export, password_unseal
from jobs.models import Job
from jobs.services import JobResult, Progress, job_kind, job_start
from lib.exports import PROTECTED, export_file, extension_of

EXPORT_JOB = "export"


def export_start(
    request: HttpRequest, name: str, params: dict[str, Any], spec: Export
) -> tuple[HttpResponse, dict[str, Any]]:
    """Keep the job of a large export and send the person to its page (audit.exports'
    background starter). Returns the page and what the export's audit event adds."""
    user: Any = request.user
    permission = next((p for p in BUILDERS[name].permissions if user.has_perm(p)), "")
    job = job_start(
        kind=EXPORT_JOB, owner=user, permission=permission,
        title=_("Download: %(what)s (%(count)s rows)") % {"what": spec.title,
                                                         "count": f"{params['rows']:,}"},
        params={"export": name, **params}, about=f"export:{name}", total=params["rows"],
        link=spec.page,
    )  # fmt: skip
    return redirect("job_detail", pk=job.pk), {"job": job.pk}


class _Counted:
    """The rows as they are written, counted for the progress bar (the total is the count
    when it was asked for; the file holds what there is when the job runs)."""

    def __init__(self, rows: Any, progress: Progress, total: int) -> None:
        self.rows, self.progress, self.total, self.written = rows, progress, total, 0

    def __iter__(self) -> Any:
        for row in self.rows:
            yield row
            self.written += 1
            if self.written % 500 == 0:
                self.progress(min(self.written, self.total), self.total)


@job_kind(EXPORT_JOB)
def export_make(job: Job, progress: Progress) -> JobResult:
    params = job.params
    named = BUILDERS[params["export"]]
    file_format = params["format"]
    password = None
    if file_format == PROTECTED:
        if not params.get("password"):
            raise ValidationError(
                _("The one-time password of this download has been used. Ask for the "
                  "download again from its page to get a new one.")
            )  # fmt: skip
        password = password_unseal(params["password"])
    spec = named.builder(job.owner, QueryDict(params["query"]), **params.get("args", {}))
    total = job.total or params.get("rows", 0)
    progress(0, total)
    rows = _Counted(spec.rows, progress, total)
    spool = export_file(header=spec.header, rows=rows, sheet=spec.sheet,
                        file_format=file_format, password=password)  # fmt: skip
    progress(rows.written, rows.written)
    if password is not None:
        # Used: the password is the person's to keep, not the portal's.
        Job.objects.filter(pk=job.pk).update(params={**params, "password": ""})
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return JobResult(
        content=spool,
        file_name=f"{spec.name}-{stamp}.{extension_of(file_format)}",
        summary=ngettext("%(count)s row is in the file.", "%(count)s rows are in the file.",
                         rows.written) % {"count": f"{rows.written:,}"},
    )  # fmt: skip
