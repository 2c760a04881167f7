"""The inbox (受信箱): everyone's own notices."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from notices import selectors, services
from trainees.http import AuthenticatedHttpRequest


@login_required
@require_GET
def inbox(request: AuthenticatedHttpRequest) -> HttpResponse:
    """受信箱: the person's own notices, newest first."""
    page = Paginator(selectors.inbox(request.user), 30).get_page(request.GET.get("page"))
    return render(request, "notices/inbox.html", {"page": page})


@login_required
@require_POST
def inbox_mark_read(request: AuthenticatedHttpRequest, pk: int | None = None) -> HttpResponse:
    if pk is not None:
        get_object_or_404(selectors.inbox(request.user), pk=pk)  # someone else's: 404
    services.notice_mark_read(user=request.user, notice_id=pk)
    return redirect("inbox")
