"""The audit event kinds this app writes (registered at start-up: audit/kinds.py)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TraineesEventKind(models.TextChoices):
    MFA_REENCRYPTED = "mfa.reencrypted", _("Authenticator secrets re-encrypted under a new key")
    ACCOUNT_PROVISIONED = "account.provisioned", _("Account provisioned")
    ACCOUNT_UPDATED = "account.updated", _("Account updated")
    ACCOUNT_INVITED = "account.invited", _("Invitation sent")
    ACCOUNT_ROLES_CHANGED = "account.roles_changed", _("Roles changed")
    ACCOUNT_PASSWORD_SET = "account.password_set", _("Password set by an administrator")
    ACCOUNT_ACTIVE_CHANGED = "account.active_changed", _("Account enabled or disabled")
    NETWORK_REFUSED = "request.network_refused", _("Refused: not from an allowed network")
    ACCOUNT_LANGUAGE_CHANGED = "account.language_changed", _("Display language changed")
    ROSTER_IMPORTED = "roster.imported", _("Roster imported")
    TRAINEES_EXPORTED = "trainees.exported", _("Registry exported")
    TRAINEE_ADDED = "trainee.added", _("Staff member added by hand")
    TRAINEE_EDITED = "trainee.edited", _("Staff record corrected")
    TRAINEE_TRANSFERRED = "trainee.transferred", _("Staff member transferred")
    TRAINEE_LEFT = "trainee.left", _("Staff member marked as left")
    TRAINEE_REACTIVATED = "trainee.reactivated", _("Staff member re-activated")
    SUPERVISOR_APPOINTED = "supervisor.appointed", _("Supervisor (所属長) appointed")
    SUPERVISOR_ENDED = "supervisor.ended", _("Supervisor (所属長) appointment ended")
    ORGANISATION_ADDED = "organisation.added", _("Organisation added")
    ORGANISATION_RENAMED = "organisation.renamed", _("Organisation renamed")
    ORGANISATION_MOVED = "organisation.moved", _("Organisation moved in the tree")
    ORGANISATION_MERGED = "organisation.merged", _("Organisation merged into another")
    ORGANISATION_CLOSED = "organisation.closed", _("Organisation closed")
    ORGANISATION_REOPENED = "organisation.reopened", _("Organisation re-opened")
    TRAINEE_TRANSFER_PLANNED = "trainee.transfer_planned", _("Transfer planned ahead of its day")
    TRAINEE_TRANSFER_CANCELLED = "trainee.transfer_cancelled", _("Planned transfer cancelled")
