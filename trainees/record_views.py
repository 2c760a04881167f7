"""職員情報登録・管理: HR's pages for one person's record (trainees.records)."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from lib.access import access
from lib.forms import add_service_errors
from lib.messages import refused
from trainees import records
from trainees.forms import LeaveForm, StaffRecordForm, TransferForm
from trainees.http import AuthenticatedHttpRequest
from trainees.models import PlannedTransfer, Trainee, TraineeStatus
from trainees.roles import HR_CONSOLE

HR = HR_CONSOLE


def _record_page(
    request: AuthenticatedHttpRequest,
    form: forms.Form,
    action: Callable[[], tuple[Trainee, str]],
    page: dict[str, object],
) -> HttpResponse:
    """The one shape of these pages: on a valid POST, the service (its refusals shown on the
    form's fields, nothing written) and back to the person's page with its message; else the
    form (trainees/record_form.html) with the page's title, button and note."""
    if request.method == "POST" and form.is_valid():
        try:
            trainee, message = action()
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, message)
            return redirect("trainee_detail", pk=trainee.pk)
    return render(request, "trainees/record_form.html", {"form": form, "trainee": None, **page})


def _person(pk: int) -> Trainee:
    return get_object_or_404(Trainee.objects.select_related("organisation"), pk=pk)


@access(HR)
@require_http_methods(["GET", "POST"])
def trainee_add(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = StaffRecordForm(request.POST or None)

    def add() -> tuple[Trainee, str]:
        trainee = records.trainee_add(
            raw=form.raw(), organisation=form.cleaned_data["organisation"],
            actor=request.user, reason=form.cleaned_data["reason"],
        )  # fmt: skip
        return trainee, _("Added. Send the set-password link when the person should log in.")

    return _record_page(request, form, add, {
        "title": _("Add a staff member"), "button": _("Add"),
        "intro": _(
            "For a mid-year hire or another organisation's staff member. The same checks as the "
            "roster import; the next annual import will find this record by the staff number."
        ),
    })  # fmt: skip


@access(HR)
@require_http_methods(["GET", "POST"])
def trainee_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    trainee = _person(pk)
    form = StaffRecordForm(request.POST or None, trainee=trainee)

    def edit() -> tuple[Trainee, str]:
        records.trainee_edit(trainee=trainee, raw=form.raw(), actor=request.user,
                             reason=form.cleaned_data["reason"])  # fmt: skip
        return trainee, _("The record was corrected.")

    return _record_page(request, form, edit, {
        "title": _("Correct the record"), "button": _("Save"), "trainee": trainee,
    })  # fmt: skip


@access(HR)
@require_http_methods(["GET", "POST"])
def trainee_transfer(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    trainee = _person(pk)
    form = TransferForm(request.POST or None, initial={"effective_on": timezone.localdate()})

    def transfer() -> tuple[Trainee, str]:
        data = form.cleaned_data
        if data["effective_on"] > timezone.localdate():  # a move ahead: planned for its day
            plan = records.transfer_plan(
                trainee=trainee, organisation=data["organisation"],
                effective_on=data["effective_on"], actor=request.user, reason=data["reason"],
            )  # fmt: skip
            return trainee, _("Planned: the transfer to %(organisation)s is made on %(day)s.") % {
                "organisation": plan.organisation.name,
                "day": plan.effective_on.isoformat(),
            }
        recounted = records.trainee_transfer(
            trainee=trainee, organisation=data["organisation"],
            effective_on=data["effective_on"], actor=request.user, reason=data["reason"],
        )  # fmt: skip
        return trainee, _(
            "Transferred. Places on sessions since that day now count under the new "
            "organisation (%(n)s)."
        ) % {"n": recounted}

    return _record_page(request, form, transfer, {
        "title": _("Transfer to another organisation"), "button": _("Transfer"),
        "trainee": trainee,
        "intro": _(
            "Places on sessions that began before the day keep the organisation at the time. "
            "A day still to come plans the transfer: it is made on that morning."
        ),
    })  # fmt: skip


@access(HR)
@require_http_methods(["GET", "POST"])
def trainee_status(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    trainee = _person(pk)
    leaving = trainee.status == TraineeStatus.ACTIVE
    form = LeaveForm(request.POST or None, initial={"on": timezone.localdate()})

    def set_status() -> tuple[Trainee, str]:
        records.trainee_set_active(
            trainee=trainee, active=not leaving, on=form.cleaned_data["on"],
            actor=request.user, reason=form.cleaned_data["reason"],
        )  # fmt: skip
        return trainee, _("Marked as left.") if leaving else _("Re-activated.")

    if leaving:
        page = {"title": _("Mark as left"), "button": _("Mark as left"),
                "intro": _("Their login is disabled; their training history stays.")}  # fmt: skip
    else:
        page = {"title": _("Re-activate"), "button": _("Re-activate"), "intro": _(
            "For a re-hire or a return: their login works again with its password."
        )}  # fmt: skip
    return _record_page(request, form, set_status, {**page, "trainee": trainee})


@access(HR)
@require_POST
def transfer_plan_cancel(request: AuthenticatedHttpRequest, pk: int, plan_pk: int) -> HttpResponse:
    plan = get_object_or_404(PlannedTransfer, pk=plan_pk, trainee_id=pk)
    try:
        records.transfer_plan_cancel(
            plan=plan, actor=request.user, reason=request.POST.get("reason", "")[:500]
        )
    except ValidationError as exc:
        refused(request, exc)
    else:
        messages.success(request, _("The planned transfer has been cancelled."))
    return redirect("trainee_detail", pk=pk)
