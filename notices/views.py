"""The inbox (受信箱): everyone's own notices; and the wording HR gives each kind of notice."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lib.access import access
from notices import selectors, services
from notices.forms import TemplateForm
from notices.models import TEMPLATE_PLACEHOLDERS, NoticeKind, NotificationTemplate
from trainees.http import AuthenticatedHttpRequest
from trainees.roles import HR_CONSOLE


@access()
@require_GET
def inbox(request: AuthenticatedHttpRequest) -> HttpResponse:
    """受信箱: the person's own notices, newest first."""
    page = Paginator(selectors.inbox(request.user), 30).get_page(request.GET.get("page"))
    return render(request, "notices/inbox.html", {"page": page})


@access()
@require_POST
def inbox_mark_read(request: AuthenticatedHttpRequest, pk: int | None = None) -> HttpResponse:
    if pk is not None:
        get_object_or_404(selectors.inbox(request.user), pk=pk)  # someone else's: 404
    services.notice_mark_read(user=request.user, notice_id=pk)
    return redirect("inbox")


@access(HR_CONSOLE)
@require_GET
def template_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """通知文: the wording of every kind of notice (made with the defaults if never edited)."""
    templates = [NotificationTemplate.for_kind(kind) for kind in NoticeKind.values]
    return render(request, "notices/template_list.html", {"templates": templates})


@access(HR_CONSOLE)
@require_http_methods(["GET", "POST"])
def template_edit(request: AuthenticatedHttpRequest, kind: str) -> HttpResponse:
    if kind not in NoticeKind.values:
        raise Http404
    template = NotificationTemplate.for_kind(kind)
    form = TemplateForm(request.POST or None, instance=template)
    if request.method == "POST" and form.is_valid():
        services.template_save(template=form.save(commit=False), actor=request.user)
        messages.success(request, _("The wording has been saved."))
        return redirect("notice_templates")
    return render(
        request,
        "notices/template_form.html",
        {"form": form, "template": template, "placeholders": TEMPLATE_PLACEHOLDERS.items()},
    )
