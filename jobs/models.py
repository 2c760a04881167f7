"""One row per piece of long work a person waits on (a certificate batch, a large export …):
what it is, whose, how far it got, and its result — a file, a page, or the reason it failed."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from lib.storage import private_storage


class Job(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", pgettext_lazy("job", "Waiting")
        RUNNING = "running", pgettext_lazy("job", "Running")
        DONE = "done", pgettext_lazy("job", "Done")
        FAILED = "failed", pgettext_lazy("job", "Failed")

    kind = models.CharField(_("kind"), max_length=40)
    title = models.CharField(_("work"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("asked by"), on_delete=models.CASCADE,
        related_name="jobs",
    )  # fmt: skip
    # The permission the owner needs to see the job and take its result (checked again at each
    # look: someone who lost the role since cannot download what they asked for then).
    permission = models.CharField(max_length=100, blank=True)
    # What the job is about ("session:12"), for the page it was started from to list its jobs.
    about = models.CharField(max_length=60, blank=True, db_index=True)
    params = models.JSONField(default=dict, blank=True)
    state = models.CharField(_("state"), max_length=8, choices=State.choices,
                             default=State.QUEUED)  # fmt: skip
    done = models.PositiveIntegerField(_("done"), default=0)
    total = models.PositiveIntegerField(_("total"), default=0)
    file = models.FileField(storage=private_storage, upload_to="jobs/", blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    # Where the result is read when it is a page rather than a file (an import's preview).
    link = models.CharField(max_length=300, blank=True)
    summary = models.CharField(_("result"), max_length=300, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(_("asked at"), default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "-created_at"]),
                   models.Index(fields=["state", "created_at"])]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.kind} {self.pk} {self.state}"

    @property
    def finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)

    @property
    def percent(self) -> int:
        return min(100, round(self.done * 100 / self.total)) if self.total else 0
