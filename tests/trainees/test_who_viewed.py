"""閲覧記録 (issue 20, who viewed whose data): HR's and a coordinator's views of a person's record,
history (and its download) and report are recorded for exactly that person; the auditor looks
them up by staff number; the person sees who in HR or their department looked — not auditors,
and not themselves."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assessments import services as assessment_services
from audit.models import SubjectView
from tests.assessments.factories import make_form, values
from tests.courses.factories import SessionFactory
from tests.enrollments.factories import enrol
from tests.trainees.factories import TraineeFactory, UserFactory
from trainees.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def hanako(organisation):
    person = TraineeFactory(staff_number="000777", name="区民 花子", organisation=organisation)
    person.user = UserFactory(username="000777", full_name="区民 花子", roles=[Role.TRAINEE])
    person.save(update_fields=["user"])
    return person


def test_views_are_recorded_for_exactly_their_subject(client, hr_admin, coordinator, hanako,
                                                      organisation):  # fmt: skip
    other = TraineeFactory(staff_number="000778", organisation=organisation)
    client.force_login(hr_admin)
    assert client.get(reverse("trainee_detail", args=[hanako.pk])).status_code == 200
    assert client.get(reverse("trainee_history", args=[hanako.pk])).status_code == 200
    export = client.get(reverse("trainee_history_export", args=[hanako.pk]), {"format": "csv"})
    assert export.status_code == 200
    client.get(reverse("trainee_list"))  # a list is no view of anyone's record
    form = make_form(SessionFactory().course, review=True)
    place = enrol(hanako, form.course.sessions.get())
    report = assessment_services.report_save(form=form, enrollment=place, answers=values(form),
                                             submit=True, actor=None)  # fmt: skip
    client.force_login(coordinator)
    assert client.get(reverse("report_review", args=[report.pk])).status_code == 200
    client.force_login(hanako.user)
    assert client.get(reverse("my_history")).status_code == 200  # one's own: not recorded
    recorded = list(
        SubjectView.objects.order_by("id").values_list("username", "subject_id", "what")
    )
    assert recorded == [
        ("100001", hanako.pk, "record"),
        ("100001", hanako.pk, "history"),
        ("100001", hanako.pk, "history_export"),
        ("200001", hanako.pk, "report"),
    ]
    assert not SubjectView.objects.filter(subject_id=other.pk).exists()


def test_the_auditor_looks_a_person_up_by_staff_number(client, hr_admin, auditor, hanako,
                                                       page_queries):  # fmt: skip
    client.force_login(hr_admin)
    client.get(reverse("trainee_detail", args=[hanako.pk]))
    client.force_login(auditor)
    url = reverse("who_viewed")
    client.get(url, {"staff_number": "０００７７７"})
    with page_queries("the people with this staff number", "their views"):
        page = client.get(url, {"staff_number": "０００７７７"})  # typed with the IME
    assert page.status_code == 200
    text = page.content.decode()
    assert "人材 育子" in text and "100001" in text and "登録情報" in text
    assert "この職員番号の職員はいません" in client.get(url, {"staff_number": "9"}).content.decode()


def test_a_person_sees_who_looked_at_their_data_but_not_the_auditors(client, hr_admin, hanako):
    both = UserFactory(username="100009", full_name="監査 兼務", roles=[Role.HR_ADMIN, Role.AUDITOR],
                       totp=True)  # fmt: skip
    for viewer in (hr_admin, both):
        client.force_login(viewer)
        client.get(reverse("trainee_history", args=[hanako.pk]))
    client.force_login(hanako.user)
    page = client.get(reverse("my_viewers"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "人材 育子" in text and "受講履歴" in text
    assert "監査 兼務" not in text
    assert [v.viewer_name for v in page.context["views"]] == ["人材 育子"]


def test_an_export_records_exactly_the_people_in_it(client, hr_admin, hanako, organisation,
                                                    settings):  # fmt: skip
    """A session's participant list holds Hanako and Taro, not Jiro (another session): the
    download is a view of exactly those two, and its event keeps the count and the keyed hash
    of their ids — which a list with Jiro in it does not match."""
    from audit.models import AuditEvent
    from audit.services import subjects_digest

    session, other_session = SessionFactory(), SessionFactory()
    taro = TraineeFactory(staff_number="000779", organisation=organisation)
    jiro = TraineeFactory(staff_number="000780", organisation=organisation)
    enrol(hanako, session), enrol(taro, session), enrol(jiro, other_session)
    client.force_login(hr_admin)
    url = reverse("session_export", args=[session.pk, "participants"])
    assert client.get(url, {"format": "csv"}).status_code == 200
    seen = set(SubjectView.objects.filter(what="export").values_list("subject_id", flat=True))
    assert seen == {hanako.pk, taro.pk}
    event = AuditEvent.objects.get(kind="session.exported")
    assert event.detail["subjects"] == 2
    assert event.detail["subjects_hmac"] == subjects_digest([taro.pk, hanako.pk])
    assert event.detail["subjects_hmac"] != subjects_digest([hanako.pk, taro.pk, jiro.pk])
    # Beyond the limit only the count and the hash are kept.
    settings.AUDIT_EXPORT_VIEW_LIMIT = 1
    client.get(url, {"format": "csv"})
    assert SubjectView.objects.filter(what="export").count() == 2
    latest = AuditEvent.objects.filter(kind="session.exported").order_by("-id").first()
    assert latest.detail["subjects"] == 2 and latest.detail["views_recorded"] == 0
    # The auditor's page names the download.
    client.force_login(UserFactory(username="900001", roles=[Role.AUDITOR], totp=True))
    page = client.get(reverse("who_viewed"), {"staff_number": "000779"}).content.decode()
    assert "ダウンロード" in page
