"""HR's course catalogue: the list of courses and the course form. (The course page itself shows
sessions, orders and materials: it stands in portal/, above the apps it draws from.)"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import ProtectedError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from courses import selectors, services
from courses.forms import CourseFilterForm, CourseForm, RoomFormSet, VenueForm
from courses.models import Course, Venue, current_fiscal_year
from lib.access import access
from trainees.http import AuthenticatedHttpRequest
from trainees.roles import HR_CONSOLE as HR


@access(HR)
@require_GET
def course_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    years = sorted(set(selectors.fiscal_years()) | {current_fiscal_year()}, reverse=True)
    form = CourseFilterForm(request.GET or {"fiscal_year": current_fiscal_year()}, years=years)
    filters = form.cleaned_data if form.is_valid() else {}
    courses = selectors.course_list(
        fiscal_year=filters.get("fiscal_year"), category=filters.get("category", "")
    )
    return render(request, "courses/course_list.html", {"form": form, "courses": courses})


@access(HR)
@require_http_methods(["GET", "POST"])
def course_edit(request: AuthenticatedHttpRequest, pk: int | None = None) -> HttpResponse:
    course = get_object_or_404(Course, pk=pk) if pk else Course(fiscal_year=current_fiscal_year())
    form = CourseForm(request.POST or None, instance=course)
    if request.method == "POST" and form.is_valid():
        try:
            course = services.course_save(course=form.save(commit=False), actor=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The course has been saved."))
            return redirect("course_detail", pk=course.pk)
    return render(request, "courses/course_form.html", {"form": form, "course": course})


@access(HR)
@require_GET
def venue_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """会場: the ward's facilities and their rooms, where classroom sessions take place."""
    venues = Venue.objects.prefetch_related("rooms").order_by("name")
    return render(request, "courses/venue_list.html", {"venues": venues})


@access(HR)
@require_http_methods(["GET", "POST"])
def venue_edit(request: AuthenticatedHttpRequest, pk: int | None = None) -> HttpResponse:
    venue = get_object_or_404(Venue, pk=pk) if pk else Venue()
    form = VenueForm(request.POST or None, instance=venue)
    rooms = RoomFormSet(request.POST or None, instance=venue, prefix="rooms")
    if request.method == "POST" and form.is_valid() and rooms.is_valid():
        try:
            services.venue_save(venue=form.save(commit=False), rooms=rooms, actor=request.user)
        except (ValidationError, ProtectedError):
            form.add_error(None, _("A room that sessions use cannot be removed."))
        else:
            messages.success(request, _("The venue has been saved."))
            return redirect("venue_list")
    return render(
        request, "courses/venue_form.html", {"form": form, "rooms": rooms, "venue": venue}
    )
