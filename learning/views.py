"""Materials: HR puts them on a course (and copies them with it to the next fiscal year);
trainees with a place on the course open and watch them."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from courses.models import Course
from learning import selectors, services
from learning.forms import MaterialEditForm, MaterialForm, ProgressForm
from learning.materials import file_response
from learning.models import Material
from lib.access import access
from trainees.http import AuthenticatedHttpRequest
from trainees.models import Trainee
from trainees.roles import HR_CONSOLE, TRAINEE_PAGES
from trainees.selectors import trainee_of


@access(HR_CONSOLE)
@require_http_methods(["GET", "POST"])
def material_create(request: AuthenticatedHttpRequest, course_pk: int) -> HttpResponse:
    course = get_object_or_404(Course, pk=course_pk)
    form = MaterialForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.material_add(
                course=course,
                title=data["title"],
                description=data["description"],
                upload=data["upload"],
                inspected=form.inspected,
                url=data["url"],
                actor=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The material has been added."))
            return redirect("course_detail", pk=course.pk)
    return render(
        request,
        "learning/material_form.html",
        {
            "form": form,
            "course": course,
            "max_mb": settings.MATERIALS_MAX_UPLOAD_BYTES // 1024 // 1024,
        },
    )


@access(HR_CONSOLE)
@require_http_methods(["GET", "POST"])
def material_edit(request: AuthenticatedHttpRequest, course_pk: int, pk: int) -> HttpResponse:
    material = get_object_or_404(
        Material.objects.select_related("course"), pk=pk, course_id=course_pk
    )
    form = MaterialEditForm(request.POST or None, instance=material)
    if request.method == "POST" and form.is_valid():
        services.material_update(
            material=material,
            title=form.cleaned_data["title"],
            description=form.cleaned_data["description"],
            url=form.cleaned_data.get("url", ""),
            actor=request.user,
        )
        messages.success(request, _("The material has been saved."))
        return redirect("course_detail", pk=course_pk)
    return render(
        request,
        "learning/material_form.html",
        {"form": form, "course": material.course, "material": material},
    )


@access(HR_CONSOLE)
@require_POST
def material_delete(request: AuthenticatedHttpRequest, course_pk: int, pk: int) -> HttpResponse:
    material = get_object_or_404(Material, pk=pk, course_id=course_pk)
    services.material_delete(material=material, actor=request.user)
    messages.success(request, _("The material has been removed."))
    return redirect("course_detail", pk=course_pk)


@access(HR_CONSOLE)
@require_POST
def material_move(request: AuthenticatedHttpRequest, course_pk: int, pk: int) -> HttpResponse:
    material = get_object_or_404(Material, pk=pk, course_id=course_pk)
    services.material_move(
        material=material, up=request.POST.get("direction") == "up", actor=request.user
    )
    return redirect("course_detail", pk=course_pk)


@access(TRAINEE_PAGES)
@require_GET
def learning(request: AuthenticatedHttpRequest) -> HttpResponse:
    """受講中の研修: the courses the person has been ordered to, with their progress."""
    trainee = trainee_of(request.user)
    courses = list(selectors.assigned_courses(trainee)) if trainee else []
    return render(request, "learning/learning.html", {"courses": courses})


@access()
@require_GET
def learning_course(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    try:
        course, trainee = selectors.learner_course(request.user, pk)
    except Course.DoesNotExist:
        raise Http404 from None
    materials = selectors.course_materials(course, trainee)
    return render(
        request,
        "learning/learning_course.html",
        {"course": course, "materials": materials, "trainee": trainee},
    )


def _material_or_404(request: AuthenticatedHttpRequest, pk: int) -> tuple[Material, Trainee | None]:
    """(material, trainee) for someone allowed to see it; 404 for anyone else."""
    try:
        return selectors.learner_material(request.user, pk)
    except Material.DoesNotExist:
        raise Http404 from None


@access()
@require_GET
def material_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The player (video), or the document/link, for someone allowed to see it. Opening it is
    what counts a PDF or a link as viewed."""
    material, trainee = _material_or_404(request, pk)
    view = services.material_view_open(material=material, trainee=trainee) if trainee else None
    if view is not None:
        view.material = material
    return render(
        request,
        "learning/material_view.html",
        {
            "material": material,
            "course": material.course,
            "view": view,
            "max_rate": settings.MATERIALS_MAX_PLAYBACK_RATE,
        },
    )


@access()
@require_GET
def material_file(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    material, _trainee = _material_or_404(request, pk)
    if not material.file:
        raise Http404
    return file_response(request, material)


@access()
@require_POST
def material_progress(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The player's report (fetch every ~15 s, sendBeacon on page hide): JSON back."""
    material, trainee = _material_or_404(request, pk)
    if trainee is None or material.kind != Material.Kind.VIDEO:
        return JsonResponse({"recorded": False}, status=409)
    form = ProgressForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"error": form.errors.get_json_data()}, status=400)
    try:
        view = services.material_progress_record(
            material=material,
            trainee=trainee,
            played=form.cleaned_data["played"],
            position=form.cleaned_data["position"] or 0,
        )
    except services.ProgressRefused:
        return JsonResponse(
            {"recorded": False, "error": _("More was reported than could have been watched.")},
            status=409,
        )
    view.material = material
    return JsonResponse(
        {
            "recorded": True,
            "coverage": round(view.coverage, 1),
            "watched": view.completed_at is not None,
            "position": view.position,
        }
    )
