"""Values are never markup in a PDF (issue 18, item 10). Every field that reaches a document —
a record's title, provider and category from HR or an import, the person's name and
organisation from the roster, a course title, a room — is printed exactly as typed: no tag is
interpreted, no file opened, no link made, and no value makes the document fail."""

from __future__ import annotations

import datetime
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from enrollments.models import Attendance
from reports.services import history_record_add
from tests.courses.factories import SessionFactory
from tests.enrollments.factories import enrol
from tests.reports.factories import RECORD
from tests.trainees.factories import OrganisationFactory, TraineeFactory, UserFactory
from trainees.roles import Role

pytestmark = pytest.mark.django_db

HOSTILE = [
    "x<br>y",
    '<img src="/etc/hostname"/>',
    '<a href="https://evil.example/">リンク</a>',
    "研修 & 演習 <超過>",
    "<b>太字</b>\x1b",
]


def _text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    for page in reader.pages:
        assert "/Annots" not in page  # no link made from a value
        resources = page.get("/Resources") or {}
        assert not (resources.get("/XObject") or {}), "an image was embedded from a value"
    return "".join(page.extract_text() for page in reader.pages).replace("\n", "")


def test_history_pdf_prints_every_value_as_typed(client):
    organisation = OrganisationFactory(name="<i>福祉部</i> & 課")
    person = TraineeFactory(name="<b>名前</b>", organisation=organisation)
    person.user = UserFactory(username="300077", roles=[Role.TRAINEE])
    person.save(update_fields=["user"])
    for title in HOSTILE:
        history_record_add(
            trainee=person,
            data={**RECORD, "title": title, "provider": title[:20], "category": "派遣<br>研修"},
            reason="<script>",
            actor=None,
        )
    client.force_login(person.user)
    response = client.get(reverse("my_history_export"), {"format": "pdf"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = _text(response.content)
    for title in HOSTILE:
        assert title.replace("\x1b", "") in text
    assert "<b>名前</b>" in text and "<i>福祉部</i> & 課" in text and "派遣<br>研修" in text
    # 和暦 in the printed history (item 22): the fiscal year and the dates.
    assert "平成30年度" in text and "平成30年10月1日" in text


def test_sign_in_sheet_prints_course_room_and_names_as_typed(client, hr_admin):
    session = SessionFactory(
        course__title='<img src="/etc/hostname"/>研修', days=[datetime.date(2026, 5, 12)]
    )
    session.room.name = "<a href='x'>会議室</a>"
    session.room.save()
    person = TraineeFactory(name="x<br>y", job_title="<b>主事</b>")
    enrol(person, session)
    day = session.days.get()
    client.force_login(hr_admin)
    response = client.get(reverse("sign_in_sheet", args=[session.pk, day.pk]))
    assert response.status_code == 200
    text = _text(response.content)
    assert '<img src="/etc/hostname"/>研修' in text
    assert "<a href='x'>会議室</a>" in text and "x<br>y" in text and "<b>主事</b>" in text
    assert not Attendance.objects.exists()
