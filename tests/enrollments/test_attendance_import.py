"""出欠の一括取込 and the attendance-share rule (issue 22): HR downloads a session's sign-in
sheet, fills it in (出席 / 欠席 / 遅刻・早退 with minutes) and uploads it: preview → confirm,
all or nothing, every problem by line and column; a course may ask for a share of the hours
instead of every day, late arrivals and early leaves counting by their minutes."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from audit.models import AuditEvent
from enrollments.attendance_import import attendance_import_commit, attendance_import_preview
from enrollments.models import Attendance, Completion
from enrollments.services import attendance_record, enrollment_cancel
from lib.imports import StaleImportError
from progress.services import completion_refresh
from tests.courses.factories import CourseFactory, SessionFactory
from tests.enrollments.factories import enrol
from tests.trainees.factories import TraineeFactory

pytestmark = pytest.mark.django_db
# Four past days of 09:30–17:00 (450 minutes each, 1,800 in all).
DAYS = [datetime.date(2026, 5, 12), datetime.date(2026, 5, 13), datetime.date(2026, 5, 14),
        datetime.date(2026, 5, 15)]  # fmt: skip
HEADER = "職員番号,氏名,所属,職名,日付,出欠,遅刻・早退（分）\r\n"


def _session(share=None, days=DAYS):
    return SessionFactory(course=CourseFactory(attendance_share=share), days=days)


def _completion(place):
    completion_refresh([place.pk], today=datetime.date(2026, 12, 1))
    place.refresh_from_db()
    return place.completion


def _mark(place, marks, minutes=None):
    """{day index: mark} on the place's session, minutes by day index."""
    days = list(place.session.days.order_by("date"))
    for index, mark in marks.items():
        attendance_record(day=days[index], marks={place.pk: mark}, actor=None,
                          minutes={place.pk: (minutes or {}).get(index, 0)})  # fmt: skip


@pytest.mark.parametrize(
    ("marks", "minutes", "every_day", "share_75"),
    [
        # Absent one day of four: exactly 75 % of the hours — only the share completes it.
        ({0: "present", 1: "present", 2: "present", 3: "absent"}, {}, False, True),
        # Every day attended, but two hours late each day: 73 % — only every-day completes it.
        ({i: "late" for i in range(4)}, {i: 120 for i in range(4)}, True, False),
        # Left an hour early once: both complete it.
        ({0: "present", 1: "left_early", 2: "present", 3: "present"}, {1: 60}, True, True),
        # Absent one day and 30 minutes late another: 73 % — neither.
        ({0: "present", 1: "late", 2: "present", 3: "absent"}, {1: 30}, False, False),
        # A day not marked counts as missed.
        ({0: "present", 1: "present", 2: "present"}, {}, False, True),
    ],
)
def test_the_attendance_share_counts_hours_and_minutes(marks, minutes, every_day, share_75):
    for share, expected in ((None, every_day), (75, share_75)):
        place = enrol(TraineeFactory(), _session(share))
        _mark(place, marks, minutes)
        assert (_completion(place) == Completion.COMPLETED) is expected, (share, marks)
        if not expected:
            assert place.completion == Completion.INCOMPLETE
            assert place.completion_missing == ["attendance"]


def test_the_rule_is_shown_with_the_course_and_in_the_counting_rules(client, hr_admin):
    course = CourseFactory(attendance_share=75)
    assert course.requirements[0] == "出席（時間の75%以上）"
    client.force_login(hr_admin)
    page = client.get(reverse("dashboard_completion")).content.decode()
    assert "遅刻・早退の分" in page


