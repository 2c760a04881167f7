"""Long work a person waits on, run in the background through one mechanism.

An app names a kind of job with ``@job_kind`` in its ``background.py``: a function that gets the
job (its ``params``) and a ``Progress`` to report to, does the work, and returns a ``JobResult``
(a file to download, or a page to go to). ``job_start`` keeps the row and hands it to a Celery
worker after commit; the page the person is sent to shows the progress and updates itself.

- Nothing half-written: the work runs in one transaction; if it fails, what it wrote is rolled
  back and the job says why (a ValidationError's own words, otherwise a plain apology — the
  exception's text may hold personal data, so only its type is logged).
- Progress is kept in the cache (the work's transaction is not visible to others until it
  ends), the state in the row.
- One run: a worker claims the row with a conditional UPDATE. A dispatch lost with the broker
  down, or a worker killed mid-job (the job stays 'running' past its lease), is picked up again
  by ``jobs_sweep`` (Celery beat, every minute).
- When it ends, ``jobs.events.job_finished`` is sent: the owner gets an inbox notice.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jobs.events import job_finished
from jobs.models import Job
from lib.tasks import task_named

logger = logging.getLogger(__name__)

RUN_TASK = "jobs.tasks.run_jobs"
# A job left 'queued' this long was never picked up (the broker was down at its dispatch).
QUEUED_GRACE = datetime.timedelta(minutes=2)
MAX_ATTEMPTS = 3


@dataclass
class JobResult:
    """What a job made: a file to download (bytes or an open binary file), and/or a page to go
    to, with one line saying what came out."""

    content: bytes | IO[bytes] | None = None
    file_name: str = ""
    link: str = ""
    summary: str = ""


Handler = Callable[[Job, "Progress"], JobResult]


@dataclass(frozen=True)
class Kind:
    handler: Handler
    # Run in one transaction (False: the work keeps its own all-or-nothing, e.g. an import's
    # confirmation, whose outermost transaction is durable).
    atomic: bool


KINDS: dict[str, Kind] = {}


def job_kind(name: str, *, atomic: bool = True) -> Callable[[Handler], Handler]:
    """Register the function that does the work of jobs of this kind."""

    def register(handler: Handler) -> Handler:
        if name in KINDS and KINDS[name].handler is not handler:
            raise ImproperlyConfiguredJob(name)
        KINDS[name] = Kind(handler, atomic)
        return handler

    return register


class ImproperlyConfiguredJob(Exception):
    """Two functions claim one kind of job."""


def _progress_key(job_id: int) -> str:
    return f"jobs:progress:{job_id}"


class Progress:
    """How far the work got, written to the cache at most every half second (and at the end)."""

    INTERVAL = 0.5

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self.done = 0
        self.total = 0
        self._written = 0.0

    def __call__(self, done: int, total: int | None = None) -> None:
        self.done = done
        if total is not None:
            self.total = total
        now = time.monotonic()
        if now - self._written >= self.INTERVAL or (self.total and done >= self.total):
            self._written = now
            cache.set(_progress_key(self.job_id), [self.done, self.total], 24 * 3600)


def progress_of(job: Job) -> tuple[int, int]:
    """(done, total) as far as anyone can see now."""
    if job.state == Job.State.RUNNING:
        seen = cache.get(_progress_key(job.pk))
        if seen:
            return int(seen[0]), int(seen[1])
    return job.done, job.total


def job_start(
    *, kind: str, owner: Any, title: str, params: dict[str, Any] | None = None,
    permission: str = "", about: str = "", total: int = 0, link: str = "",
) -> Job:  # fmt: skip
    """Keep the job and hand it to a worker once the caller's transaction commits (`link`: the
    page it was asked from, until the result names its own). The same
    work asked for again by the same person while it is still waiting or running (a double
    click) is the job already there."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind of job: {kind}")
    unfinished = Job.objects.filter(
        kind=kind, owner=owner, about=about[:60], state__in=[Job.State.QUEUED, Job.State.RUNNING]
    )
    for job in unfinished:
        if job.params == (params or {}):
            return job
    job = Job.objects.create(
        kind=kind, owner=owner, title=title[:200], params=params or {},
        permission=permission, about=about[:60], total=total, link=link[:300],
    )  # fmt: skip
    _dispatch([job.pk])
    return job


def job_again(*, job: Job, actor: Any) -> Job:
    """The same work once more (after a failure), as a new job of the same person."""
    return job_start(kind=job.kind, owner=actor, title=job.title, params=job.params,
                     permission=job.permission, about=job.about, total=job.total,
                     link=job.link)  # fmt: skip


def _dispatch(ids: list[int]) -> None:
    def send() -> None:
        try:
            task_named(RUN_TASK).delay(ids)
        except Exception as exc:  # noqa: BLE001 - broker down: jobs_sweep sends it later
            logger.warning("job dispatch failed (%s); the sweep will retry", type(exc).__name__)

    transaction.on_commit(send)


def lease() -> datetime.timedelta:
    """How long a running job is left to its worker before it is presumed dead."""
    return datetime.timedelta(seconds=settings.JOB_LEASE_SECONDS)


