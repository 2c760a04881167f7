"""Reads for materials and viewing records.

Who may open a course's materials is HR, or a trainee the course admits — which trainees a
course admits is the enrolments' to say (a confirmed place), an app above this one. That app
registers its answer at start-up (``register_learning_places``: trainee -> a subquery of course
ids), a named, typed hook rather than a code path kept in the settings.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Count, Q, QuerySet

from courses.models import Course
from learning.models import Material, MaterialView
from trainees.models import Trainee, User
from trainees.roles import HR_CONSOLE
from trainees.selectors import trainee_of

_places: list[Callable[[Trainee], QuerySet]] = []


def register_learning_places(answer: Callable[[Trainee], QuerySet]) -> None:
    """The app that knows who holds a place registers how to ask it (one answer)."""
    _places[:] = [answer]


def placed_course_ids(trainee: Trainee) -> QuerySet:
    """A subquery of the ids of the courses whose materials this trainee may open."""
    if not _places:
        raise ImproperlyConfigured("No app registered who may learn (register_learning_places).")
    return _places[0](trainee)


def assigned_courses(trainee: Trainee) -> QuerySet[Course]:
    """Courses the trainee holds a confirmed place on (ordered, or applied and confirmed), with
    how many of their materials the trainee has viewed — one query."""
    return (
        Course.objects.filter(id__in=placed_course_ids(trainee))
        .annotate(
            material_count=Count("materials", distinct=True),
            viewed_count=Count(
                "materials__views",
                filter=Q(
                    materials__views__trainee=trainee,
                    materials__views__completed_at__isnull=False,
                ),
                distinct=True,
            ),
        )
        .order_by("-fiscal_year", "code")
    )


def learner_course(user: User, pk: int) -> tuple[Course, Trainee | None]:
    """(course, trainee) for someone who may see the course's materials: HR, or a trainee with
    a confirmed place on it. Anyone else gets Course.DoesNotExist (a 404: the course's
    existence does not leak). trainee is None for HR previewing a course they are not on."""
    trainee = trainee_of(user)
    course = Course.objects.get(pk=pk)
    placed = (
        trainee is not None
        and Course.objects.filter(pk=course.pk, id__in=placed_course_ids(trainee)).exists()
    )
    if placed:
        return course, trainee
    if user.has_perm(HR_CONSOLE):
        return course, None
    raise Course.DoesNotExist


def course_materials(course: Course, trainee: Trainee | None = None) -> list[Material]:
    """The course's materials in order, each with `.view` (the trainee's record or None)."""
    materials = list(Material.objects.filter(course=course).order_by("position", "id"))
    views = {}
    if trainee is not None and materials:
        views = {
            v.material_id: v
            for v in MaterialView.objects.filter(trainee=trainee, material__in=materials)
        }
    for material in materials:
        view = views.get(material.pk)
        if view is not None:
            view.material = material  # coverage reads the duration without a query
        material.view = view  # type: ignore[attr-defined]  # for the template
    return materials


def learner_material(user: User, pk: int) -> tuple[Material, Trainee | None]:
    """(material, trainee) under the same rule as learner_course; Material.DoesNotExist
    otherwise."""
    material = Material.objects.select_related("course").get(pk=pk)
    try:
        _course, trainee = learner_course(user, material.course_id)
    except Course.DoesNotExist:
        raise Material.DoesNotExist from None
    return material, trainee


def material_progress_summary(course: Course) -> dict[int, tuple[int, int]]:
    """{material id: (people who opened it, people who completed it)} in one query."""
    rows = (
        MaterialView.objects.filter(material__course=course)
        .values_list("material_id")
        .annotate(opened=Count("id"), done=Count("id", filter=Q(completed_at__isnull=False)))
    )
    return {pk: (opened, done) for pk, opened, done in rows}


def material_counts(course_ids: set[int]) -> dict[int, int]:
    """{course id: number of materials}."""
    return dict(
        Material.objects.filter(course_id__in=course_ids)
        .values_list("course_id")
        .annotate(n=Count("id"))
    )


def viewing_counts(
    trainee_ids: set[int], course_ids: set[int]
) -> dict[tuple[int, int], tuple[int, int]]:
    """{(trainee id, course id): (materials opened, materials watched)} in one query."""
    return {
        (row["trainee_id"], row["material__course_id"]): (row["opened"], row["done"])
        for row in MaterialView.objects.filter(
            trainee_id__in=trainee_ids, material__course_id__in=course_ids
        )
        .values("trainee_id", "material__course_id")
        .annotate(opened=Count("id"), done=Count("id", filter=Q(completed_at__isnull=False)))
    }


def material_titles(course_ids: set[int]) -> dict[int, list[str]]:
    """{course id: its materials' titles, in order} in one query."""
    titles: dict[int, list[str]] = {}
    for course_id, title in (
        Material.objects.filter(course_id__in=course_ids)
        .order_by("course_id", "position", "id")
        .values_list("course_id", "title")
    ):
        titles.setdefault(course_id, []).append(title)
    return titles
