"""The menu: HR's pages grouped so the bar stays short; every role reaches its pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.trainees.factories import UserFactory
from trainees.roles import Role

pytestmark = pytest.mark.django_db


def _menu(client, user, path):
    client.force_login(user)
    response = client.get(path)
    assert response.status_code == 200
    return response


def test_hr_pages_are_grouped_and_the_current_group_is_marked(client):
    hr = UserFactory(roles=[Role.HR_ADMIN, Role.TRAINEE], totp=True)
    response = _menu(client, hr, reverse("venue_list"))
    top = response.context["nav_links"]
    # Inbox, three trainee pages, HR home, two HR groups and the account group: at most 8
    # entries on the bar (there were 11 single links).
    assert len(top) <= 8
    groups = {str(item.label): item for item in top if item.children}
    assert set(groups) == {"研修管理", "職員・名簿", "アカウント"}
    assert groups["研修管理"].current and not groups["職員・名簿"].current
    reachable = {child.url for item in top for child in item.children} | {i.url for i in top}
    for name in ("course_list", "venue_list", "notice_templates", "roster_imports", "trainee_list"):
        assert reverse(name) in reachable
    page = response.content.decode()
    # The group holding this page is marked; the page itself is aria-current.
    assert 'class="is-current">研修管理</summary>' in page
    assert f'href="{reverse("venue_list")}" aria-current="page"' in page


def test_a_coordinator_keeps_flat_links_and_an_unread_badge(client, coordinator):
    from notices.models import Notice, NoticeKind

    Notice.objects.create(
        user=coordinator, kind=NoticeKind.choices[0][0], title="お知らせ", body="本文"
    )
    response = _menu(client, coordinator, reverse("nominations"))
    top = response.context["nav_links"]
    flat = [str(item.label) for item in top if not item.children]
    assert {"受信箱", "研修生の推薦", "職員名簿", "集計"} <= set(flat)
    assert top[0].unread == 1 and "1 件の未読" in response.content.decode()
