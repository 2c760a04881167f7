"""HR's お知らせ to a course's or a session's people: write (from a template or free text),
preview with one person's values, send; what was sent to whom, with each e-mail's state."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from courses.models import Course
from enrollments import services
from enrollments.forms import AnnouncementForm
from enrollments.models import Announcement
from lib.access import access
from notices import selectors as notice_selectors
from notices.models import (
    DEFAULT_TEMPLATES,
    TEMPLATE_PLACEHOLDERS,
    Delivery,
    NoticeKind,
    NotificationTemplate,
)
from trainees.http import AuthenticatedHttpRequest
from trainees.roles import HR_CONSOLE as HR

# Templates an お知らせ may start from (the session's own wording HR keeps on the templates page).
STARTERS = (NoticeKind.REMINDER, NoticeKind.CHANGED, NoticeKind.INFO)


@access(HR)
@require_http_methods(["GET", "POST"])
def course_announce(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    course = get_object_or_404(Course, pk=pk)
    initial = {}
    starter = request.GET.get("template", "")
    if starter in STARTERS and starter in DEFAULT_TEMPLATES:
        template = NotificationTemplate.for_kind(starter)
        initial = {"subject": template.subject, "body": template.body}
    form = AnnouncementForm(request.POST or None, course=course, initial=initial)
    preview = None
    count = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        arguments = {"course": course, "session": data["session"],
                     "audience": list(data["audience"]), "subject": data["subject"],
                     "body": data["body"]}  # fmt: skip
        try:
            if request.POST.get("action") == "send":
                announcement = services.announcement_send(**arguments, actor=request.user)
                messages.success(request, ngettext(
                    "The announcement has been sent to %(count)s person.",
                    "The announcement has been sent to %(count)s people.",
                    announcement.recipients,
                ) % {"count": announcement.recipients})  # fmt: skip
                return redirect("announcement_detail", pk=announcement.pk)
            count, preview = services.announcement_preview(**arguments)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                form.add_error(None, exc)
    return render(request, "enrollments/announce.html", {
        "course": course, "form": form, "preview": preview, "count": count,
        "starters": [(kind, NoticeKind(kind).label) for kind in STARTERS],
        "placeholders": TEMPLATE_PLACEHOLDERS.items(),
        "sent": Announcement.objects.filter(course=course).select_related("session", "sent_by")[
            :50
        ],
    })  # fmt: skip


@access(HR)
@require_GET
def announcement_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    announcement = get_object_or_404(
        Announcement.objects.select_related("course", "session", "sent_by"), pk=pk
    )
    deliveries = (
        Delivery.objects.filter(rule=announcement.rule)
        .select_related("trainee__organisation")
        .order_by("trainee__staff_number")[:1000]
    )
    return render(request, "enrollments/announcement_detail.html", {
        "announcement": announcement, "course": announcement.course,
        "counts": notice_selectors.delivery_counts(announcement.rule),
        "deliveries": deliveries,
        "title": _("Announcement"),
    })  # fmt: skip
