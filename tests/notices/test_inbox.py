"""The in-system inbox and the notice templates HR edits."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.models import AuditEvent
from notices.models import DEFAULT_TEMPLATES, Notice, NotificationTemplate
from notices.services import notices_send

pytestmark = pytest.mark.django_db


def test_inbox_shows_own_notices_and_the_unread_count(client, trainee, coordinator):
    notices_send(user_ids=[trainee.pk, coordinator.pk], kind="order", title="研修命令", body="本文")
    notices_send(user_ids=[coordinator.pk], kind="info", title="他人あて", body="x")
    client.force_login(trainee)
    page = client.get(reverse("inbox"))
    assert [n.title for n in page.context["page"]] == ["研修命令"]
    assert "1 件の未読" in client.get(reverse("trainee_home")).content.decode()


def test_mark_read_one_or_all_but_never_someone_elses(client, trainee, coordinator):
    notices_send(user_ids=[trainee.pk], kind="order", title="一", body="x")
    notices_send(user_ids=[trainee.pk], kind="order", title="二", body="x")
    notices_send(user_ids=[coordinator.pk], kind="order", title="他人", body="x")
    client.force_login(trainee)
    first = Notice.objects.get(title="一")
    others = Notice.objects.get(title="他人")
    client.post(reverse("inbox_mark_read", args=[first.pk]))
    assert Notice.objects.filter(user=trainee, read_at__isnull=True).count() == 1
    assert client.post(reverse("inbox_mark_read", args=[others.pk])).status_code == 404
    others.refresh_from_db()
    assert others.read_at is None
    client.post(reverse("inbox_mark_all_read"))
    assert not Notice.objects.filter(user=trainee, read_at__isnull=True).exists()
    assert "未読" not in client.get(reverse("trainee_home")).content.decode()


def test_inbox_has_a_fixed_query_budget(client, trainee, page_queries):
    client.force_login(trainee)
    notices_send(user_ids=[trainee.pk], kind="info", title="t", body="b")
    client.get(reverse("inbox"))
    notices_send(user_ids=[trainee.pk] * 40, kind="info", title="t", body="b")
    with page_queries("notices: count", "notices: the page", mfa=False):
        response = client.get(reverse("inbox"))
    assert response.status_code == 200 and len(response.context["page"]) == 30


def test_templates_refuse_bad_placeholders_when_saved():
    template = NotificationTemplate.for_kind("order")
    template.subject = "【研修命令】{course}（{氏名}）"
    with pytest.raises(ValidationError, match="氏名"):
        template.full_clean()
    template.subject = "【研修命令】{course"
    with pytest.raises(ValidationError):
        template.full_clean()


def test_default_order_template_renders_in_japanese():
    subject, body = NotificationTemplate.for_kind("order").render(
        {"name": "区民 花子", "course": "接遇研修", "session": "第1回", "dates": "2026年6月10日 9:30–17:00",
         "venue": "区役所本庁舎 5階 研修室A", "order_number": "2026-0001", "order_date": "2026年5月1日",
         "deadline": "2026年6月3日", "portal_link": "https://kenshu.example.jp/"}
    )  # fmt: skip
    assert subject == "【研修命令】接遇研修（第1回）"
    assert body.startswith("区民 花子 様") and "命令番号：2026-0001" in body


def test_hr_edits_a_template_in_the_admin(client, hr_admin):
    from notices.services import template_save

    template = template_save(template=NotificationTemplate.for_kind("reminder"), actor=None)
    client.force_login(hr_admin)
    url = reverse("admin:notices_notificationtemplate_change", args=[template.pk])
    response = client.post(url, {"subject": "督促 {course} {unknown}", "body": "x"})
    assert response.status_code == 200 and "{unknown}" in response.content.decode()
    response = client.post(url, {"subject": "【督促】{course}", "body": "{name} 様"})
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.subject == "【督促】{course}"


def test_the_default_wording_is_read_without_writing_and_saved_once(client, hr_admin):
    """Issue 19, section 2: the templates page reads — a kind never edited shows the default
    wording unsaved; HR's first save stores it (one row, audited), later saves change it."""
    NotificationTemplate.objects.filter(kind="reminder").delete()  # a kind never saved (raw)
    client.force_login(hr_admin)
    page = client.get(reverse("notice_templates"))
    default_subject = DEFAULT_TEMPLATES["reminder"][0]
    assert page.status_code == 200 and default_subject.split("{")[0] in page.content.decode()
    assert not NotificationTemplate.objects.filter(kind="reminder").exists()
    url = reverse("notice_template_edit", args=["reminder"])
    for subject in ("【督促】{course}", "【再督促】{course}"):
        response = client.post(url, {"subject": subject, "body": "{name} 様"})
        assert response.status_code == 302
    assert list(NotificationTemplate.objects.filter(kind="reminder").values_list("subject")) == [
        ("【再督促】{course}",)
    ]
    assert AuditEvent.objects.filter(kind="template.saved").count() == 2
