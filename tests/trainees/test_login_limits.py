"""Login attempts: counted per account whatever identifier is typed and per address; the owner
logging in from elsewhere is not locked out by a guesser; the cache being down is a "try again
shortly", not an error page; and a failed login costs the same whether or not the e-mail
address has an account."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher, make_password
from django.urls import reverse

from audit.models import AuditEvent
from config.settings.base import PASSWORD_HASHERS as PRODUCTION_HASHERS
from tests.trainees.factories import PASSWORD
from trainees.hashers import Argon2idHasher

pytestmark = pytest.mark.django_db

GUESSER, OWNER = "198.51.100.7", "203.0.113.20"


def attempt(client, login: str, password: str, address: str = GUESSER):
    return client.post(
        reverse("account_login"), {"login": login, "password": password}, REMOTE_ADDR=address
    )


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_switching_identifier_does_not_buy_more_guesses(client, trainee):
    for _ in range(3):
        attempt(client, "300001", "wrong-1")
    for _ in range(2):
        attempt(client, trainee.email, "wrong-2")
    attempt(client, "３００００１", PASSWORD)  # right password, same guesser: still refused
    assert not logged_in(client)
    assert AuditEvent.objects.filter(kind="login.rate_limited").exists()


def test_the_owner_elsewhere_is_not_locked_out_by_a_guesser(client, trainee):
    for _ in range(8):
        attempt(client, "300001", "wrong-1", GUESSER)
    attempt(client, "300001", PASSWORD, GUESSER)
    assert not logged_in(client)
    attempt(client, "300001", PASSWORD, OWNER)
    assert logged_in(client)


def test_guesses_from_many_addresses_lock_the_account_for_a_while(client, trainee, settings):
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "login_failed": "30/5m/ip,6/15m/key",
    }
    for n in range(6):
        attempt(client, "300001", "wrong-1", f"192.0.2.{n + 1}")
    attempt(client, "300001", PASSWORD, OWNER)
    assert not logged_in(client)


def test_login_while_the_cache_is_down_says_try_again(client, trainee, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        }
    }
    assert client.get(reverse("account_login")).status_code == 200  # the form still shows
    response = attempt(client, "300001", PASSWORD)
    assert response.status_code == 503
    assert "しばらくしてから" in response.content.decode()
    assert not logged_in(client)


def test_a_failed_login_costs_the_same_whatever_is_typed(client, trainee, settings, monkeypatch):
    settings.PASSWORD_HASHERS = PRODUCTION_HASHERS
    trainee.set_password(PASSWORD)
    trainee.save()
    hashed = []
    # Argon2 verifies without encoding: count both ways a hash is computed.
    encode, verify = Argon2idHasher.encode, Argon2idHasher.verify
    monkeypatch.setattr(
        Argon2idHasher,
        "encode",
        lambda self, *a, **k: hashed.append(1) or encode(self, *a, **k),
    )
    monkeypatch.setattr(
        Argon2idHasher,
        "verify",
        lambda self, *a, **k: hashed.append(1) or verify(self, *a, **k),
    )
    counts = {}
    for login in (trainee.email, "nobody@city.example.jp", "300001", "999999"):
        hashed.clear()
        attempt(client, login, "wrong-password-1", f"192.0.2.{len(counts) + 50}")
        counts[login] = len(hashed)
    assert set(counts.values()) == {1}, counts


def test_passwords_are_argon2id_and_older_hashes_are_upgraded_at_login(client, trainee, settings):
    """Issue 18, item 17: Argon2id with OWASP's parameters; a PBKDF2 hash from before is
    replaced at the next successful login, without a reset."""
    settings.PASSWORD_HASHERS = PRODUCTION_HASHERS
    trainee.password = make_password(PASSWORD, hasher=PBKDF2PasswordHasher())
    trainee.save(update_fields=["password"])
    attempt(client, "300001", PASSWORD, OWNER)
    assert logged_in(client)
    trainee.refresh_from_db()
    assert trainee.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert trainee.check_password(PASSWORD)
