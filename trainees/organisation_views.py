"""組織の管理: HR's pages for the organisation tree (trainees.organisations)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from lib.access import access
from lib.forms import add_service_errors
from trainees import organisations, selectors
from trainees.forms import (
    OrganisationAddForm,
    OrganisationCloseForm,
    OrganisationMergeForm,
    OrganisationMoveForm,
    OrganisationRenameForm,
    OrganisationReopenForm,
)
from trainees.http import AuthenticatedHttpRequest
from trainees.models import Organisation, OrganisationChange, SupervisorPost, Trainee
from trainees.roles import HR_CONSOLE

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

HR = HR_CONSOLE


@access(HR)
@require_http_methods(["GET", "POST"])
def organisation_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The tree, and a form to add a section or an external organisation."""
    form = OrganisationAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            organisation = organisations.organisation_add(
                code=data["code"], name=data["name"], parent=data["parent"],
                is_external=data["is_external"], valid_from=data["valid_from"],
                reason=data["reason"], actor=request.user,
            )  # fmt: skip
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("%(name)s has been added.") % {"name": organisation.name})
            return redirect("organisation_detail", pk=organisation.pk)
    return render(request, "trainees/organisation_list.html", {
        "rows": selectors.organisation_tree(), "form": form,
    })  # fmt: skip


# action: (its form, the service it calls, what is said when it is done)
ACTIONS: dict[str, tuple[type[forms.Form], Callable[..., Any], StrOrPromise]] = {
    "rename": (OrganisationRenameForm, organisations.organisation_rename, gettext_lazy(
        "Renamed. Places on sessions since that day carry the new name.")),
    "move": (OrganisationMoveForm, organisations.organisation_move, gettext_lazy("Moved.")),
    "merge": (OrganisationMergeForm, organisations.organisation_merge, gettext_lazy(
        "Merged: its staff, sub-units and coordinators now belong to the other.")),
    "close": (OrganisationCloseForm, organisations.organisation_close, gettext_lazy("Closed.")),
    "reopen": (OrganisationReopenForm, organisations.organisation_reopen,
               gettext_lazy("Re-opened.")),
}  # fmt: skip


@access(HR)
@require_http_methods(["GET", "POST"])
def organisation_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One organisation: where it stands, its change history, and the forms to rename, move,
    merge, close or re-open it (POST names the action; its refusals shown on its form)."""
    organisation = get_object_or_404(
        Organisation.objects.select_related("parent", "merged_into"), pk=pk
    )
    bound: dict[str, forms.Form] = {}
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in ACTIONS:
            raise Http404
        form_class, service, done = ACTIONS[action]
        form = form_class(request.POST, prefix=action)
        bound[action] = form
        if form.is_valid():
            try:
                service(organisation=organisation, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, str(done))
                return redirect("organisation_detail", pk=pk)
    forms_by_action = {
        action: bound.get(action) or form_class(prefix=action)
        for action, (form_class, _service, _done) in ACTIONS.items()
    }
    return render(request, "trainees/organisation_detail.html", {
        "organisation": organisation,
        "forms": forms_by_action,
        "changes": OrganisationChange.objects.filter(organisation=organisation)
        .select_related("changed_by")[:100],
        "staff": Trainee.objects.filter(organisation=organisation, status="active").count(),
        "children": list(Organisation.objects.filter(parent=organisation).order_by("code")),
        "posts": list(SupervisorPost.objects.filter(organisation=organisation)
                      .select_related("holder", "deputy").order_by("-starts_on")[:5]),
    })  # fmt: skip


@access(HR)
@require_GET
def organisation_history(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every change to the tree, newest first (the last 500)."""
    changes = OrganisationChange.objects.select_related("organisation", "changed_by")[:500]
    return render(request, "trainees/organisation_history.html", {"changes": changes})
