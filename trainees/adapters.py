"""allauth adapters: closed sign-up, audit events for lock-outs and reset requests, MFA policy."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from audit.models import AuditEventKind
from audit.services import audit_event_record


def _login_id(credentials: dict[str, Any]) -> str:
    return str(credentials.get("username") or credentials.get("email") or "")


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Accounts come from HR (roster import, admin, create_account): no public sign-up.
        return False

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            audit_event_record(
                kind=AuditEventKind.LOGIN_RATE_LIMITED,
                request=request,
                login_id=_login_id(credentials),
                best_effort=True,
            )
            raise

    def send_password_reset_mail(self, user: Any, email: str, context: dict[str, Any]) -> None:
        audit_event_record(
            kind=AuditEventKind.PASSWORD_RESET_REQUESTED,
            request=context.get("request"),
            subject_user=user,
            best_effort=True,
        )
        super().send_password_reset_mail(user, email, context)


class MFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        # Roles that must use MFA cannot switch their authenticator app off (they can still
        # regenerate recovery codes, and HR can reset a lost device from the admin).
        if authenticator.type == Authenticator.Type.TOTP and authenticator.user.requires_mfa:
            return False
        return super().can_delete_authenticator(authenticator)
