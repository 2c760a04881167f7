from __future__ import annotations

from dataclasses import dataclass, field

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from notices.selectors import unread_notices
from trainees.forms import LanguageForm
from trainees.models import User
from trainees.roles import COORDINATOR_PAGES, HR_CONSOLE, TRAINEE_PAGES
from trainees.selectors import user_has_totp


@dataclass
class NavItem:
    """A menu entry: a link, or a group of links (HR's pages) shown as a disclosure."""

    label: object
    url: str = ""
    children: list[NavItem] = field(default_factory=list)
    current: bool = False  # this page, or (a group) one of its pages
    unread: int = 0  # the inbox's badge

    def mark(self, path: str) -> bool:
        self.current = path == self.url
        for child in self.children:
            self.current = child.mark(path) or self.current
        return self.current


def _menu(user: User, unread: int) -> list[NavItem]:
    if user.requires_mfa and not user_has_totp(user):
        # The forced authenticator set-up: every other page sends them back to it, so the menu
        # offers only the set-up itself.
        return [NavItem(_("Set up two-factor authentication"), reverse("mfa_activate_totp"))]
    items = [NavItem(_("Inbox"), reverse("inbox"), unread=unread)]
    if user.has_perm(TRAINEE_PAGES):
        items += [
            NavItem(_("My page"), reverse("trainee_home")),
            NavItem(_("My training"), reverse("learning")),
            NavItem(_("Course catalogue"), reverse("catalogue")),
        ]
    if user.has_perm(COORDINATOR_PAGES):
        items += [
            NavItem(_("Department"), reverse("coordinator_home")),
            NavItem(_("Nominations"), reverse("nominations")),
            NavItem(_("Reports to review"), reverse("report_review_list")),
            NavItem(_("Approvals waiting"), reverse("approval_queue")),
        ]
    if user.has_perm(HR_CONSOLE):
        items += [
            NavItem(_("HR Training Centre"), reverse("hr_home")),
            NavItem(
                _("Training management"),
                children=[
                    NavItem(_("Courses"), reverse("course_list")),
                    NavItem(_("Venues"), reverse("venue_list")),
                    NavItem(_("Survey templates"), reverse("survey_templates")),
                    NavItem(_("Notification wording"), reverse("notice_templates")),
                    NavItem(_("Dashboards"), reverse("dashboard_completion")),
                ],
            ),
            NavItem(
                _("Staff and roster"),
                children=[
                    NavItem(_("Staff registry"), reverse("trainee_list")),
                    NavItem(_("Organisations"), reverse("organisation_list")),
                    NavItem(_("Supervisors (所属長)"), reverse("supervisor_posts")),
                    NavItem(_("Roster import"), reverse("roster_imports")),
                    NavItem(_("History import"), reverse("history_imports")),
                ],
            ),
        ]
    elif user.has_perm(COORDINATOR_PAGES):
        items += [
            NavItem(_("Staff registry"), reverse("trainee_list")),
            NavItem(_("Dashboards"), reverse("dashboard_completion")),
        ]
    if user.has_perm("audit.view_accesslog"):
        items.append(NavItem(_("Audit log"), reverse("audit:home")))
    account = [
        NavItem(_("My background jobs"), reverse("job_list")),
        NavItem(_("Two-factor authentication"), reverse("mfa_index")),
        NavItem(_("Change password"), reverse("account_change_password")),
    ]
    if user.is_staff:
        account.insert(0, NavItem(_("Admin site"), reverse("admin:index")))
    items.append(NavItem(_("Account"), children=account))
    return items


def navigation(request: HttpRequest) -> dict[str, object]:
    """The menu the current person's roles give them; groups hold HR's pages so that the bar
    stays one line at 1280 px."""
    user = getattr(request, "user", None)
    path = request.get_full_path() if request is not None else "/"
    unread = 0
    menu: list[NavItem] = []
    if isinstance(user, User) and user.is_authenticated:
        unread = unread_notices(user)
        menu = _menu(user, unread)
    for item in menu:
        item.mark(request.path)
    return {
        "nav_links": menu,
        "unread_notices": unread,
        "language_form": LanguageForm(initial={"next": path}),
    }