def _sheet(client, session, fmt="xlsx"):
    response = client.get(reverse("session_export", args=[session.pk, "sheet"]), {"format": fmt})
    assert response.status_code == 200
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_the_downloaded_sheet_filled_in_excel_comes_back_as_attendance(client, hr_admin):
    session = _session(share=75, days=DAYS[:2])
    first, second = session.days.order_by("date")
    alice = enrol(TraineeFactory(staff_number="000501", name="出欠 花子"), session)
    bob = enrol(TraineeFactory(staff_number="000502", name="遅刻 次郎"), session)
    attendance_record(day=first, marks={alice.pk: "present"}, actor=None)  # already on record
    client.force_login(hr_admin)
    book = load_workbook(io.BytesIO(_sheet(client, session)))
    sheet = book.active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("職員番号", "氏名", "所属", "職名", "日付", "出欠", "遅刻・早退（分）")
    assert [(r[0], r[4], r[5]) for r in rows[1:]] == [
        ("000501", "2026/05/12", "出席"), ("000501", "2026/05/13", None),
        ("000502", "2026/05/12", None), ("000502", "2026/05/13", None),
    ]  # fmt: skip
    # The clerk fills it in with what the paper sheet says (○ and ×, minutes typed with the IME).
    sheet["F3"], sheet["F4"], sheet["G4"], sheet["F5"] = "○", "遅刻", "４５分", "×"
    out = io.BytesIO()
    book.save(out)
    upload = SimpleUploadedFile("出欠.xlsx", out.getvalue())
    response = client.post(reverse("attendance_imports", args=[session.pk]),
                           {"file": upload, "encoding": "auto"})  # fmt: skip
    assert not Attendance.objects.exclude(enrollment=alice, day=first).exists()  # preview only
    page = client.get(response["Location"]).content.decode()
    assert "3件の出欠を変更します" in page and "1行は記録済みのとおりです" in page
    assert "遅刻（45分）" in page and "遅刻 次郎" in page
    record_id = int(response["Location"].rstrip("/").rsplit("/", 1)[-1])
    client.post(reverse("attendance_import_confirm", args=[record_id]))
    got = {(a.enrollment_id, a.day_id): (a.mark, a.minutes_missed, a.method)
           for a in Attendance.objects.all()}  # fmt: skip
    assert got == {
        (alice.pk, first.pk): ("present", 0, "hr"),  # unchanged, not rewritten
        (alice.pk, second.pk): ("present", 0, "import"),
        (bob.pk, first.pk): ("late", 45, "import"),
        (bob.pk, second.pk): ("absent", 0, "import"),
    }
    alice.refresh_from_db()
    bob.refresh_from_db()
    assert alice.completion == Completion.COMPLETED
    assert bob.completion != Completion.COMPLETED  # 855 of 900 minutes missed… 405 attended
    event = AuditEvent.objects.get(kind="attendance.imported")
    assert event.detail["changed"] == 3 and event.detail["session"] == session.pk
    # Confirming again records nothing more and says why.
    response = client.post(reverse("attendance_import_confirm", args=[record_id]), follow=True)
    assert "この取込は反映できません" in response.content.decode()
    assert AuditEvent.objects.filter(kind="attendance.imported").count() == 1


def test_a_cp932_file_with_wareki_dates_and_full_width_numbers(hr_admin):
    session = _session(days=DAYS[:1])
    place = enrol(TraineeFactory(staff_number="000777"), session)
    text = HEADER + "０００７７７,,,,令和8年5月12日,早退,３０\r\n"
    record = attendance_import_preview(session=session, data=text.encode("cp932"),
                                       file_name="sheet.csv", uploaded_by=hr_admin)  # fmt: skip
    assert record.status == "previewed", record.errors
    assert attendance_import_commit(record=record, actor=hr_admin) == 1
    mark = Attendance.objects.get(enrollment=place)
    assert (mark.mark, mark.minutes_missed) == ("left_early", 30)


