"""Learning: course materials (教材) and how much of each a trainee has really watched."""

from __future__ import annotations

import pathlib
import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lib.storage import private_storage


def material_upload_to(material: Material, filename: str) -> str:
    """A random name: the original name (which may say anything) is kept only as data. (The
    folder is still called courses/: files stored before the learning app existed live there.)"""
    suffix = {"video/mp4": ".mp4", "video/webm": ".webm", "application/pdf": ".pdf"}.get(
        material.content_type, pathlib.Path(filename).suffix.lower()[:8]
    )
    return f"courses/{material.course_id}/{uuid.uuid4().hex}{suffix}"


class Material(models.Model):
    """教材: a video, a PDF or a link on a course, in the order HR sets."""

    class Kind(models.TextChoices):
        VIDEO = "video", _("Video")
        PDF = "pdf", _("PDF document")
        LINK = "link", _("Link")

    course = models.ForeignKey(
        "courses.Course",
        verbose_name=_("course"),
        on_delete=models.CASCADE,
        related_name="materials",
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    title = models.CharField(_("material title"), max_length=200)
    description = models.TextField(_("explanation for trainees"), blank=True)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    file = models.FileField(
        _("file"), storage=private_storage, upload_to=material_upload_to, blank=True,
        max_length=200,
    )  # fmt: skip
    original_name = models.CharField(_("file name"), max_length=200, blank=True)
    content_type = models.CharField(max_length=50, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), null=True, blank=True)
    duration = models.FloatField(_("length (seconds)"), null=True, blank=True)
    url = models.URLField(_("link"), blank=True, max_length=500)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        ordering = ["course", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(kind="link") & ~models.Q(url=""))
                | (models.Q(kind__in=["video", "pdf"]) & ~models.Q(file="")),
                name="material_has_file_or_link",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="video") | models.Q(duration__gt=0),
                name="material_video_has_length",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class MaterialView(models.Model):
    """How much of a material one trainee has really watched: the merged ranges played,
    where to resume, and when it counted as watched."""

    material = models.ForeignKey(Material, on_delete=models.CASCADE, related_name="views")
    trainee = models.ForeignKey("trainees.Trainee", on_delete=models.CASCADE, related_name="+")
    ranges = models.JSONField(default=list)  # [[start, end], …] seconds, merged and sorted
    watched_seconds = models.FloatField(default=0)
    position = models.FloatField(_("resume at (seconds)"), default=0)
    opened_at = models.DateTimeField(_("first opened"), default=timezone.now)
    # The server's clock at the last accepted report: growth is measured against it.
    reported_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(_("watched"), null=True, blank=True)

    class Meta:
        verbose_name = _("viewing record")
        verbose_name_plural = _("viewing records")
        constraints = [
            models.UniqueConstraint(fields=["material", "trainee"], name="material_view_unique")
        ]

    def __str__(self) -> str:
        return f"{self.material_id}:{self.trainee_id}"

    @property
    def coverage(self) -> float:
        """The share of the material watched, 0–100."""
        duration = self.material.duration
        if not duration:
            return 100.0 if self.completed_at else 0.0
        return min(100.0, 100.0 * self.watched_seconds / duration)
