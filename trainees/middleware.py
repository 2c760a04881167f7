"""Per-request account policies that need the logged-in user."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control

from trainees.selectors import user_has_totp

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
