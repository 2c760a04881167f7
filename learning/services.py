"""Writes for materials (教材) and viewing records."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from audit.services import audit_event_record
from courses import services as course_services
from courses.events import announce
from courses.models import Course
from learning.materials import Inspected
from learning.models import Material, MaterialView
from trainees.models import Trainee, User


@transaction.atomic
def course_copy_to_next_year(*, course: Course, actor: User | None) -> Course:
    """Next fiscal year's course (courses.services.course_copy_to_next_year) with its materials.
    The files are shared, not copied: a file is removed only when no course uses it any more."""
    copy = course_services.course_copy_to_next_year(course=course, actor=actor)
    materials = list(Material.objects.filter(course=course).order_by("position", "id"))
    for material in materials:
        material.pk = None
        material.course = copy
        material.created_at = timezone.now()
    Material.objects.bulk_create(materials)
    return copy


@transaction.atomic
def material_add(
    *,
    course: Course,
    title: str,
    description: str = "",
    upload: UploadedFile | None = None,
    inspected: Inspected | None = None,
    url: str = "",
    actor: User | None,
) -> Material:
    """Add a material at the end of the course's list: a file (checked by
    learning.materials.inspect_upload) or a link."""
    course_services.course_lock(course.pk)  # positions are handed out in turn
    position = (course.materials.aggregate(last=Max("position"))["last"] or 0) + 1
    material = Material(course=course, position=position, title=title, description=description)
    if upload is not None and inspected is not None:
        material.kind = inspected.kind
        material.content_type = inspected.content_type
        material.duration = inspected.duration
        material.size = upload.size
        name = upload.name or "upload"
        material.original_name = name[-200:]
        material.file.save(name, upload, save=False)
        # The file is written before the row: if the row cannot be saved, remove the file again.
        try:
            material.full_clean()
            material.save()
        except Exception:
            material.file.storage.delete(material.file.name)
            raise
    else:
        material.kind = Material.Kind.LINK
        material.url = url
        material.full_clean()
        material.save()
    audit_event_record(
        kind="material.added",
        user=actor,
        detail={"course": course.pk, "material": material.pk, "kind": material.kind},
    )
    return material


@transaction.atomic
def material_update(
    *, material: Material, title: str, description: str, url: str = "", actor: User | None
) -> Material:
    material.title = title
    material.description = description
    if material.kind == Material.Kind.LINK:
        material.url = url
    material.full_clean()
    material.save(update_fields=["title", "description", "url"])
    audit_event_record(
        kind="material.updated",
        user=actor,
        detail={"course": material.course_id, "material": material.pk},
    )
    return material


@transaction.atomic
def material_delete(*, material: Material, actor: User | None) -> None:
    """Remove a material and its viewing records; its file too, unless next year's copy of the
    course still uses it."""
    name = material.file.name if material.file else ""
    storage = material.file.storage
    detail = {"course": material.course_id, "material": material.pk, "title": material.title}
    material.delete()
    if name and not Material.objects.filter(file=name).exists():
        transaction.on_commit(lambda: storage.delete(name))
    audit_event_record(kind="material.deleted", user=actor, detail=detail)


@transaction.atomic
def material_move(*, material: Material, up: bool, actor: User | None) -> None:
    """Swap a material with its neighbour above (or below)."""
    course_services.course_lock(material.course_id)
    siblings = list(
        Material.objects.filter(course_id=material.course_id).order_by("position", "id")
    )
    index = next(i for i, m in enumerate(siblings) if m.pk == material.pk)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(siblings):
        return
    siblings[index], siblings[other] = siblings[other], siblings[index]
    for position, item in enumerate(siblings, start=1):
        if item.position != position:
            Material.objects.filter(pk=item.pk).update(position=position)
    audit_event_record(
        kind="material.moved",
        user=actor,
        detail={"course": material.course_id, "material": material.pk},
    )


class ProgressRefused(Exception):
    """A viewing report claims more than could have been watched since the last one."""


def _merge_ranges(ranges: Iterable[Iterable[float]]) -> list[list[float]]:
    merged: list[list[float]] = []
    for start, end in sorted((float(s), float(e)) for s, e in ranges):
        if merged and start <= merged[-1][1] + 0.5:  # a gap under half a second is no gap
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [[round(s, 2), round(e, 2)] for s, e in merged]


def material_view_open(*, material: Material, trainee: Trainee) -> MaterialView:
    """The trainee opened the material. A PDF or a link counts as viewed now; for a video the
    clock for the next progress report starts now."""
    now = timezone.now()
    view, created = MaterialView.objects.get_or_create(
        material=material, trainee=trainee, defaults={"opened_at": now, "reported_at": now}
    )
    fields = []
    if not created:
        view.reported_at = now  # no credit for the time the page was closed
        fields.append("reported_at")
    if material.kind != Material.Kind.VIDEO and view.completed_at is None:
        view.completed_at = now
        fields.append("completed_at")
    if fields:
        view.save(update_fields=fields)
    if "completed_at" in fields:
        _completion_changed(trainee.pk, material.course_id)
    return view


def _completion_changed(trainee_id: int, course_id: int) -> None:
    """Tell the apps above (enrolments re-evaluate completion) that a material now counts as
    watched: a signal, since this app may not import them."""
    announce(trainee_id=trainee_id, course_id=course_id)  # completion (progress/) re-evaluates


@transaction.atomic
def material_progress_record(
    *, material: Material, trainee: Trainee, played: list[list[float]], position: float
) -> MaterialView:
    """Merge the ranges the player says it played into the trainee's record. Refused (nothing
    saved) when the watched time grew faster than real time since the last accepted report —
    a single "I watched it all" post does not complete a video. The player keeps its ranges
    and sends them again, so a refused report is never lost for someone really watching."""
    now = timezone.now()
    duration = material.duration or 0
    view, _created = MaterialView.objects.select_for_update().get_or_create(
        material=material, trainee=trainee, defaults={"opened_at": now, "reported_at": now}
    )
    clipped = [[max(0.0, s), min(duration, e)] for s, e in played if min(duration, e) > max(0.0, s)]
    ranges = _merge_ranges([*view.ranges, *clipped])
    watched = sum(e - s for s, e in ranges)
    growth = watched - view.watched_seconds
    elapsed = (now - view.reported_at).total_seconds()
    allowed = (
        elapsed * settings.MATERIALS_MAX_PLAYBACK_RATE + settings.MATERIALS_PROGRESS_SLACK_SECONDS
    )
    if growth > allowed:
        raise ProgressRefused(f"{growth:.1f}s in {elapsed:.1f}s")
    view.ranges = ranges
    view.watched_seconds = watched
    view.position = min(max(0.0, position), duration)
    view.reported_at = now
    fields = ["ranges", "watched_seconds", "position", "reported_at"]
    threshold = material.course.materials_threshold
    if view.completed_at is None and duration and watched * 100 >= duration * threshold:
        view.completed_at = now
        fields.append("completed_at")
    view.save(update_fields=fields)
    if "completed_at" in fields:
        _completion_changed(trainee.pk, material.course_id)
    return view
