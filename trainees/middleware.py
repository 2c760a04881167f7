"""Per-request account policies that need the logged-in user."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control

from audit.redaction import redact_path
from audit.services import audit_event_record, client_ip
from trainees.selectors import trainee_of, user_has_totp

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# While a privileged user has not set up MFA, only these pages are reachable.
_MFA_SETUP_URL_NAMES = (
    "mfa_activate_totp",
    "mfa_view_recovery_codes",
    "account_logout",
    "account_reauthenticate",
    "set_language",
)


class AccountPolicyMiddleware:
    """The portal's account rules, applied on every authenticated request.

    - The user's chosen language wins over the cookie and the browser.
    - Roles that require MFA (HR administrators, auditors, superusers) are sent to the TOTP
      set-up page until they have an authenticator, and their session ends when the browser
      closes (the idle timeout applies to everyone, see SESSION_COOKIE_AGE).
    - Every response to a logged-in person is ``Cache-Control: private, no-store``: pages and
      files behind the login hold personal data, which no browser or proxy cache may keep.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._allowed_paths: frozenset[str] | None = None

    def allowed_paths(self) -> frozenset[str]:
        if self._allowed_paths is None:
            self._allowed_paths = frozenset(reverse(name) for name in _MFA_SETUP_URL_NAMES)
        return self._allowed_paths

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            if user.language and user.language != translation.get_language():
                translation.activate(user.language)
                request.LANGUAGE_CODE = user.language
            if user.requires_mfa:
                if not request.session.get_expire_at_browser_close():
                    request.session.set_expiry(0)
                if (
                    request.path not in self.allowed_paths()
                    and not request.path.startswith(settings.STATIC_URL)
                    and not user_has_totp(user)
                ):
                    return _private(HttpResponseRedirect(reverse("mfa_activate_totp")))
            return _private(self.get_response(request))
        return self.get_response(request)


def _private(response: HttpResponse) -> HttpResponse:
    patch_cache_control(response, private=True, no_store=True)
    return response


def _in(address: str | None, networks: list[IPNetwork]) -> bool:
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


class NetworkAllowListMiddleware:
    """特定相手以外との通信不可: the staff pages (HR, auditors, the admin: STAFF_NETWORK_PATHS)
    answer only to clients in STAFF_ALLOWED_NETWORKS, and external organisations' trainees
    study (/learn/) only from EXTERNAL_LEARNING_NETWORKS — each when set. The client is the
    address the audit log records (the trusted proxies' chain, TRUSTED_PROXY_COUNT, never a
    header anyone can send). A refusal is a 403 page saying where the page can be used, and an
    audit event."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        rule = self._rule(request)
        if rule is not None:
            address = client_ip(request)
            if not _in(address, rule[1]):
                audit_event_record(
                    kind="request.network_refused", request=request, best_effort=True,
                    detail={"rule": rule[0], "path": redact_path(request.path, None)[:300]},
                )  # fmt: skip
                return render(request, "403_network.html", {"rule": rule[0]}, status=403)
        return self.get_response(request)

    @staticmethod
    def _rule(request: HttpRequest) -> tuple[str, list[IPNetwork]] | None:
        path = request.path
        if settings.STAFF_ALLOWED_NETWORKS and path.startswith(tuple(settings.STAFF_NETWORK_PATHS)):
            return "staff", settings.STAFF_ALLOWED_NETWORKS
        if (
            settings.EXTERNAL_LEARNING_NETWORKS
            and path.startswith("/learn/")
            and request.user.is_authenticated
        ):
            trainee = trainee_of(request.user)
            if trainee is not None and trainee.organisation.is_external:
                return "external_learning", settings.EXTERNAL_LEARNING_NETWORKS
        return None
