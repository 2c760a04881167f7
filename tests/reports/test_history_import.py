"""The bulk history import: the roster import's reading (CP932, 和暦, full-width digits, XLSX),
preview → confirm, all or nothing, every problem by line and column."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from audit.models import AuditEvent
from jobs.models import Job
from reports.history_import import history_import_commit, history_import_preview
from reports.models import HistoryRecord, HistoryRecordChange
from tests.trainees.factories import TraineeFactory
from trainees.models import Trainee, TraineeStatus

pytestmark = pytest.mark.django_db
HEADER = "職員番号,年度,研修名,実施機関,区分,初日,最終日,時間,結果,備考\r\n"


@pytest.fixture
def staff():
    return [TraineeFactory(staff_number=f"00012{n}") for n in range(3)]


def test_a_cp932_file_with_wareki_dates_is_previewed_then_added_whole(
    client, hr_admin, staff, django_capture_on_commit_callbacks, eager_celery
):
    text = HEADER + (
        "０００１２０,,第1部課程,自治大学校,派遣研修,平成30年10月1日,H30.11.30,２４０,修了,\r\n"
        "000121,2019,政策法務研修,市町村アカデミー,,令和元年5月13日,R1.5.17,30.5,,\r\n"
    )
    client.force_login(hr_admin)
    upload = SimpleUploadedFile("history.csv", text.encode("cp932"))
    response = client.post(reverse("history_imports"), {"file": upload, "encoding": "auto"})
    page = client.get(response["Location"]).content.decode()
    assert "第1部課程" in page and "2件を受講履歴に追加します" in page
    assert not HistoryRecord.objects.exists()  # the preview writes nothing
    record_id = int(response["Location"].rstrip("/").rsplit("/", 1)[-1])
    # Added by a background job (run after commit; eager here): its page says what came out.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("history_import_confirm", args=[record_id]))
    job = Job.objects.get(kind="history.commit")
    assert response["Location"] == reverse("job_detail", args=[job.pk])
    assert (job.state, job.summary) == ("done", "2件を受講履歴に追加しました。")
    assert job.link == reverse("history_import_detail", args=[record_id])
    first, second = HistoryRecord.objects.order_by("started_on")
    assert (first.trainee, first.fiscal_year, first.hours) == (staff[0], 2018, Decimal("240.0"))
    assert first.ended_on == datetime.date(2018, 11, 30) and first.source == "import"
    assert (second.started_on, second.category, second.outcome) == (
        datetime.date(2019, 5, 13), "派遣研修", "completed")  # fmt: skip
    assert HistoryRecordChange.objects.filter(reason="history.csv から取込").count() == 2
    assert AuditEvent.objects.get(kind="history.imported").detail["records"] == 2
    # Confirming twice adds nothing more: refused at once, no second job.
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(reverse("history_import_confirm", args=[record_id]))
    again = client.get(again["Location"])
    assert "この取込は反映できません" in again.content.decode()
    assert HistoryRecord.objects.count() == 2 and Job.objects.count() == 1


def test_a_bad_file_names_every_problem_and_writes_nothing(hr_admin, staff):
    # Raw: a leaver is the full roster's doing (trainees.roster_import); the state is what counts.
    Trainee.objects.filter(pk=staff[2].pk).update(status=TraineeStatus.LEFT)
    text = HEADER + (
        "000120,2018,第1部課程,自治大学校,,2018/10/1,2018/11/30,240,,\r\n"  # fine
        "999999,2018,研修A,,,2018/10/1,,7,,\r\n"  # unknown staff number
        "000121,2018,研修B,,,令和元年2月30日,,7,,\r\n"  # no such date (and out of the era)
        "000121,2018,研修C,,,2018/10/5,2018/10/1,abc,未受講,\r\n"  # order, hours, result
        "000122,2018,研修D,,,2018/10/1,,7,,\r\n"  # left: read-only
        "000120,2018,第1部課程,自治大学校,,2018/10/1,2018/11/30,240,,\r\n"  # the same twice
    )
    record = history_import_preview(data=text.encode("utf-8"), file_name="bad.csv",
                                    uploaded_by=hr_admin)  # fmt: skip
    assert record.status == "invalid" and record.plan == []
    problems = {(p["line"], p["column"]) for p in record.errors}
    assert problems == {(3, "職員番号"), (4, "初日"), (5, "最終日"), (5, "時間"), (5, "結果"),
                        (6, "職員番号"), (7, "研修名")}  # fmt: skip
    by_line = {p["line"]: p["message"] for p in record.errors}
    assert by_line[3] == "この職員番号の区職員はいません。"
    assert "2行目にも同じ研修があります" in by_line[7]
    with pytest.raises(ValidationError):
        history_import_commit(record=record, actor=hr_admin)
    assert not HistoryRecord.objects.exists()


def test_missing_columns_and_an_xlsx_file(hr_admin, staff):
    record = history_import_preview(data="職員番号,研修名\r\n000120,x\r\n".encode(),
                                    file_name="x.csv", uploaded_by=hr_admin)  # fmt: skip
    assert {p["column"] for p in record.errors} == {"初日", "時間"}
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["職員番号", "研修名", "初日", "時間"])
    sheet.append(["000121", "東京都 係長研修", "2020/07/01", "12"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    record = history_import_preview(data=buffer.getvalue(), file_name="past.xlsx",
                                    uploaded_by=hr_admin)  # fmt: skip
    assert record.status == "previewed" and record.plan[0]["fiscal_year"] == 2020


def test_someone_who_left_after_the_preview_stops_the_whole_import(hr_admin, staff):
    text = HEADER + "000120,,研修A,,,2018/10/1,,7,,\r\n000121,,研修B,,,2018/10/1,,7,,\r\n"
    record = history_import_preview(data=text.encode(), file_name="a.csv", uploaded_by=hr_admin)
    # Raw, as above: left between the preview and the confirmation.
    Trainee.objects.filter(pk=staff[1].pk).update(status=TraineeStatus.LEFT)
    with pytest.raises(ValidationError, match="3"):
        history_import_commit(record=record, actor=hr_admin)
    assert not HistoryRecord.objects.exists()


def test_the_preview_page_costs_the_same_with_more_rows(client, hr_admin,
                                                        page_queries):  # fmt: skip
    people = [TraineeFactory(staff_number=f"0009{n:02d}") for n in range(30)]

    def preview(count):
        text = HEADER + "".join(f"{p.staff_number},,研修{n},,,2018/10/1,,7,,\r\n"
                                for n, p in enumerate(people[:count]))  # fmt: skip
        return history_import_preview(data=text.encode(), file_name="a.csv", uploaded_by=hr_admin)

    client.force_login(hr_admin)
    small, large = preview(3), preview(30)
    client.get(reverse("history_import_detail", args=[small.pk]))
    for record in (small, large):
        with page_queries("the import with who uploaded and confirmed it", "its people"):
            page = client.get(reverse("history_import_detail", args=[record.pk]))
        assert page.status_code == 200


def test_every_column_of_a_row_is_checked_at_once(hr_admin, staff):
    """Issue 18, item 20: an unknown staff number is named together with the row's date and
    hours problems, not only once they are mended."""
    text = HEADER + "999999,2018,研修A,,,2018/13/1,,七,,\r\n"
    record = history_import_preview(data=text.encode("utf-8"), file_name="bad.csv",
                                    uploaded_by=hr_admin)  # fmt: skip
    assert {(p["line"], p["column"]) for p in record.errors} == {
        (2, "職員番号"), (2, "初日"), (2, "時間")
    }  # fmt: skip


def test_the_shared_skeleton_warns_of_unknown_columns_and_records_who_confirmed(
    client, hr_admin, staff
):
    """Issue 19, section 3: the history import reads through lib.imports like the roster — an
    unknown column is a warning on the page, a repeated one an error; the confirmation keeps
    who confirmed, and the file's size."""
    text = "職員番号,研修名,初日,時間,担当者メモ\r\n000120,研修A,2018/10/1,7,内部用\r\n"
    record = history_import_preview(data=text.encode(), file_name="a.csv", uploaded_by=hr_admin)
    assert record.status == "previewed" and record.size == len(text.encode())
    assert [(w["line"], w["column"]) for w in record.warnings] == [(1, "担当者メモ")]
    client.force_login(hr_admin)
    page = client.get(reverse("history_import_detail", args=[record.pk])).content.decode()
    assert "担当者メモ" in page and "不明な列のため無視します" in page
    history_import_commit(record=record, actor=hr_admin)
    record.refresh_from_db()
    assert record.committed_by == hr_admin and record.committed_at is not None
    twice = history_import_preview(data="職員番号,研修名,研修名,初日,時間\r\n".encode(),
                                   file_name="b.csv", uploaded_by=hr_admin)  # fmt: skip
    assert twice.status == "invalid"
    assert [(e["line"], e["column"]) for e in twice.errors] == [(1, "研修名")]
