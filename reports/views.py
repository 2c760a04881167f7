"""Training history pages (受講履歴): the trainee's own, on screen and as a file."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from audit.exports import export_response, requested_format
from audit.models import AuditEventKind
from reports import selectors
from reports.forms import HistoryFilterForm
from trainees.http import AuthenticatedHttpRequest
from trainees.roles import TRAINEE_PAGES
from trainees.selectors import trainee_of


def _rows(request: AuthenticatedHttpRequest) -> tuple[HistoryFilterForm, list]:
    form = HistoryFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    trainee = trainee_of(request.user)
    rows = (
        selectors.trainee_history(
            trainee,
            fiscal_year=filters.get("fiscal_year"),
            category=filters.get("category", ""),
        )
        if trainee
        else []
    )
    return form, rows


@login_required
@permission_required(TRAINEE_PAGES, raise_exception=True)
@require_GET
def my_history(request: AuthenticatedHttpRequest) -> HttpResponse:
    """受講履歴確認: everything the person has taken, every fiscal year."""
    form, rows = _rows(request)
    return render(
        request,
        "reports/my_history.html",
        {
            "form": form,
            "rows": rows,
            "hours": selectors.hours_by_year(rows),
            "query": request.GET.urlencode(),
        },
    )


@login_required
@permission_required(TRAINEE_PAGES, raise_exception=True)
@require_GET
def my_history_export(request: AuthenticatedHttpRequest) -> HttpResponse:
    _form, rows = _rows(request)
    header, table = selectors.history_table(rows)
    return export_response(
        request,
        name="my-history",
        sheet=_("Training history"),
        header=header,
        rows=table,
        file_format=requested_format(request),
        kind=AuditEventKind.HISTORY_EXPORTED,
        detail={"own": True},
    )
