"""状態の一括変更 (issue 22): a list of a session's people with 修了 / 未修了 / 自動 / 取消 and a
reason — preview → confirm, all or nothing, every problem by line and column. HR's completion
decision stands over the course's rules (the nightly refresh keeps it) until handed back."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEvent
from enrollments.models import Completion, EnrollmentEvent, Status
from enrollments.services import enrollment_cancel
from enrollments.status_import import status_import_commit, status_import_preview
from lib.imports import StaleImportError
from progress.services import completion_refresh
from tests.courses.factories import CourseFactory, SessionFactory
from tests.enrollments.factories import enrol
from tests.trainees.factories import TraineeFactory

pytestmark = pytest.mark.django_db

PAST = [datetime.date(2026, 5, 12)]
LATER = datetime.date(2026, 12, 1)
HEADER = "職員番号,氏名,状態,理由\r\n"


def _refresh(*places):
    completion_refresh([p.pk for p in places], today=LATER)
    for place in places:
        place.refresh_from_db()


@pytest.fixture
def outside():
    """A 派遣研修 held outside: nobody's attendance is in the portal, so by the rules every
    place is 未修了 — the wrong answer HR's list must override."""
    session = SessionFactory(course=CourseFactory(title="特別区研修所 政策形成研修",
                                                  valid_for_months=12), days=PAST)  # fmt: skip
    people = [TraineeFactory(staff_number=f"00500{n}") for n in range(3)]
    places = [enrol(p, session) for p in people]
    _refresh(*places)
    assert {p.completion for p in places} == {Completion.INCOMPLETE}
    return session, places


def _preview(session, text, name="list.csv"):
    return status_import_preview(session=session, data=text.encode("cp932"), file_name=name,
                                 uploaded_by=None)  # fmt: skip


def test_hrs_decision_stands_over_the_rules_until_handed_back(outside, hr_admin):
    session, (a, b, c) = outside
    record = _preview(session, HEADER
                      + "００５０００,,修了,特別区研修所の修了証を確認\r\n"
                      + "005001,,未修了,途中辞退\r\n")  # fmt: skip
    assert record.status == "previewed", record.errors
    assert status_import_commit(record=record, actor=hr_admin) == 2
    _refresh(a, b, c)
    assert (a.completion, b.completion, c.completion) == (
        Completion.COMPLETED, Completion.INCOMPLETE, Completion.INCOMPLETE)  # fmt: skip
    assert a.completion_note == "特別区研修所の修了証を確認" and a.valid_until is not None
    assert a.completion_missing == []
    event = EnrollmentEvent.objects.filter(enrollment=a).last()
    assert "特別区研修所の修了証を確認" in event.reason and event.actor == hr_admin
    assert AuditEvent.objects.filter(kind="enrollment.status_imported").count() == 1
    # Handed back to the rules: 未修了 again (no attendance recorded).
    back = _preview(session, HEADER + "005000,,自動,誤って登録\r\n")
    status_import_commit(record=back, actor=hr_admin)
    _refresh(a)
    assert (a.completion, a.completion_decided, a.valid_until) == (
        Completion.INCOMPLETE, "", None)  # fmt: skip


def test_every_problem_is_named_and_nothing_changes(outside):
    session, (a, b, _c) = outside
    enrollment_cancel(enrollment=b, actor=None, by_hr=True)
    record = _preview(session, HEADER
                      + "005000,,修了,\r\n"          # no reason
                      + "005001,,修了,研修所で修了\r\n"  # a cancelled place has no completion
                      + "009999,,修了,x\r\n"          # not on the session
                      + "005002,,合格,x\r\n"          # unknown state
                      + "005002,,取消,辞退\r\n")  # fmt: skip
    assert record.status == "invalid"
    found = {(p["line"], p["column"]) for p in record.errors}
    assert found == {(2, "理由"), (3, "状態"), (4, "職員番号"), (5, "状態")}
    a.refresh_from_db()
    assert a.completion_decided == "" and a.status == Status.CONFIRMED


def test_a_place_changed_after_the_preview_refuses_the_whole_list(outside, hr_admin):
    session, (a, b, _c) = outside
    record = _preview(session, HEADER + "005000,,修了,修了証確認\r\n005001,,取消,辞退\r\n")
    enrollment_cancel(enrollment=b, actor=None, by_hr=True)  # meanwhile, on the page
    with pytest.raises(StaleImportError):
        status_import_commit(record=record, actor=hr_admin)
    a.refresh_from_db()
    assert a.completion_decided == ""


def test_cancelling_from_the_list_gives_the_seat_to_the_waiting_list(hr_admin):
    session = SessionFactory(capacity=1, days=[datetime.date(2027, 2, 1)])
    holder = enrol(TraineeFactory(staff_number="006000"), session)
    waiting = enrol(TraineeFactory(staff_number="006001"), session, Status.WAITLISTED, "applied")
    record = _preview(session, HEADER + "006000,,取消,異動のため辞退\r\n")
    status_import_commit(record=record, actor=hr_admin)
    holder.refresh_from_db()
    waiting.refresh_from_db()
    assert (holder.status, waiting.status) == (Status.CANCELLED, Status.CONFIRMED)


def test_the_pages(client, hr_admin, outside, page_queries):
    session, (a, _b, _c) = outside
    client.force_login(hr_admin)
    url = reverse("status_imports", args=[session.pk])
    assert client.get(url).status_code == 200
    upload = SimpleUploadedFile("list.csv", (HEADER + "005000,,修了,研修所で修了\r\n").encode(
        "cp932"))  # fmt: skip
    response = client.post(url, {"file": upload, "encoding": "auto"})
    detail = response["Location"]
    page = client.get(detail).content.decode()
    assert "研修所で修了" in page
    with page_queries("the import with its session and people", "the places in the preview",
                      mfa=True):  # fmt: skip
        assert client.get(detail).status_code == 200
    client.post(detail + "confirm/")
    a.refresh_from_db()
    assert a.completion_decided == "completed"
