"""allauth adapters: closed sign-up, audit events for lock-outs and reset requests, MFA policy."""

from __future__ import annotations

import datetime
import ipaddress
import time
from typing import Any

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records
from allauth.core import context
from allauth.core.internal import ratelimit as internal_ratelimit
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from redis.exceptions import RedisError

from audit.models import AuditEventKind
from audit.services import audit_event_record, client_ip
from trainees import crypto
from trainees.selectors import account_for_login, user_has_totp


def _in_office_network(address: str) -> bool:
    """Is this client address one of the ward's own (TRUSTED_OFFICE_NETWORKS)?"""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in settings.TRUSTED_OFFICE_NETWORKS)


def _login_id(credentials: dict[str, Any]) -> str:
    return str(credentials.get("username") or credentials.get("email") or "")


def _logged_in_recently(request: HttpRequest) -> bool:
    """Did this session log in (with its password) within the reauthentication timeout?"""
    records = get_authentication_records(request, request.user)
    return bool(records) and (
        time.time() - records[-1]["at"] < account_settings.REAUTHENTICATION_TIMEOUT
    )


def _setting_up(user: Any) -> bool:
    """No authenticator app yet, or one added a moment ago (the recovery codes that follow
    belong to the same set-up)."""
    since = timezone.now() - datetime.timedelta(seconds=account_settings.REAUTHENTICATION_TIMEOUT)
    return (
        not user_has_totp(user)
        or Authenticator.objects.filter(
            user=user, type=Authenticator.Type.TOTP, created_at__gte=since
        ).exists()
    )


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Accounts come from HR (roster import, admin, create_account): no public sign-up.
        return False

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        """Failed logins count per account, whichever identifier is typed (staff number or
        e-mail): ten guesses cannot become twenty by switching between them."""
        login = _login_id(credentials)
        user = account_for_login(login)
        return f"account:{user.pk}" if user is not None else f"login:{login.lower()}"

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        """Refuse while too many logins failed: for this account from any address (allauth's
        "login_failed", keyed per account), for this account from this address (the tightest,
        which stops a guesser without locking the owner, elsewhere, out), and from this address
        for any account — a high ceiling only, higher still for the ward's own networks
        (TRUSTED_OFFICE_NETWORKS), where one proxy address is thousands of staff. Every count
        is of failures only: a successful login takes its attempt back. When the cache holding
        the counts is unreachable, logins are refused (a limit that cannot be counted is not
        lifted) with a "try again shortly", never an error page."""
        address = client_ip(request) or "?"
        ceiling = (
            settings.RATE_LIMIT_LOGIN_FAILED_OFFICE
            if _in_office_network(address)
            else settings.RATE_LIMIT_LOGIN_FAILED_ADDRESS
        )
        self._failure_usages: list[Any] = []
        try:
            try:
                super().pre_authenticate(request, **credentials)  # per account, any address
            except ValidationError:
                self._locked_out(request, credentials, limit="account")
                raise
            account = self._get_login_attempts_cache_key(request, **credentials)
            pair = settings.RATE_LIMIT_LOGIN_FAILED_PAIR
            for action, rate, key in (
                ("login_failed_pair", pair, f"{account}:{address}"),
                ("login_failed_address", ceiling, f"address:{address}"),
            ):
                usage = internal_ratelimit.consume(
                    request, app="allauth.account", action=action, config={action: rate}, key=key
                )
                if not usage:
                    self._rollback_login_failed_rl_usage()
                    self._locked_out(request, credentials, limit=action)
                    raise self.validation_error("too_many_login_attempts")
                self._failure_usages.append(usage)
        except (RedisError, OSError):
            raise ValidationError(
                _("Logins cannot be checked just now. Please try again in a few minutes."),
                code="unavailable",
            ) from None

    def _rollback_login_failed_rl_usage(self) -> None:
        super()._rollback_login_failed_rl_usage()
        for usage in getattr(self, "_failure_usages", []):
            usage.rollback()
        self._failure_usages = []

    def _locked_out(self, request: HttpRequest, credentials: dict[str, Any], *, limit: str) -> None:
        audit_event_record(
            kind=AuditEventKind.LOGIN_RATE_LIMITED,
            request=request,
            login_id=_login_id(credentials),
            detail={"limit": limit},
            best_effort=True,
        )

    def is_reauthentication_required(self, *, app: str, **kwargs: Any) -> bool:
        """Setting up the first authenticator app right after logging in (the forced set-up of
        HR administrators and auditors) does not ask for the password a second time: the
        login a moment ago is proof enough. Changing or removing one still asks."""
        request = context.request
        user = getattr(request, "user", None)
        if (
            app == "allauth.mfa"
            and user is not None
            and user.is_authenticated
            and _logged_in_recently(request)
            and _setting_up(user)
        ):
            return False
        return super().is_reauthentication_required(app=app, **kwargs)

    def send_password_reset_mail(self, user: Any, email: str, context: dict[str, Any]) -> None:
        audit_event_record(
            kind=AuditEventKind.PASSWORD_RESET_REQUESTED,
            request=context.get("request"),
            subject_user=user,
            best_effort=True,
        )
        super().send_password_reset_mail(user, email, context)


class MFAAdapter(DefaultMFAAdapter):
    def encrypt(self, text: str) -> str:
        """TOTP secrets and recovery-code seeds are stored encrypted (trainees/crypto.py)."""
        return crypto.encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        return crypto.decrypt(encrypted_text)

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        # Roles that must use MFA cannot switch their authenticator app off (they can still
        # regenerate recovery codes, and HR can reset a lost device from the admin).
        if authenticator.type == Authenticator.Type.TOTP and authenticator.user.requires_mfa:
            return False
        return super().can_delete_authenticator(authenticator)
