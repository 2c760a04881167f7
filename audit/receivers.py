"""Authentication events from Django and allauth, written to the audit trail."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from allauth.account import signals as account_signals
from allauth.mfa import signals as mfa_signals
from django.contrib.auth import signals as auth_signals
from django.dispatch import receiver

from audit.models import AuditEventKind
from audit.services import audit_event_record


@receiver(auth_signals.user_logged_in, dispatch_uid="audit.login")
def on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit_event_record(
        kind=AuditEventKind.LOGIN_SUCCEEDED, request=request, user=user, best_effort=True
    )


@receiver(auth_signals.user_login_failed, dispatch_uid="audit.login_failed")
def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    # Django has already masked the password in ``credentials``; only the login ID is kept.
    login_id = str(credentials.get("username") or credentials.get("email") or "")
    audit_event_record(
        kind=AuditEventKind.LOGIN_FAILED, request=request, login_id=login_id, best_effort=True
    )


@receiver(auth_signals.user_logged_out, dispatch_uid="audit.logout")
def on_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit_event_record(kind=AuditEventKind.LOGOUT, request=request, user=user, best_effort=True)


def _record_authenticator_change(kind: AuditEventKind) -> Callable[..., None]:
    def receive(sender: Any, request: Any, user: Any, authenticator: Any, **kwargs: Any) -> None:
        audit_event_record(
            kind=kind,
            request=request,
            user=user,
            detail={"type": authenticator.type},
            best_effort=True,
        )

    return receive


for _signal, _kind in (
    (mfa_signals.authenticator_added, AuditEventKind.MFA_ADDED),
    (mfa_signals.authenticator_removed, AuditEventKind.MFA_REMOVED),
    (mfa_signals.authenticator_reset, AuditEventKind.MFA_RECOVERY_CODES_RESET),
):
    _signal.connect(_record_authenticator_change(_kind), weak=False, dispatch_uid=f"audit.{_kind}")


@receiver(mfa_signals.authentication_failed, dispatch_uid="audit.mfa_failed")
def on_mfa_failed(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    # The user has passed the password step only: record them as the subject, not the actor.
    audit_event_record(
        kind=AuditEventKind.MFA_FAILED,
        request=request,
        user=None,
        subject_user=user,
        login_id=user.get_username(),
        best_effort=True,
    )


@receiver(account_signals.password_reset, dispatch_uid="audit.password_reset")
def on_password_reset(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit_event_record(
        kind=AuditEventKind.PASSWORD_RESET_COMPLETED,
        request=request,
        subject_user=user,
        best_effort=True,
    )


@receiver(account_signals.password_changed, dispatch_uid="audit.password_changed")
def on_password_changed(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit_event_record(
        kind=AuditEventKind.PASSWORD_CHANGED, request=request, user=user, best_effort=True
    )


def _record_email_change(action: str) -> Callable[..., None]:
    def receive(sender: Any, request: Any = None, **kwargs: Any) -> None:
        user = kwargs.get("user") or getattr(kwargs.get("email_address"), "user", None)
        audit_event_record(
            kind=AuditEventKind.ACCOUNT_EMAIL_CHANGED,
            request=request,
            subject_user=user,
            detail={"action": action},
            best_effort=True,
        )

    return receive


# Every change of a person's e-mail addresses through allauth is on record (the admin's and the
# roster import's are recorded where they happen).
for _signal, _action in (
    (account_signals.email_added, "added"),
    (account_signals.email_removed, "removed"),
    (account_signals.email_changed, "primary_changed"),
    (account_signals.email_confirmed, "confirmed"),
):
    _signal.connect(
        _record_email_change(_action), weak=False, dispatch_uid=f"audit.email_{_action}"
    )
