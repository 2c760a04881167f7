"""New accounts get a one-time set-password link by e-mail (through Celery)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from trainees.models import RosterImport, Trainee
from trainees.roster_import import roster_import_commit, roster_import_preview

pytestmark = pytest.mark.django_db(transaction=True)  # invitations are queued on commit


def import_sample(fixtures) -> RosterImport:
    record = roster_import_preview(
        data=(fixtures / "roster_sample_cp932.csv").read_bytes(),
        file_name="roster.csv",
        mode="full",
        uploaded_by=None,
    )
    return roster_import_commit(roster_import_id=record.pk, committed_by=None)


def test_invite_a_whole_import_then_set_password_and_log_in(
    client, hr_admin, fixtures, mailoutbox, eager_celery
):
    record = import_sample(fixtures)
    client.force_login(hr_admin)
    client.post(reverse("roster_import_invite", args=[record.pk]))
    assert len(mailoutbox) == 12  # one per new account
    assert AuditEvent.objects.filter(kind="account.invited").get().detail == {"count": 12}
    message = next(m for m in mailoutbox if m.to == ["staff001000@city.example.jp"])
    assert "パスワードの設定" in message.subject
    assert "ログインID：001000" in message.body
    link = re.search(r"http://[^\s]+/accounts/password/reset/key/[^\s]+/", message.body).group(0)

    client.logout()
    page = client.get(link.split("8000", 1)[1], follow=True)
    password = "Kobayashi-2026-pass"
    client.post(page.request["PATH_INFO"], {"password1": password, "password2": password})
    client.post(reverse("account_login"), {"login": "001000", "password": password})
    assert client.session["_auth_user_id"] == str(
        Trainee.objects.get(staff_number="001000").user_id
    )
    assert "小林　恵" in client.get(reverse("trainee_home")).content.decode()

    # The link works once; a second invitation is not sent to someone with a password.
    client.logout()
    again = client.get(link.split("8000", 1)[1], follow=True).content.decode()
    assert 'name="password1"' not in again
    assert "すでに使用された" in again
    mailoutbox.clear()
    kobayashi = Trainee.objects.get(staff_number="001000")
    client.force_login(hr_admin)
    client.post(reverse("trainee_invite", args=[kobayashi.pk]))
    assert mailoutbox == []


def test_deactivated_trainees_cannot_log_in(client, fixtures):
    import_sample(fixtures)
    user = Trainee.objects.get(staff_number="001000").user
    user.set_password("Some-long-password-1")
    user.save()
    header = "職員番号,氏名,所属コード,所属,雇用区分\r\n".encode("cp932")
    record = roster_import_preview(
        data=header + "001001,遠藤　裕子,140200,福祉部 地域福祉課,正規\r\n".encode("cp932"),
        file_name="next-year.csv", mode="full", uploaded_by=None,
    )  # fmt: skip
    roster_import_commit(roster_import_id=record.pk, committed_by=None)
    client.post(reverse("account_login"), {"login": "001000", "password": "Some-long-password-1"})
    assert "_auth_user_id" not in client.session
