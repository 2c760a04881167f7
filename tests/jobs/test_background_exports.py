"""A large export is made by a background job (issue 23, jobs/background.py): above
EXPORT_BACKGROUND_ROWS the request does the export's checks and records it, then sends the
person to the job's page; the job builds the same file for its owner — within their scope as it
is when it runs — and only they may download it. A protected file opens only with the one-time
password shown in the request, which the job forgets once used."""

from __future__ import annotations

import csv
import io
import re

import msoffcrypto
import openpyxl
import pytest
from django.urls import reverse

from audit.models import AuditEvent
from jobs.models import Job
from notices.models import Notice
from tests.trainees.factories import OrganisationFactory, TraineeFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery", "private_storage")]


@pytest.fixture
def staff(organisation):
    other = OrganisationFactory(code="150000", name="総務部")
    for n in range(6):
        TraineeFactory(staff_number=f"00070{n}", name=f"福祉 {n}郎", organisation=organisation)
    for n in range(3):
        TraineeFactory(staff_number=f"00080{n}", name=f"総務 {n}子", organisation=other)
    return organisation


def _file_rows(client, job: Job) -> list[list[str]]:
    response = client.get(reverse("job_download", args=[job.pk]))
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))[1:]


def test_a_large_export_goes_to_a_job_whose_file_holds_every_row(
    client, hr_admin, staff, settings, django_capture_on_commit_callbacks
):
    settings.EXPORT_BACKGROUND_ROWS = 5
    client.force_login(hr_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("trainee_export"), {"status": "active", "format": "csv"})
    job = Job.objects.get(owner=hr_admin, kind="export")
    assert response.status_code == 302 and response.url == reverse("job_detail", args=[job.pk])
    assert (job.state, job.done, job.total) == ("done", 9, 9)
    assert job.file_name.startswith("trainees-") and job.file_name.endswith(".csv")
    rows = _file_rows(client, job)
    assert sorted(r[0] for r in rows) == [f"00070{n}" for n in range(6)] + [
        f"00080{n}" for n in range(3)
    ]
    # Recorded in the request, as any export: the rows, the people, and the job that made it.
    event = AuditEvent.objects.get(kind="trainees.exported")
    assert (event.user_id, event.detail["rows"], event.detail["subjects"]) == (hr_admin.pk, 9, 9)
    assert event.detail["job"] == job.pk and event.detail["format"] == "csv"
    assert Notice.objects.filter(user=hr_admin, link=reverse("job_detail", args=[job.pk])).exists()
    page = client.get(reverse("job_detail", args=[job.pk])).content.decode()
    assert "職員名簿" in page and "9行" in page and reverse("trainee_list") in page


def test_a_small_export_is_still_the_file_itself(client, hr_admin, staff, settings):
    settings.EXPORT_BACKGROUND_ROWS = 9  # exactly at the limit: made in the request
    client.force_login(hr_admin)
    response = client.get(reverse("trainee_export"), {"status": "active", "format": "csv"})
    assert response.status_code == 200 and not Job.objects.exists()
    assert response.content.decode("utf-8-sig").count("\r\n") == 10


def test_the_job_keeps_the_filter_and_the_coordinators_scope(
    client, coordinator, staff, settings, django_capture_on_commit_callbacks
):
    settings.EXPORT_BACKGROUND_ROWS = 2
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(reverse("trainee_export"), {"status": "active", "q": "福祉", "format": "csv"})
    job = Job.objects.get(owner=coordinator)
    assert job.permission == "trainees.use_coordinator_pages"
    # Only their own organisation's staff, as the list page shows them.
    assert sorted(r[0] for r in _file_rows(client, job)) == [f"00070{n}" for n in range(6)]
    # Without the role since, neither the job nor its file.
    coordinator.groups.clear()
    assert client.get(reverse("job_download", args=[job.pk])).status_code == 404
    assert client.get(reverse("job_detail", args=[job.pk])).status_code == 404


def test_a_protected_large_export_opens_with_its_one_time_password_once(
    client, hr_admin, staff, settings, django_capture_on_commit_callbacks
):
    settings.EXPORT_BACKGROUND_ROWS = 5
    client.force_login(hr_admin)
    page = client.get(reverse("trainee_export"), {"format": "xlsx-protected"}).content.decode()
    password = re.search(r'<p class="one-time-password"[^>]*><code>([^<]+)</code>', page)[1]
    link = re.search(r'<a class="button button--primary" href="([^"]+)" download>', page)[1]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(link.replace("&amp;", "&"))
    job = Job.objects.get(owner=hr_admin)
    assert response.status_code == 302 and job.state == "done"
    assert password not in str(job.params) and job.params["password"] == ""  # forgotten
    body = b"".join(client.get(reverse("job_download", args=[job.pk])).streaming_content)
    office = msoffcrypto.OfficeFile(io.BytesIO(body))
    office.load_key(password=password)
    plain = io.BytesIO()
    office.decrypt(plain)
    names = [row[1] for row in openpyxl.load_workbook(plain).active.iter_rows(values_only=True)]
    assert "福祉 0郎" in names and len(names) == 10
    # The same file again needs a new password: the kept one is gone.
    Job.objects.filter(pk=job.pk).update(state="failed")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("job_again", args=[job.pk]))
    again = Job.objects.exclude(pk=job.pk).get()
    assert again.state == "failed" and "ワンタイムパスワード" in again.error and not again.file


def test_the_audit_log_export_goes_to_a_job_for_the_auditor(
    client, auditor, hr_admin, settings, django_capture_on_commit_callbacks
):
    settings.EXPORT_BACKGROUND_ROWS = 3
    for n in range(5):
        AuditEvent.objects.create(kind="trainees.exported", user=hr_admin,
                                  username=hr_admin.username, detail={"rows": n})  # fmt: skip
    client.force_login(auditor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("audit:events_export"), {"format": "csv"})
    job = Job.objects.get(owner=auditor)
    assert response.status_code == 302 and job.permission == "audit.view_auditevent"
    # The log as it stood when asked: not the export's own event, recorded since.
    kinds = [r[2] for r in _file_rows(client, job)]
    assert kinds.count("trainees.exported") == 5 and "audit.exported" not in kinds
    event = AuditEvent.objects.get(kind="audit.exported")
    assert event.detail["job"] == job.pk and event.detail["rows"] == len(kinds)
    assert "処理番号: " in client.get(reverse("audit:events"), {"kind": "audit.exported"}
                                      ).content.decode()  # fmt: skip
