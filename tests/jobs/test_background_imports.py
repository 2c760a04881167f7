"""A large roster or history file is checked by a background job (issue 23): above
IMPORT_BACKGROUND_BYTES the upload is kept for the job, HR is taken to the job's page, and its
result is the preview — the same preview the request would have made. The kept file is gone
once read; a check that failed keeps it for *もう一度実行する*; a wrong choice on the form is said
at once, with no job."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from jobs.models import Job
from jobs.services import UPLOADS
from reports.models import HistoryImport
from tests.trainees.factories import OrganisationFactory, TraineeFactory
from trainees import background as trainee_jobs
from trainees.models import RosterImport, Trainee

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery")]


@pytest.fixture
def large(settings):
    settings.IMPORT_BACKGROUND_BYTES = 100  # the sample files are "large"


def _kept_uploads(private_storage) -> list[str]:
    folder = private_storage / UPLOADS
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_a_large_roster_is_checked_by_a_job_whose_result_is_the_preview(
    client, hr_admin, fixtures, large, private_storage, django_capture_on_commit_callbacks
):
    client.force_login(hr_admin)
    upload = SimpleUploadedFile(
        "roster_sample_cp932.csv", (fixtures / "roster_sample_cp932.csv").read_bytes()
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("roster_imports"),
                               {"file": upload, "mode": "full", "encoding": "auto"})  # fmt: skip
    job = Job.objects.get(kind="roster.preview")
    record = RosterImport.objects.get()
    assert response["Location"] == reverse("job_detail", args=[job.pk])
    assert (job.state, job.owner, record.uploaded_by) == ("done", hr_admin, hr_admin)
    assert job.link == reverse("roster_import_detail", args=[record.pk])
    assert (record.status, record.rows, record.created, record.file_name) == (
        "previewed", 12, 12, "roster_sample_cp932.csv")  # fmt: skip
    assert not Trainee.objects.exists()  # a check writes nothing to the registry
    assert _kept_uploads(private_storage) == []  # read, then removed
    page = client.get(response["Location"]).content.decode()
    assert "確認しました：追加12件、変更0件、無効化0件。" in page and "結果を開く" in page
    # From there on it is the ordinary preview → confirm.
    assert "この内容で反映する" in client.get(job.link).content.decode()


def test_a_large_file_with_problems_says_how_many_on_the_jobs_page(
    client, hr_admin, fixtures, large, private_storage, django_capture_on_commit_callbacks
):
    client.force_login(hr_admin)
    upload = SimpleUploadedFile(
        "roster_bad_sample.csv", (fixtures / "roster_bad_sample.csv").read_bytes()
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("roster_imports"),
                               {"file": upload, "mode": "full", "encoding": "auto"})  # fmt: skip
    record = RosterImport.objects.get()
    assert record.status == "invalid" and len(record.errors) == 5
    page = client.get(response["Location"]).content.decode()
    assert "修正が必要な問題が5件あります。まだ取り込めません。" in page


def test_a_wrong_choice_is_said_on_the_form_without_a_job(
    client, hr_admin, fixtures, large, private_storage
):
    client.force_login(hr_admin)
    section = OrganisationFactory(code="140000", name="福祉部")
    with (fixtures / "roster_sample_cp932.csv").open("rb") as upload:
        response = client.post(reverse("roster_imports"), {
            "file": upload, "mode": "full", "encoding": "auto", "organisation": section.pk})  # fmt: skip
    assert (
        response.status_code == 200
        and "全件取込は区職員全員が対象です" in response.content.decode()
    )
    assert not Job.objects.exists() and _kept_uploads(private_storage) == []


def test_a_failed_check_keeps_the_file_for_running_again(
    client, hr_admin, fixtures, large, private_storage, django_capture_on_commit_callbacks,
    monkeypatch,
):  # fmt: skip
    real = trainee_jobs.roster_import_preview

    def broken(**kwargs):
        real(**kwargs)  # written, then rolled back with the failure
        raise RuntimeError("worker lost its database")

    monkeypatch.setattr(trainee_jobs, "roster_import_preview", broken)
    client.force_login(hr_admin)
    upload = SimpleUploadedFile(
        "roster_sample_cp932.csv", (fixtures / "roster_sample_cp932.csv").read_bytes()
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("roster_imports"),
                    {"file": upload, "mode": "full", "encoding": "auto"})  # fmt: skip
    failed = Job.objects.get()
    assert failed.state == "failed" and not RosterImport.objects.exists()
    assert len(_kept_uploads(private_storage)) == 1
    monkeypatch.setattr(trainee_jobs, "roster_import_preview", real)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("job_again", args=[failed.pk]))
    again = Job.objects.exclude(pk=failed.pk).get()
    assert again.state == "done" and RosterImport.objects.get().status == "previewed"
    assert _kept_uploads(private_storage) == []


def test_a_large_history_file_is_checked_by_a_job(
    client, hr_admin, large, private_storage, django_capture_on_commit_callbacks
):
    for n in range(3):
        TraineeFactory(staff_number=f"00012{n}")
    text = "職員番号,年度,研修名,実施機関,区分,初日,最終日,時間,結果,備考\r\n" + "".join(
        f"00012{n},2019,政策法務研修,市町村アカデミー,,令和元年5月13日,R1.5.17,30.5,,\r\n"
        for n in range(3)
    )
    client.force_login(hr_admin)
    upload = SimpleUploadedFile("history.csv", text.encode("cp932"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("history_imports"), {"file": upload, "encoding": "auto"})
    job = Job.objects.get(kind="history.preview")
    record = HistoryImport.objects.get()
    assert response["Location"] == reverse("job_detail", args=[job.pk])
    assert job.link == reverse("history_import_detail", args=[record.pk])
    assert record.status == "previewed" and record.rows == 3
    assert "確認しました：3件を追加します。" in client.get(response["Location"]).content.decode()
    assert _kept_uploads(private_storage) == []
