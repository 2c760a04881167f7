"""Issue 21: the password again before a role change and before removing someone's
authenticator in the admin (ADMIN_REAUTHENTICATION). Nothing is written before it is given; once
given, the change that was posted goes through without being typed again."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group
from django.urls import reverse

from audit.models import AuditEvent
from tests.trainees.admin_forms import change_form
from tests.trainees.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def asked(settings):
    settings.ADMIN_REAUTHENTICATION = True


def test_a_role_change_waits_for_the_password_and_then_goes_through(client, hr_admin, asked):
    staff = UserFactory(username="200001")
    before = set(staff.groups.values_list("name", flat=True))
    assert "coordinator" not in before
    client.force_login(hr_admin)
    url = reverse("admin:trainees_user_change", args=[staff.pk])
    # Looking at the form asks nothing.
    assert client.get(url).status_code == 200
    data = change_form(client, staff)
    kept = list(data.get("groups", []))
    data["groups"] = [*kept, Group.objects.get(name="coordinator").pk]
    response = client.post(url, data)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert set(staff.groups.values_list("name", flat=True)) == before
    assert not AuditEvent.objects.filter(kind="account.roles_changed").exists()
    assert not LogEntry.objects.exists()
    # A wrong password changes nothing either.
    wrong = client.post(response["Location"], {"password": "not-the-password"})
    assert wrong.status_code == 200
    assert set(staff.groups.values_list("name", flat=True)) == before
    # The right one: the posted form is sent again and saved.
    done = client.post(response["Location"], {"password": PASSWORD})
    assert done.status_code == 302 and done["Location"] == reverse("admin:trainees_user_changelist")
    assert set(staff.groups.values_list("name", flat=True)) == before | {"coordinator"}
    event = AuditEvent.objects.get(kind="account.roles_changed")
    assert event.detail == {"added": ["coordinator"], "removed": []}
    # Honoured for a while: the next change asks nothing.
    data["groups"] = kept
    assert client.post(url, data).status_code == 302
    assert set(staff.groups.values_list("name", flat=True)) == before


def test_setting_a_password_in_the_admin_asks_too(client, hr_admin, asked):
    staff = UserFactory(username="200002")
    client.force_login(hr_admin)
    url = reverse("admin:auth_user_password_change", args=[staff.pk]).replace(
        "auth/user", "trainees/user"
    )
    response = client.post(
        url, {"password1": "Handed-over-12345", "password2": "Handed-over-12345"}
    )
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    staff.refresh_from_db()
    assert not staff.check_password("Handed-over-12345")


@pytest.mark.parametrize("way", ["delete page", "delete selected"])
def test_removing_someones_authenticator_waits_for_the_password(client, hr_admin, asked, way):
    staff = UserFactory(username="200003", totp=True)
    authenticator = Authenticator.objects.get(user=staff, type=Authenticator.Type.TOTP)
    client.force_login(hr_admin)
    if way == "delete page":
        url = reverse("admin:mfa_authenticator_delete", args=[authenticator.pk])
        data = {"post": "yes"}
    else:
        url = reverse("admin:mfa_authenticator_changelist")
        data = {"action": "delete_selected", "_selected_action": [authenticator.pk], "post": "yes"}
    # The confirmation page itself is only a question.
    assert client.get(reverse("admin:mfa_authenticator_delete", args=[authenticator.pk])
                      ).status_code == 200  # fmt: skip
    response = client.post(url, data)
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert Authenticator.objects.filter(pk=authenticator.pk).exists()
    assert not AuditEvent.objects.filter(kind="mfa.removed").exists()
    assert not LogEntry.objects.exists()
    client.post(response["Location"], {"password": PASSWORD})
    assert not Authenticator.objects.filter(pk=authenticator.pk).exists()
    assert AuditEvent.objects.get(kind="mfa.removed").subject_user == staff
