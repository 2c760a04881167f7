from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from trainees import selectors, services
from trainees.forms import LanguageForm
from trainees.roles import HOME_ORDER, Role

_HOME_URL_NAMES = {
    Role.HR_ADMIN: "hr_home",
    Role.AUDITOR: "audit:home",
    Role.COORDINATOR: "coordinator_home",
    Role.TRAINEE: "trainee_home",
}


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each person to the home page of their most privileged role."""
    for role in HOME_ORDER:
        if request.user.has_role(role):
            return redirect(_HOME_URL_NAMES[role])
    # An account without a role (e.g. a technical superuser) still has its profile page.
    return render(request, "trainees/no_role.html", status=200)


@require_GET
@login_required
@permission_required("trainees.use_trainee_pages", raise_exception=True)
def trainee_home(request: HttpRequest) -> HttpResponse:
    from enrollments.selectors import dashboard

    user = request.user
    trainee = selectors.trainee_of(user)
    return render(
        request,
        "trainees/trainee_home.html",
        {
            "roles": [role.label for role in HOME_ORDER if user.has_role(role)],
            "has_totp": selectors.user_has_totp(user),
            "trainee": trainee,
            "board": dashboard(trainee) if trainee else None,
        },
    )


@require_GET
@login_required
@permission_required("trainees.use_coordinator_pages", raise_exception=True)
def coordinator_home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "trainees/coordinator_home.html",
        {"organisations": selectors.organisations_in_scope(request.user)},
    )


@require_GET
@login_required
@permission_required("trainees.use_hr_console", raise_exception=True)
def hr_home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "trainees/hr_home.html",
        {
            "role_counts": selectors.user_counts_by_role(),
            "accounts": selectors.account_totals(),
            "organisations": selectors.organisation_totals(),
        },
    )


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the language; for a logged-in person the choice is kept on their account."""
    form = LanguageForm(request.POST)
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if form.is_valid():
        language = form.cleaned_data["language"]
        if request.user.is_authenticated:
            services.user_set_language(user=request.user, language=language)
        translation.activate(language)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            secure=getattr(settings, "LANGUAGE_COOKIE_SECURE", False),
            httponly=True,
        )
    return response
