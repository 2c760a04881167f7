"""受講履歴管理: HR's records of training outside the portal, the organisation as it was, a
leaver's history read-only, and the history printed as PDF."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from pypdf import PdfReader

from audit.models import AuditEvent
from enrollments.services import attendance_all_present, enrollments_stamp_organisation
from reports.models import HistoryRecordChange
from reports.selectors import trainee_history
from reports.services import history_record_add, history_record_correct, history_record_remove
from tests.courses.factories import SessionFactory
from tests.enrollments.factories import completed, enrol
from tests.reports.factories import RECORD
from tests.trainees.factories import OrganisationFactory, TraineeFactory, UserFactory
from trainees.models import Trainee, TraineeStatus
from trainees.roles import Role

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.fixture
def person():
    trainee = TraineeFactory(name="派遣 太郎")
    trainee.user = UserFactory(username="300020", roles=[Role.TRAINEE])
    trainee.save(update_fields=["user"])
    return trainee


def test_hr_adds_corrects_and_removes_a_record_keeping_every_change(client, hr_admin, person):
    client.force_login(hr_admin)
    form = {**{k: str(v) for k, v in RECORD.items()}, "reason": "派遣研修の修了証を確認"}
    response = client.post(reverse("history_record_create", args=[person.pk]), form)
    assert response.status_code == 302
    (row,) = trainee_history(person)
    record = row.record
    assert record.provider == "自治大学校" and record.organisation_name == person.organisation.name
    assert row.outcome == "completed" and str(row.hours) == "240.0"

    response = client.post(
        reverse("history_record_edit", args=[record.pk]),
        {**form, "hours": "232.5", "reason": "時間数の誤り"},
    )
    assert response.status_code == 302
    correction = HistoryRecordChange.objects.get(kind="corrected")
    assert correction.changes == {"hours": ["240.0", "232.5"]}
    assert correction.reason == "時間数の誤り" and correction.changed_by == hr_admin

    # Without a reason nothing is removed.
    client.post(reverse("history_record_remove", args=[record.pk]), {"reason": ""})
    assert trainee_history(person)
    client.post(reverse("history_record_remove", args=[record.pk]), {"reason": "重複登録"})
    assert trainee_history(person) == []
    kinds = list(HistoryRecordChange.objects.order_by("id").values_list("kind", flat=True))
    assert kinds == ["added", "corrected", "removed"]
    assert set(AuditEvent.objects.filter(kind__startswith="history.record").values_list(
        "kind", flat=True)) == {"history.record_added", "history.record_corrected",
                                "history.record_removed"}  # fmt: skip
    page = client.get(reverse("trainee_history", args=[person.pk])).content.decode()
    assert "重複登録" in page and "時間数の誤り" in page


def test_bad_record_input_is_named_per_field(client, hr_admin, person):
    client.force_login(hr_admin)
    form = {**{k: str(v) for k, v in RECORD.items()}, "reason": ""}
    form["ended_on"] = "2018-09-01"
    page = client.post(reverse("history_record_create", args=[person.pk]), form)
    assert page.status_code == 200
    text = page.content.decode()
    assert "最終日を初日より前にすることはできません。" in text
    assert "このフィールドは必須です。" in text
    assert not person.history_records.exists()


def test_the_trainee_sees_the_record_in_my_history_and_its_pdf(client, person):
    history_record_add(trainee=person, data=RECORD, reason="移行", actor=None)
    place = enrol(person, SessionFactory(course__fiscal_year=2019, course__title="新任係長研修",
                                         days=[datetime.date(2019, 5, 1)]))  # fmt: skip
    completed(place)
    client.force_login(person.user)
    page = client.get(reverse("my_history")).content.decode()
    assert "第1部課程" in page and "自治大学校" in page and "新任係長研修" in page
    response = client.get(reverse("my_history_export") + "?format=pdf")
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "派遣 太郎" in text and "第1部課程" in text and "新任係長研修" in text
    assert "令和元年5月1日" in text and "令和元年度（2019年度）" in text  # 和暦 (issue 18, item 22)
    event = AuditEvent.objects.get(kind="history.exported")
    assert event.detail["format"] == "pdf" and event.detail["rows"] == 2


def test_a_leaver_stays_listed_read_only(client, hr_admin, person):
    # Raw: leaving is the full roster's doing (trainees.roster_import).
    Trainee.objects.filter(pk=person.pk).update(status=TraineeStatus.LEFT)
    person.refresh_from_db()
    with pytest.raises(ValidationError, match="退職"):
        history_record_add(trainee=person, data=RECORD, reason="x", actor=None)
    client.force_login(hr_admin)
    page = client.get(reverse("trainee_history", args=[person.pk])).content.decode()
    assert "閲覧のみ" in page
    assert reverse("history_record_create", args=[person.pk]) not in page


def test_history_says_the_organisation_as_it_was_and_as_it_is_now(client, hr_admin):
    welfare = OrganisationFactory(code="300000", name="福祉部")
    trainee = TraineeFactory(organisation=welfare)
    session = SessionFactory(days=[datetime.date(2025, 6, 2)])
    later = SessionFactory(days=[datetime.date(2099, 6, 2)])
    begun, future = enrol(trainee, session), enrol(trainee, later)
    assert enrollments_stamp_organisation(today=datetime.date(2025, 6, 2)) == 1
    future.refresh_from_db()
    assert future.organisation is None  # not begun: not stamped
    # She moves; then 福祉部 is merged into 保健福祉部.
    health = OrganisationFactory(code="310000", name="保健福祉部")
    # Raw: a move between departments is the roster's doing.
    Trainee.objects.filter(pk=trainee.pk).update(organisation=health)
    welfare.merged_into = health
    welfare.save()
    trainee.refresh_from_db()
    rows = {row.enrollment: row for row in trainee_history(trainee)}
    assert rows[begun].organisation_then == "福祉部"
    assert rows[begun].organisation_now == "保健福祉部" and rows[begun].organisation_changed
    client.force_login(hr_admin)
    page = client.get(reverse("trainee_history", args=[trainee.pk])).content.decode()
    assert "福祉部" in page and "現在は保健福祉部" in page
    # Renamed: the history says the old name, and the new one beside it.
    health.name = "健康福祉部"
    health.save()
    rows = {row.enrollment: row for row in trainee_history(trainee)}
    assert (rows[begun].organisation_then, rows[begun].organisation_now) == ("福祉部", "健康福祉部")


def test_taking_attendance_stamps_the_organisation_of_the_day():
    trainee = TraineeFactory()
    session = SessionFactory()
    place = enrol(trainee, session)
    attendance_all_present(day=session.days.get(), actor=None)
    place.refresh_from_db()
    assert place.organisation == trainee.organisation
    assert place.organisation_name == trainee.organisation.name


def test_hr_history_page_queries_do_not_grow(client, hr_admin, person, page_queries):
    for year in (2020, 2021):
        enrol(person, SessionFactory(course__fiscal_year=year))
        history_record_add(trainee=person, data={**RECORD, "fiscal_year": year}, reason="x",
                           actor=None)  # fmt: skip
    client.force_login(hr_admin)
    url = reverse("trainee_history", args=[person.pk])
    client.get(url)
    own = ["the trainee", "who saw whose data (閲覧記録)", "the places with their scores and "
           "reports", "their days", "history records", "the records' changes"]  # fmt: skip
    with page_queries(*own):
        assert client.get(url).status_code == 200
    for year in (2022, 2023, 2024):
        enrol(person, SessionFactory(course__fiscal_year=year))
        history_record_add(trainee=person, data={**RECORD, "fiscal_year": year}, reason="x",
                           actor=None)  # fmt: skip
    with page_queries(*own):
        assert client.get(url).status_code == 200


def test_a_correction_that_changes_nothing_writes_nothing(person):
    record = history_record_add(trainee=person, data=RECORD, reason="x", actor=None)
    assert history_record_correct(record=record, data=RECORD, reason="y", actor=None) == {}
    history_record_remove(record=record, reason="z", actor=None)
    history_record_remove(record=record, reason="z", actor=None)
    assert record.changes.count() == 2
