"""所属長: HR's page of who approves for each organisation, from when to when, with deputies."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from lib.access import access
from lib.forms import add_service_errors
from lib.messages import form_errors, refused
from trainees import selectors, supervisors
from trainees.forms import SupervisorEndForm, SupervisorPostForm
from trainees.http import AuthenticatedHttpRequest
from trainees.models import SupervisorPost
from trainees.roles import HR_CONSOLE


@access(HR_CONSOLE)
@require_http_methods(["GET", "POST"])
def supervisor_posts(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = SupervisorPostForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            post, ended = supervisors.supervisor_appoint(
                organisation=data["organisation"], holder=data["holder"],
                deputy=data["deputy"], starts_on=data["starts_on"], ends_on=data["ends_on"],
                note=data["note"], actor=request.user,
            )  # fmt: skip
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            text = _("%(name)s is the supervisor of %(organisation)s from %(day)s.") % {
                "name": post.holder.name, "organisation": post.organisation.name,
                "day": post.starts_on.isoformat(),
            }  # fmt: skip
            if ended is not None:
                text += " " + _("%(name)s's appointment ends on %(day)s.") % {
                    "name": ended.holder.name, "day": ended.ends_on.isoformat()
                    if ended.ends_on else "",
                }  # fmt: skip
            messages.success(request, text)
            return redirect("supervisor_posts")
    today = timezone.localdate()
    return render(request, "trainees/supervisor_posts.html", {
        "rows": selectors.supervisor_posts(today), "form": form, "today": today,
        "end_form": SupervisorEndForm(),
    })  # fmt: skip


@access(HR_CONSOLE)
@require_POST
def supervisor_post_end(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    post = get_object_or_404(SupervisorPost, pk=pk)
    form = SupervisorEndForm(request.POST)
    if form.is_valid():
        try:
            supervisors.supervisor_post_end(
                post=post, ends_on=form.cleaned_data["ends_on"], actor=request.user
            )
        except ValidationError as exc:
            refused(request, exc)
        else:
            messages.success(request, _("The appointment ends on %(day)s.")
                             % {"day": form.cleaned_data["ends_on"].isoformat()})  # fmt: skip
    else:
        form_errors(request, form)
    return redirect("supervisor_posts")
