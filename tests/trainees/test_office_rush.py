"""A ward office behind one proxy address (issue 18, item 16): 4,000 staff share a client
address, so no limit may lock everyone at it out. A 9:00 rush of 300 logins from one address,
with attackers at the same address guessing passwords and an HR administrator mistyping their
authenticator code 200 times: every genuine login gets in, every attacker is stopped."""

from __future__ import annotations

import ipaddress

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from tests.trainees.factories import PASSWORD, UserFactory
from trainees.roles import Role

pytestmark = pytest.mark.django_db
PROXY = "10.20.0.1"  # the ward's proxy: every office PC appears as this address
STAFF = 300


@pytest.fixture(autouse=True)
def office(settings):
    settings.TRUSTED_OFFICE_NETWORKS = [ipaddress.ip_network("10.20.0.0/16")]
    cache.clear()
    yield
    cache.clear()


def _login(client: Client, login: str, password: str, address: str = PROXY):
    return client.post(
        reverse("account_login"), {"login": login, "password": password}, REMOTE_ADDR=address
    )


def _in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_a_9am_rush_from_one_address_with_attackers_mixed_in():
    staff = [UserFactory(username=f"{500000 + n:06d}", roles=[Role.TRAINEE]) for n in range(STAFF)]
    hr = UserFactory(username="100050", roles=[Role.HR_ADMIN], totp=True)
    # The HR administrator types a wrong code 200 times (a broken phone clock).
    hr_client = Client()
    assert _login(hr_client, hr.username, PASSWORD).status_code == 302
    refusals = [
        hr_client.post(reverse("mfa_authenticate"), {"code": "000000"}, REMOTE_ADDR=PROXY)
        for _ in range(200)
    ]
    assert "_auth_user_id" not in hr_client.session
    # Locked after 30 — their own account only (allauth counts MFA failures per user).
    assert all("ログイン失敗が連続しています" in r.content.decode() for r in refusals[-5:])
    assert "ログイン失敗が連続しています" not in refusals[0].content.decode()
    # Three attackers at the same proxy, each guessing ten passwords on each of ten accounts.
    victims = staff[:30]
    attackers = [Client() for _ in range(3)]
    for number, attacker in enumerate(attackers):
        for victim in victims[number * 10 : (number + 1) * 10]:
            for guess in range(10):
                _login(attacker, victim.username, f"guess-{guess}")
            # After five failures from this address the right password does not help either.
            _login(attacker, victim.username, PASSWORD)
            assert not _in(attacker)
    assert AuditEvent.objects.filter(kind="login.rate_limited").count() >= 30
    # The rush: everyone else at the same address, in the same minutes, gets in.
    errors = []
    for user in staff[30:]:
        client = Client()
        response = _login(client, user.username, PASSWORD)
        if response.status_code != 302 or not _in(client):
            errors.append((user.username, response.status_code))
    assert errors == []
    # And the attackers' victims, at their own desks elsewhere in the ward, are not locked out
    # for good: from another office address they log in (the account limit is 30 in 15 min).
    victim = Client()
    _login(victim, victims[0].username, PASSWORD, address="10.20.3.44")
    assert _in(victim)


def test_spraying_from_one_internet_address_hits_the_ceiling(settings):
    settings.RATE_LIMIT_LOGIN_FAILED_ADDRESS = "20/5m/key"
    users = [UserFactory(username=f"{600000 + n:06d}", roles=[Role.TRAINEE]) for n in range(25)]
    sprayer = Client()
    for user in users[:20]:
        _login(sprayer, user.username, "Winter2026!", address="198.51.100.9")
    # The 21st guess from that address is refused, whatever the account ...
    _login(sprayer, users[21].username, PASSWORD, address="198.51.100.9")
    assert not _in(sprayer)
    assert AuditEvent.objects.filter(
        kind="login.rate_limited", detail__limit="login_failed_address"
    ).exists()
    # ... while the same number of failures from the ward's proxy stops nobody.
    office_client = Client()
    for user in users[:20]:
        _login(office_client, user.username, "Winter2026!")
    _login(office_client, users[22].username, PASSWORD)
    assert _in(office_client)
