"""Logging in by staff number or e-mail address, with the same work whatever is typed.

Django's and allauth's backends together hashed the password three times for an e-mail address
that has an account and twice for one that has not, so the time a failed login took told
whether an address belonged to someone. Here the account is looked up once (by login ID, else
by e-mail address) and the password is hashed exactly once: against the account's hash, or, when
there is no account, against nothing, at the same cost. Permissions are Django's (ModelBackend),
kept in the cache between requests (``trainees.permission_cache``).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from trainees.models import User
from trainees.permission_cache import permissions_of
from trainees.selectors import account_for_login


class LoginBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        email: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        login = username or email
        if not login or password is None:
            return None
        user = account_for_login(login)
        if user is None:
            User().set_password(password)  # the same hashing as for a real account
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        """ModelBackend's answer (nothing for an inactive account or an object; everything for
        a superuser), the rest from the cache rather than two queries a request."""
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if user_obj.is_superuser:
            return super().get_all_permissions(user_obj, obj)
        if not hasattr(user_obj, "_perm_cache"):
            user_obj._perm_cache = permissions_of(user_obj)
        return user_obj._perm_cache
