from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from notices.selectors import unread_notices
from trainees.forms import LanguageForm
from trainees.roles import COORDINATOR_PAGES, HR_CONSOLE, TRAINEE_PAGES
from trainees.selectors import user_has_totp


def navigation(request: HttpRequest) -> dict[str, object]:
    """The navigation links the current person's roles give them."""
    user = getattr(request, "user", None)
    links: list[tuple[str, object]] = []
    if user is not None and user.is_authenticated and user.requires_mfa and not user_has_totp(user):
        # The forced authenticator set-up: every other page sends them back to it, so the menu
        # offers only the set-up itself.
        links.append((reverse("mfa_activate_totp"), _("Set up two-factor authentication")))
    elif user is not None and user.is_authenticated:
        if user.has_perm(TRAINEE_PAGES):
            links.append((reverse("trainee_home"), _("My page")))
            links.append((reverse("learning"), _("My training")))
            links.append((reverse("catalogue"), _("Course catalogue")))
        if user.has_perm(COORDINATOR_PAGES):
            links.append((reverse("coordinator_home"), _("Department")))
            links.append((reverse("nominations"), _("Nominations")))
        if user.has_perm(HR_CONSOLE):
            links.append((reverse("hr_home"), _("HR administration")))
            links.append((reverse("roster_imports"), _("Roster import")))
            links.append((reverse("course_list"), _("Courses")))
        if user.has_perm(HR_CONSOLE) or user.has_perm(COORDINATOR_PAGES):
            links.append((reverse("trainee_list"), _("Staff registry")))
        if user.is_staff:
            links.append((reverse("admin:index"), _("Admin site")))
        if user.has_perm("audit.view_accesslog"):
            links.append((reverse("audit:home"), _("Audit log")))
        links.insert(0, (reverse("inbox"), _("Inbox")))
        links.append((reverse("mfa_index"), _("Two-factor authentication")))
        links.append((reverse("account_change_password"), _("Change password")))
    path = request.get_full_path() if request is not None else "/"
    unread = 0
    if user is not None and user.is_authenticated:
        unread = unread_notices(user)
    return {
        "nav_links": links,
        "unread_notices": unread,
        "language_form": LanguageForm(initial={"next": path}),
    }
