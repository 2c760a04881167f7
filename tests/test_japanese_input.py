"""Japanese office habits in every HR form (issue 18, items 19 and 21): numbers typed with the
IME on are accepted and folded; no field cuts long text silently (no maxlength in the page, a
live counter from data-maxlength, and a refusal that names the field)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from assessments import services as assessment_services
from courses.forms import CourseForm, RoomFormSet
from lib.japanese import number_fold
from reports.forms import HistoryRecordForm
from reports.models import HistoryRecord
from tests.assessments.factories import make_test, q
from tests.courses.factories import SessionFactory
from tests.reports.factories import RECORD
from tests.trainees.factories import TraineeFactory
from trainees.roster import parse_roster

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "typed, folded",
    [
        ("７．５", "7.5"),
        ("１，０００", "1000"),
        ("－２", "-2"),
        ("−２", "-2"),
        (" ２０２６ ", "2026"),
    ],
)
def test_numbers_typed_with_the_ime_fold(typed, folded):
    assert number_fold(typed) == folded


def test_a_history_record_takes_full_width_hours_and_year(client, hr_admin):
    person = TraineeFactory()
    client.force_login(hr_admin)
    url = reverse("history_record_create", args=[person.pk])
    page = client.get(url).content.decode()
    hours = re.search(r'<input[^>]*name="hours"[^>]*>', page).group()
    assert (
        'type="text"' in hours and 'inputmode="decimal"' in hours and 'type="number"' not in hours
    )
    data = {
        **{k: str(v) for k, v in RECORD.items()},
        "fiscal_year": "２０１８", "hours": "７．５", "reason": "派遣研修の修了証を確認",
    }  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    record = HistoryRecord.objects.get(trainee=person)
    assert (record.fiscal_year, record.hours) == (2018, Decimal("7.5"))


def test_a_wrong_number_gets_the_fields_own_message():
    form = HistoryRecordForm(data={**{k: str(v) for k, v in RECORD.items()}, "hours": "七時間",
                                   "reason": "x"})  # fmt: skip
    assert not form.is_valid() and "hours" in form.errors


def test_course_and_room_forms_fold_numbers():
    form = CourseForm()
    assert all(
        form.fields[name].widget.input_type == "text"
        for name in ("fiscal_year", "materials_threshold")
    )
    formset = RoomFormSet(
        data={"rooms-TOTAL_FORMS": "1", "rooms-INITIAL_FORMS": "0",
              "rooms-0-name": "研修室Ａ", "rooms-0-capacity": "３０"},
        prefix="rooms",
    )  # fmt: skip
    assert formset.is_valid(), formset.errors
    assert formset.forms[0].cleaned_data["capacity"] == 30


def test_no_page_renders_a_maxlength(client, hr_admin):
    person = TraineeFactory()
    client.force_login(hr_admin)
    for url in (reverse("history_record_create", args=[person.pk]), reverse("course_create")):
        page = client.get(url).content.decode()
        assert " maxlength=" not in page and "data-maxlength=" in page


def test_long_text_is_refused_by_name_never_cut():
    session = SessionFactory()
    test = make_test(session.course, questions=[])
    with pytest.raises(ValidationError, match="2,001"):
        assessment_services.question_save(
            test=test, question=None, fields=q("short", "あ" * 2001, accepted_answers=["a"]),
            choices=[], actor=None,
        )  # fmt: skip
    with pytest.raises(ValidationError, match="選択肢2"):
        assessment_services.question_save(
            test=test, question=None, fields=q("single", "問"),
            choices=[{"text": "a", "is_correct": True}, {"text": "b" * 501, "is_correct": False}],
            actor=None,
        )  # fmt: skip
    assert not test.questions.exists()


def test_a_long_job_title_in_the_roster_is_an_error_not_a_cut():
    header = "職員番号,氏名,氏名カナ,所属コード,所属名,職名,雇用区分,採用日,生年月日,性別,メールアドレス\r\n"
    row = (
        "000123,山田 太郎,ヤマダ タロウ,140000,福祉部,"
        + "主" * 101
        + ",正規,2020/4/1,1990/1/1,男,y@city.example.jp\r\n"
    )
    parsed = parse_roster((header + row).encode("utf-8"), file_name="roster.csv")
    messages = [problem.message for problem in parsed.errors]
    assert any("100" in message for message in messages), messages