def _claim(job_id: int) -> bool:
    now = timezone.now()
    claimable = Q(state=Job.State.QUEUED) | Q(state=Job.State.RUNNING, started_at__lt=now - lease())
    return bool(
        Job.objects.filter(claimable, pk=job_id, attempts__lt=MAX_ATTEMPTS).update(
            state=Job.State.RUNNING, started_at=now, attempts=F("attempts") + 1, done=0
        )
    )


def _failure_text(exc: Exception, job_id: int) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return _(
        "Something went wrong and nothing was changed. Try again; if it fails again, tell the "
        "system administrator (job %(id)s)."
    ) % {"id": job_id}


def job_run(job_id: int) -> bool:
    """Do one job's work, if nobody else is doing it. Returns whether it ran."""
    if not _claim(job_id):
        return False
    job = Job.objects.select_related("owner").get(pk=job_id)
    kind = KINDS[job.kind]
    progress = Progress(job.pk)
    language = getattr(job.owner, "language", "") or settings.LANGUAGE_CODE
    with translation.override(language):
        try:
            with transaction.atomic() if kind.atomic else contextlib.nullcontext():
                result = kind.handler(job, progress)
                saved = _keep_file(job, result)
                Job.objects.filter(pk=job.pk).update(
                    state=Job.State.DONE, file=saved, file_name=result.file_name[:200],
                    link=(result.link or job.link)[:300], summary=result.summary[:300], error="",
                    # Done is all of it, whether or not the work reported as it went.
                    done=progress.total or job.total, total=progress.total or job.total,
                    finished_at=timezone.now(),
                )  # fmt: skip
        except Exception as exc:  # noqa: BLE001 - every failure is the job's answer
            logger.warning("job %s (%s) failed: %s", job.pk, job.kind, type(exc).__name__)
            Job.objects.filter(pk=job.pk).update(
                state=Job.State.FAILED, error=_failure_text(exc, job.pk)[:500],
                finished_at=timezone.now(),
            )  # fmt: skip
        cache.delete(_progress_key(job.pk))
        job.refresh_from_db()
        job_finished.send(sender=Job, job=job)
    return True


def _keep_file(job: Job, result: JobResult) -> str:
    if result.content is None:
        return ""
    field = Job._meta.get_field("file")
    content = (ContentFile(result.content) if isinstance(result.content, bytes)
               else File(result.content))  # fmt: skip
    return str(field.storage.save(f"jobs/{uuid.uuid4().hex}", content))


def jobs_sweep(*, now: datetime.datetime | None = None) -> int:
    """Send again the jobs nobody is doing: queued but never picked up, or running past their
    lease (their worker died). One tried too often is failed with the reason. Returns how many
    were sent."""
    now = now or timezone.now()
    stuck = Q(state=Job.State.QUEUED, created_at__lt=now - QUEUED_GRACE) | Q(
        state=Job.State.RUNNING, started_at__lt=now - lease()
    )
    worn = Job.objects.filter(stuck, attempts__gte=MAX_ATTEMPTS)
    for job in worn.select_related("owner"):
        with translation.override(getattr(job.owner, "language", "") or settings.LANGUAGE_CODE):
            error = _("The job was interrupted %(count)s times and was stopped. Start it again.")
        if Job.objects.filter(pk=job.pk, state=job.state).update(
            state=Job.State.FAILED, error=error % {"count": job.attempts},
            finished_at=now,
        ):  # fmt: skip
            job.refresh_from_db()
            job_finished.send(sender=Job, job=job)
    ids = list(Job.objects.filter(stuck, attempts__lt=MAX_ATTEMPTS).values_list("pk", flat=True))
    if ids:
        _dispatch(ids)
    return len(ids)


# A file uploaded for a job to read (a large import's check): kept in the private storage, under
# this folder, until the job has read it. One the job never read (it failed and was not run again)
# is removed by the purge a day later with the other files nothing refers to.
UPLOADS = "jobs/uploads"


def job_start_with_upload(*, data: bytes, **start: Any) -> Job:
    """Start a job that reads an uploaded file (job_start's arguments): the file is kept for it,
    named in its parameters as ``upload``."""
    storage = Job._meta.get_field("file").storage
    name = str(storage.save(f"{UPLOADS}/{uuid.uuid4().hex}", ContentFile(data)))
    return job_start(**{**start, "params": {**start.get("params", {}), "upload": name}})


def job_upload(job: Job) -> bytes:
    """The file uploaded for this job. Once the job's work is committed the file is removed
    (a job run again after a failure still finds it)."""
    storage = Job._meta.get_field("file").storage
    name = job.params["upload"]
    try:
        with storage.open(name, "rb") as kept:
            data: bytes = kept.read()
    except FileNotFoundError:
        raise ValidationError(_("The uploaded file is no longer kept. Upload it again.")) from None
    transaction.on_commit(lambda: storage.delete(name))
    return data


def jobs_for(*, user: Any, about: str = "", limit: int = 20) -> list[Job]:
    """The person's latest jobs (about one thing, if given)."""
    jobs = Job.objects.filter(owner=user)
    if about:
        jobs = jobs.filter(about=about)
    return list(jobs.order_by("-created_at", "-id")[:limit])
