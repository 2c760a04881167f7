"""A job's page (progress that updates itself, then its result), its status for the page's
script, its file, and the person's list of jobs. Only the person who asked sees a job — and
only while they still hold the permission it needed."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from jobs import services
from jobs.models import Job
from lib.access import access


def _own_job(request: HttpRequest, pk: int) -> Job:
    job = get_object_or_404(Job, pk=pk, owner=request.user)
    if job.permission and not request.user.has_perm(job.permission):
        raise Http404
    return job


def _status(job: Job) -> dict[str, object]:
    done, total = services.progress_of(job)
    return {
        "state": job.state,
        "label": _("%(state)s: %(done)s of %(total)s")
        % {"state": job.get_state_display(), "done": done, "total": total},
        "done": done,
        "total": total,
        "percent": min(100, round(done * 100 / total)) if total else 0,
        "finished": job.finished,
    }


@access()
@require_GET
def job_list(request: HttpRequest) -> HttpResponse:
    jobs = [job for job in services.jobs_for(user=request.user, limit=50)
            if not job.permission or request.user.has_perm(job.permission)]  # fmt: skip
    return render(request, "jobs/job_list.html", {"jobs": jobs})


@access()
@require_GET
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _own_job(request, pk)
    return render(request, "jobs/job_detail.html", {"job": job, "status": _status(job)})


@access()
@require_GET
def job_status(request: HttpRequest, pk: int) -> JsonResponse:
    response = JsonResponse(_status(_own_job(request, pk)))
    response["Cache-Control"] = "no-store"
    return response


@access()
@require_GET
def job_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    job = _own_job(request, pk)
    if job.state != Job.State.DONE or not job.file:
        raise Http404
    return FileResponse(job.file.open("rb"), as_attachment=True, filename=job.file_name)


@access()
@require_POST
def job_again(request: HttpRequest, pk: int) -> HttpResponse:
    job = _own_job(request, pk)
    if job.state != Job.State.FAILED:
        return redirect("job_detail", pk=job.pk)
    return redirect("job_detail", pk=services.job_again(job=job, actor=request.user).pk)
