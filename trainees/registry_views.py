"""HR's roster import, and the trainee registry for HR and department coordinators."""

from __future__ import annotations

import csv
import io

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.exports import export_named
from audit.services import subject_views_record
from lib.access import access
from lib.messages import refused
from lib.replica import replica_reads
from trainees import exports, selectors, services
from trainees.background import REGISTRY_EXPORT
from trainees.forms import RosterUploadForm, TraineeSearchForm, trainee_search_form
from trainees.http import AuthenticatedHttpRequest
from trainees.models import RosterImport, Trainee
from trainees.roles import COORDINATOR_PAGES, HR_CONSOLE
from trainees.roster_import import (
    changes_for_display,
    privileged_deactivations,
    roster_import_commit_start,
    roster_import_preview,
    roster_import_preview_start,
)

HR = HR_CONSOLE
COORDINATOR = COORDINATOR_PAGES


@access(HR)
@require_http_methods(["GET", "POST"])
def roster_imports(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        # A large file is checked by a background job (IMPORT_BACKGROUND_BYTES).
        large = upload.size > settings.IMPORT_BACKGROUND_BYTES
        try:
            made = (roster_import_preview_start if large else roster_import_preview)(
                data=upload.read(),
                file_name=upload.name,
                mode=form.cleaned_data["mode"],
                organisation=form.cleaned_data["organisation"],
                encoding=form.cleaned_data["encoding"],
                uploaded_by=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if large:
                return redirect("job_detail", pk=made.pk)
            return redirect("roster_import_detail", pk=made.pk)
    return render(
        request,
        "trainees/roster_imports.html",
        {"form": form, "imports": selectors.roster_imports_recent()},
    )


@access(HR)
@require_GET
def roster_import_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(
        RosterImport.objects.select_related("uploaded_by", "committed_by"), pk=pk
    )
    kind = request.GET.get("kind", "")
    changes = changes_for_display(record) if record.plan else []
    # Shown before the confirm button: who would be disabled, the accounts with a role first
    # (they need an explicit tick).
    leaving = (
        [c for c in changes if c["kind"] == "deactivated"]
        if record.status == RosterImport.Status.PREVIEWED
        else []
    )
    counts = {
        k: sum(1 for c in changes if c["kind"] == k) for k in ("created", "updated", "deactivated")
    }
    if kind in counts:
        changes = [c for c in changes if c["kind"] == kind]
    page = Paginator(changes, 100).get_page(request.GET.get("page"))
    described = selectors.describe_changes([{f: [o, n] for f, o, n in c["changes"]} for c in page])
    for change, fields in zip(page, described, strict=True):
        change["changes"] = fields
    return render(
        request,
        "trainees/roster_import_detail.html",
        {
            "record": record, "page": page, "kind": kind, "counts": counts,
            "privileged": privileged_deactivations(record, request.user) if leaving else [],
            "leaving": leaving[:50], "leaving_more": max(0, len(leaving) - 50),
        },
    )  # fmt: skip


@access(HR)
@require_POST
def roster_import_commit_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(RosterImport.objects.defer("plan"), pk=pk)
    try:
        job = roster_import_commit_start(
            record=record,
            actor=request.user,
            confirm_privileged=request.POST.get("confirm_privileged") == "on",
        )
    except ValidationError as exc:
        refused(request, exc)
        return redirect("roster_import_detail", pk=record.pk)
    return redirect("job_detail", pk=job.pk)


@access(HR)
@require_GET
def roster_import_errors(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The errors and warnings of an import as CSV (UTF-8 with BOM, for Excel)."""
    record = get_object_or_404(RosterImport.objects.defer("plan"), pk=pk)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_("Kind"), _("Line"), _("Column"), _("Value"), _("Message")])
    for kind, problems in ((_("Error"), record.errors), (_("Warning"), record.warnings)):
        for p in problems:
            writer.writerow(
                [kind, p["line"] or "", p["column"], exports.neutralise(p["value"]), p["message"]]
            )
    response = HttpResponse(
        buffer.getvalue().encode("utf-8-sig"), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="roster-import-{record.pk}-problems.csv"'
    )
    return response


@access(HR)
@require_POST
def roster_import_invite(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Invite everyone this import created (one action for the whole import)."""
    record = get_object_or_404(
        RosterImport.objects.defer("plan"), pk=pk, status=RosterImport.Status.COMMITTED
    )
    ids = record.changes.filter(kind="created").values_list("trainee_id", flat=True)
    sent = services.invitations_send(trainee_ids=ids, actor=request.user)
    messages.success(request, _("%(count)s invitations are being sent.") % {"count": sent})
    return redirect("roster_import_detail", pk=record.pk)


def _search_form(
    request: AuthenticatedHttpRequest,
) -> tuple[TraineeSearchForm, dict, set[int] | None]:
    return trainee_search_form(request.user, request.GET)


@access(HR, COORDINATOR)
@require_GET
def trainee_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    form, filters, own = _search_form(request)
    queryset = selectors.trainee_search(selectors.trainee_scope(request.user), filters)
    page = Paginator(queryset, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "trainees/trainee_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "is_hr": request.user.has_perm(HR),
            "own_organisations": own,
        },
    )


@access(HR, COORDINATOR)
@require_GET
def trainee_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    trainee = get_object_or_404(
        selectors.trainee_scope(request.user).select_related("organisation", "user"), pk=pk
    )
    subject_views_record(request=request, subjects=[trainee], what="record")
    changes = selectors.trainee_changes(trainee)
    for change, fields in zip(
        changes, selectors.describe_changes([c.changes for c in changes]), strict=True
    ):
        change.display = fields  # type: ignore[attr-defined] # for the template
    return render(
        request,
        "trainees/trainee_detail.html",
        {
            "trainee": trainee,
            "changes": changes,
            "age": trainee.age_on(timezone.localdate()),
            "is_hr": request.user.has_perm(HR),
            "planned": list(
                trainee.planned_transfers.filter(
                    applied_at__isnull=True, cancelled_at__isnull=True
                ).select_related("organisation")
            ),
        },
    )


@access(HR)
@require_POST
def trainee_invite(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    trainee = get_object_or_404(Trainee, pk=pk)
    sent = services.invitations_send(trainee_ids=[trainee.pk], actor=request.user)
    if sent:
        messages.success(request, _("The invitation is being sent."))
    else:
        messages.error(
            request,
            _("No invitation sent: it needs an e-mail address and an account without a password."),
        )
    return redirect("trainee_detail", pk=trainee.pk)


@access(HR, COORDINATOR)
@require_GET
@replica_reads
def trainee_export(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """The registry as the search shows it (trainees/background.py builds the file; a large
    one is made by a background job)."""
    return export_named(request, REGISTRY_EXPORT)