def test_a_bad_sheet_names_every_problem_by_line_and_writes_nothing(hr_admin):
    session = _session(days=DAYS[:2])
    enrol(TraineeFactory(staff_number="000601"), session)
    enrol(TraineeFactory(staff_number="000602"), session, status="waitlisted")
    text = HEADER + (
        "000601,,,,2026/05/12,出席,\r\n"  # 2: fine
        "999999,,,,2026/05/12,出席,\r\n"  # 3: nobody with this number
        "000602,,,,2026/05/12,出席,\r\n"  # 4: waitlisted, not confirmed
        "000601,,,,2026/06/01,出席,\r\n"  # 5: not a day of the session
        "000601,,,,2026/05/13,出た,\r\n"  # 6: unknown mark
        "000601,,,,2026/05/13,出席,10\r\n"  # 7: minutes with 出席
        "000601,,,,2026/05/13,遅刻,500\r\n"  # 8: more minutes than the day has (450)
        "000601,,,,2026/05/12,欠席,\r\n"  # 9: the same person and day as line 2
        "000601,,,,,,\r\n"  # 10: no mark: left as it is (a warning)
    )
    record = attendance_import_preview(session=session, data=text.encode("utf-8"),
                                       file_name="bad.csv", uploaded_by=hr_admin)  # fmt: skip
    assert record.status == "invalid" and record.plan == []
    problems = {(p["line"], p["column"]) for p in record.errors}
    assert problems == {(3, "職員番号"), (4, "職員番号"), (5, "日付"), (6, "出欠"),
                        (7, "遅刻・早退（分）"), (8, "遅刻・早退（分）"), (9, "職員番号")}  # fmt: skip
    by_line = {p["line"]: p["message"] for p in record.errors}
    assert "この日程に確定している人はいません" in by_line[3]
    assert "2026/05/12、2026/05/13" in by_line[5]
    assert "2行目" in by_line[9]
    assert [w["line"] for w in record.warnings] == [None]
    with pytest.raises(ValidationError):
        attendance_import_commit(record=record, actor=hr_admin)
    assert not Attendance.objects.exists()


def test_a_place_given_up_or_a_mark_recorded_since_the_preview_refuses_the_whole_file(hr_admin):
    session = _session(days=DAYS[:1])
    day = session.days.get()
    keep = enrol(TraineeFactory(staff_number="000701"), session)
    leave = enrol(TraineeFactory(staff_number="000702"), session)
    text = HEADER + "000701,,,,2026/05/12,出席,\r\n000702,,,,2026/05/12,出席,\r\n"
    first = attendance_import_preview(session=session, data=text.encode(), file_name="a.csv",
                                      uploaded_by=hr_admin)  # fmt: skip
    second = attendance_import_preview(session=session, data=text.encode(), file_name="b.csv",
                                       uploaded_by=hr_admin)  # fmt: skip
    attendance_record(day=day, marks={keep.pk: "absent"}, actor=None)  # someone else, meanwhile
    with pytest.raises(StaleImportError):
        attendance_import_commit(record=first, actor=hr_admin)
    first.refresh_from_db()
    assert first.status == "stale"
    assert list(Attendance.objects.values_list("mark", flat=True)) == ["absent"]
    enrollment_cancel(enrollment=leave, actor=None, by_hr=True, reason="異動")
    with pytest.raises(StaleImportError):
        attendance_import_commit(record=second, actor=hr_admin)
    assert list(Attendance.objects.values_list("mark", flat=True)) == ["absent"]


def test_a_cancelled_session_takes_no_sheet(hr_admin):
    from enrollments.services import session_cancel

    session = _session(days=[datetime.date(2027, 1, 20)])
    enrol(TraineeFactory(staff_number="000801"), session)
    session_cancel(session=session, reason="台風", replacement=None, actor=hr_admin)
    text = HEADER + "000801,,,,2027/01/20,出席,\r\n"
    record = attendance_import_preview(session=session, data=text.encode(), file_name="c.csv",
                                       uploaded_by=hr_admin)  # fmt: skip
    assert record.status == "invalid" and "中止" in record.errors[0]["message"]


def test_the_day_page_takes_minutes_typed_full_width_and_refuses_them_for_present(client, hr_admin):
    session = _session(days=DAYS[:1])
    day = session.days.get()
    place = enrol(TraineeFactory(), session)
    client.force_login(hr_admin)
    url = reverse("attendance", args=[session.pk, day.pk])
    page = client.post(url, {f"mark_{place.pk}": "present", f"minutes_{place.pk}": "１０"})
    assert page.status_code == 200 and "遅刻・早退のときだけ" in page.content.decode()
    assert not Attendance.objects.exists()
    client.post(url, {f"mark_{place.pk}": "late", f"minutes_{place.pk}": "１５"})
    mark = Attendance.objects.get()
    assert (mark.mark, mark.minutes_missed) == ("late", 15)
    page = client.get(url).content.decode()
    assert 'value="15"' in page
