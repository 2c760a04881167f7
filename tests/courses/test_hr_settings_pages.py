"""Venues and rooms, organisation quotas and the notices' wording are kept in HR's pages (the
Django admin stays for superusers); every change is an audit event."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from courses.models import CourseKind, Room, Venue
from enrollments.models import OrganisationQuota
from notices.models import NotificationTemplate
from tests.courses.factories import CourseFactory, SessionFactory
from tests.trainees.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def rooms_management(total: int, initial: int = 0) -> dict:
    return {"rooms-TOTAL_FORMS": total, "rooms-INITIAL_FORMS": initial,
            "rooms-MIN_NUM_FORMS": 0, "rooms-MAX_NUM_FORMS": 50}  # fmt: skip


def test_hr_adds_a_venue_with_rooms_and_cannot_remove_a_room_in_use(client, hr_admin):
    client.force_login(hr_admin)
    response = client.post(reverse("venue_create"), {
        "name": "区民センター", "address": "東京都新宿区1-1",
        **rooms_management(2), "rooms-0-name": "ホールA", "rooms-0-capacity": 80,
    })  # fmt: skip
    assert response.status_code == 302
    venue = Venue.objects.get(name="区民センター")
    room = Room.objects.get(venue=venue)
    assert (room.name, room.capacity) == ("ホールA", 80)
    assert AuditEvent.objects.filter(kind="venue.saved").exists()
    SessionFactory(room=room)
    response = client.post(reverse("venue_edit", args=[venue.pk]), {
        "name": "区民センター", "address": "東京都新宿区1-1", **rooms_management(1, 1),
        "rooms-0-id": room.pk, "rooms-0-venue": venue.pk, "rooms-0-name": "ホールA",
        "rooms-0-capacity": 80, "rooms-0-DELETE": "on",
    })  # fmt: skip
    assert response.status_code == 200 and Room.objects.filter(pk=room.pk).exists()
    assert "使われている" in response.content.decode()


def test_hr_sets_and_removes_an_organisation_quota(client, hr_admin):
    course = CourseFactory(kind=CourseKind.OPEN)
    welfare = OrganisationFactory(code="140000", name="福祉部")
    client.force_login(hr_admin)
    url = reverse("course_quotas", args=[course.pk])
    assert client.post(url, {"organisation": welfare.pk, "limit": 3}).status_code == 302
    quota = OrganisationQuota.objects.get(course=course, organisation=welfare)
    assert quota.limit == 3
    client.post(url, {"organisation": welfare.pk, "limit": 5})
    quota.refresh_from_db()
    assert quota.limit == 5
    client.post(reverse("course_quota_remove", args=[course.pk, quota.pk]))
    assert not OrganisationQuota.objects.exists()
    assert AuditEvent.objects.filter(kind="quota.changed").count() == 3


def test_hr_edits_the_wording_and_a_bad_placeholder_is_refused(client, hr_admin):
    client.force_login(hr_admin)
    url = reverse("notice_template_edit", args=["order"])
    response = client.post(url, {"subject": "【研修命令】{course}", "body": "{name} 様 {nonsense}"})
    assert response.status_code == 200 and "{nonsense}" in response.content.decode()
    assert (
        client.post(url, {"subject": "【研修命令】{course}", "body": "{name} 様"}).status_code
        == 302
    )
    assert NotificationTemplate.objects.get(kind="order").body == "{name} 様"
    assert AuditEvent.objects.filter(kind="template.saved", detail__kind="order").exists()
    assert "受講決定通知" in client.get(reverse("notice_templates")).content.decode()
