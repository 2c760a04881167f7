"""閲覧記録: who saw whose data. The auditor looks a person up by staff number; each trainee
sees who in HR or their department looked at their record (not the auditors' own reading)."""

from __future__ import annotations

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from audit import selectors as audit_selectors
from audit.models import SubjectView
from audit.services import VIEW_KINDS
from lib.access import access
from lib.japanese import fold, list_join
from trainees.http import AuthenticatedHttpRequest
from trainees.models import Trainee
from trainees.roles import TRAINEE_PAGES, Role
from trainees.selectors import trainee_of

AUDITOR = "audit.view_auditevent"


class StaffNumberForm(forms.Form):
    staff_number = forms.CharField(label=gettext_lazy("staff number"), max_length=40)

    def clean_staff_number(self) -> str:
        return fold(self.cleaned_data["staff_number"])


@access(AUDITOR)
@require_GET
def who_viewed(request: AuthenticatedHttpRequest) -> HttpResponse:
    """この職員の情報を見た人: every recorded view of a person's data, newest first."""
    form = StaffNumberForm(request.GET or None)
    people: list[Trainee] = []
    views: list[SubjectView] = []
    if form.is_valid():
        people = list(
            Trainee.objects.filter(staff_number=form.cleaned_data["staff_number"])
            .select_related("organisation")
            .order_by("is_external", "organisation__code")
        )
        views = list(audit_selectors.subject_views([p.pk for p in people])[:500])
        labels = {role.value: str(role.label) for role in Role}
        for view in views:  # the roles the viewer held then, in words
            view.role_labels = list_join(labels.get(r, r) for r in view.roles.split(",") if r)  # type: ignore[attr-defined]
    return render(
        request,
        "trainees/who_viewed.html",
        {"form": form, "people": people, "views": views, "kinds": VIEW_KINDS},
    )


@access(TRAINEE_PAGES)
@require_GET
def my_viewers(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Who in HR or my department looked at my data, and when (the last 200)."""
    trainee = trainee_of(request.user)
    views = (
        list(audit_selectors.subject_views([trainee.pk], staff_only=True)[:200]) if trainee else []
    )
    return render(request, "trainees/my_viewers.html", {"views": views, "kinds": VIEW_KINDS})
