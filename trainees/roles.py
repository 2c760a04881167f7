"""The four roles, as Django groups with permissions.

A role is a group whose name is the role's code; what a role may do is the set of permissions
its group holds, kept in step with ``ROLE_PERMISSIONS`` after every ``migrate``. Views check
permissions (``@access(…)``, lib/access.py), never group names, so a role can gain a permission
here without touching the views.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    HR_ADMIN = "hr_admin", _("HR administrator")
    COORDINATOR = "coordinator", _("Department coordinator")
    TRAINEE = "trainee", _("Trainee")
    AUDITOR = "auditor", _("Auditor")


# "app_label.codename" for each role. HR administrators manage accounts and organisations
# through the Django admin as well as the portal; auditors only read the audit trail.
ROLE_PERMISSIONS: dict[Role, tuple[str, ...]] = {
    Role.HR_ADMIN: (
        "trainees.use_hr_console",
        "trainees.view_user",
        "trainees.add_user",
        "trainees.change_user",
        "trainees.view_organisation",
        "trainees.add_organisation",
        "trainees.change_organisation",
        "trainees.view_trainee",
        "courses.view_venue",
        "courses.add_venue",
        "courses.change_venue",
        "courses.view_room",
        "courses.add_room",
        "courses.change_room",
        "courses.delete_room",
        "notices.view_notificationtemplate",
        "notices.change_notificationtemplate",
        "trainees.view_rosterimport",
        "enrollments.view_organisationquota",
        "enrollments.add_organisationquota",
        "enrollments.change_organisationquota",
        "enrollments.delete_organisationquota",
        # To reset the authenticator of someone who lost their phone.
        "mfa.view_authenticator",
        "mfa.delete_authenticator",
    ),
    Role.COORDINATOR: ("trainees.use_coordinator_pages",),
    Role.TRAINEE: ("trainees.use_trainee_pages",),
    Role.AUDITOR: (
        "audit.view_accesslog",
        "audit.view_auditevent",
        # The log analysis: its findings read and reviewed, its monthly reports made and read.
        "audit.view_finding",
        "audit.change_finding",
        "audit.view_monthlyreport",
        # 消去報告書: read and checked by the auditors.
        "lifecycle.view_deletionreport",
    ),
}

# Roles that see other people's personal data or the audit trail must use a second factor.
MFA_REQUIRED_ROLES = frozenset({Role.HR_ADMIN, Role.AUDITOR})
# Roles that work in the Django admin (it needs is_staff).
STAFF_ROLES = frozenset({Role.HR_ADMIN})
# The home page a person lands on, by the first role they hold in this order.
HOME_ORDER = (Role.HR_ADMIN, Role.AUDITOR, Role.COORDINATOR, Role.TRAINEE)

# The permissions views check, by name (one place to spell them).
HR_CONSOLE = "trainees.use_hr_console"
COORDINATOR_PAGES = "trainees.use_coordinator_pages"
TRAINEE_PAGES = "trainees.use_trainee_pages"

# Roles HR may not grant (separation of duties: the auditor checks HR). Group names.
ONLY_SUPERUSERS_GRANT = frozenset({Role.AUDITOR.value})
# Accounts whose e-mail, password, roles and authenticator only a superuser may change when
# someone else holds them: HR administrators and auditors.
PROTECTED_ROLES = frozenset({Role.HR_ADMIN, Role.AUDITOR})


def protected_from(editor: Any, account: Any) -> bool:
    """May `editor` not change `account`'s credentials and roles? True for another HR
    administrator's, an auditor's or a superuser's account, unless the editor is a superuser."""
    if getattr(editor, "is_superuser", False) or editor.pk == account.pk:
        return False
    return account.is_superuser or any(account.has_role(role) for role in PROTECTED_ROLES)
