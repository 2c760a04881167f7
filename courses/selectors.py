"""Reads for courses and sessions."""

from __future__ import annotations

from django.db.models import Count, Min, Prefetch, QuerySet

from courses.models import Course, Session, SessionDay


def course_list(*, fiscal_year: int | None = None, category: str = "") -> QuerySet[Course]:
    courses = Course.objects.annotate(
        session_count=Count("sessions", distinct=True), first_day=Min("sessions__days__date")
    )
    if fiscal_year:
        courses = courses.filter(fiscal_year=fiscal_year)
    if category:
        courses = courses.filter(category=category)
    return courses.order_by("-fiscal_year", "code")


def course_detail(pk: int) -> Course:
    """A course with its sessions, their days and rooms: three queries."""
    sessions = Session.objects.select_related("room__venue").prefetch_related(
        Prefetch("days", queryset=SessionDay.objects.order_by("date", "starts_at"))
    )
    return Course.objects.prefetch_related(Prefetch("sessions", queryset=sessions)).get(pk=pk)


def fiscal_years() -> list[int]:
    return list(
        Course.objects.order_by("-fiscal_year").values_list("fiscal_year", flat=True).distinct()
    )
