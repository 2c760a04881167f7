"""One mechanism for long work (jobs.services): the row, the worker's one run, the progress seen
from outside the work's transaction, nothing half-written on failure, the inbox notice, the
sweep that picks up what a dead worker or a down broker left, and who may see a job."""

from __future__ import annotations

import datetime
import logging

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from jobs import services
from jobs.models import Job
from jobs.services import JobResult, Progress, job_kind
from notices.models import Notice
from tests.trainees.factories import OrganisationFactory, UserFactory
from trainees.models import Organisation
from trainees.roles import HR_CONSOLE, Role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery")]


@job_kind("test.count")
def _count(job: Job, progress: Progress) -> JobResult:
    total = job.params["n"]
    progress(0, total)
    for n in range(1, total + 1):
        OrganisationFactory(name=f"作業{job.pk}-{n}")
        progress(n)
    if job.params.get("fail") == "refused":
        raise ValidationError("%(n)s行目: 職員番号がありません。", params={"n": 3})
    if job.params.get("fail") == "crash":
        raise RuntimeError("山田 太郎 1990-01-01")  # personal data in an exception's text
    return JobResult(content="職員番号,氏名\r\n".encode("cp932"), file_name="結果.csv",
                     summary=f"{total}件")  # fmt: skip


@job_kind("test.watch")
def _watch(job: Job, progress: Progress) -> JobResult:
    """Looks at its own progress as another request would, half-way through."""
    progress(2, 4)
    seen = Job.objects.get(pk=job.pk)
    return JobResult(summary=str(services.progress_of(seen)), link="/my/")


def _start(owner, run, **params):
    with run(execute=True):
        job = services.job_start(kind=params.pop("kind", "test.count"), owner=owner,
                                 title="テスト作業", params=params,
                                 permission=HR_CONSOLE)  # fmt: skip
    job.refresh_from_db()
    return job


def test_a_job_runs_once_keeps_its_file_and_tells_its_owner(
    client, hr_admin, private_storage, django_capture_on_commit_callbacks
):
    job = _start(hr_admin, django_capture_on_commit_callbacks, n=3)
    assert (job.state, job.done, job.total, job.attempts, job.summary) == ("done", 3, 3, 1, "3件")
    assert Organisation.objects.filter(name__startswith=f"作業{job.pk}-").count() == 3
    assert services.job_run(job.pk) is False  # done: nobody runs it again
    assert Organisation.objects.filter(name__startswith=f"作業{job.pk}-").count() == 3
    notice = Notice.objects.get(user=hr_admin)
    assert notice.title == "完了: テスト作業" and notice.link == reverse(
        "job_detail", args=[job.pk]
    )
    client.force_login(hr_admin)
    page = client.get(reverse("job_detail", args=[job.pk])).content.decode()
    assert "完了：3件中3件" in page and "3件" in page and "jobs.js" not in page
    download = client.get(reverse("job_download", args=[job.pk]))
    assert b"".join(download.streaming_content).decode("cp932").startswith("職員番号")
    assert "filename*=utf-8''%E7%B5%90%E6%9E%9C.csv" in download["Content-Disposition"]
    listing = client.get(reverse("job_list")).content.decode()
    assert "テスト作業" in listing and "結果.csv" in listing


def test_progress_is_seen_outside_the_works_transaction(
    client, hr_admin, django_capture_on_commit_callbacks
):
    job = _start(hr_admin, django_capture_on_commit_callbacks, kind="test.watch")
    assert job.summary == "(2, 4)" and job.link == "/my/"
    assert (job.done, job.total) == (4, 4)  # finished: all of it, though it last said 2
    # While running, the status the page's script polls gives the cache's figures.
    running = Job.objects.create(kind="test.count", owner=hr_admin, title="途中", state="running",
                                 total=10, started_at=timezone.now())  # fmt: skip
    Progress(running.pk)(7, 10)
    client.force_login(hr_admin)
    status = client.get(reverse("job_status", args=[running.pk])).json()
    assert status == {"state": "running", "label": "実行中：10件中7件", "done": 7, "total": 10,
                      "percent": 70, "finished": False}  # fmt: skip
    page = client.get(reverse("job_detail", args=[running.pk])).content.decode()
    assert "jobs.js" in page and '<noscript><meta http-equiv="refresh"' in page
    assert 'value="7"' in page


def test_a_failed_job_leaves_nothing_and_says_why(
    client, hr_admin, private_storage, django_capture_on_commit_callbacks, caplog
):
    caplog.set_level(logging.INFO)
    refused = _start(hr_admin, django_capture_on_commit_callbacks, n=5, fail="refused")
    assert refused.state == "failed" and refused.error == "3行目: 職員番号がありません。"
    assert not Organisation.objects.filter(name__startswith=f"作業{refused.pk}-").exists()
    assert not refused.file
    assert Notice.objects.get(user=hr_admin).title == "失敗: テスト作業"
    crashed = _start(hr_admin, django_capture_on_commit_callbacks, n=1, fail="crash")
    assert crashed.state == "failed" and "山田" not in crashed.error
    assert f"（作業番号 {crashed.pk}）" in crashed.error
    assert "山田" not in caplog.text and "RuntimeError" in caplog.text
    # Try again: the same work as a new job.
    client.force_login(hr_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("job_again", args=[refused.pk]))
    again = Job.objects.latest("id")
    assert response["Location"] == reverse("job_detail", args=[again.pk])
    assert (again.params, again.state, again.owner) == (refused.params, "failed", hr_admin)
    assert client.get(reverse("job_download", args=[refused.pk])).status_code == 404


def test_only_the_owner_with_the_permission_sees_a_job(
    client, hr_admin, django_capture_on_commit_callbacks
):
    job = _start(hr_admin, django_capture_on_commit_callbacks, n=1)
    other_hr = UserFactory(roles=[Role.HR_ADMIN], totp=True)
    for url in ("job_detail", "job_status", "job_download"):
        client.force_login(other_hr)
        assert client.get(reverse(url, args=[job.pk])).status_code == 404
    client.logout()
    assert client.get(reverse("job_detail", args=[job.pk])).status_code == 302
    # The owner lost the role that the job needed: no longer theirs to open.
    hr_admin.groups.clear()
    client.force_login(hr_admin)
    assert client.get(reverse("job_detail", args=[job.pk])).status_code == 404
    assert "テスト作業" not in client.get(reverse("job_list")).content.decode()


def test_the_sweep_sends_again_what_nobody_is_doing(hr_admin, django_capture_on_commit_callbacks):
    now = timezone.now()
    lost = Job.objects.create(kind="test.count", owner=hr_admin, title="放置", params={"n": 1},
                              created_at=now - datetime.timedelta(minutes=5))  # fmt: skip
    fresh = Job.objects.create(kind="test.count", owner=hr_admin, title="直後", params={"n": 1})
    dead = Job.objects.create(kind="test.count", owner=hr_admin, title="中断", params={"n": 2},
                              state="running", attempts=1,
                              started_at=now - datetime.timedelta(hours=1))  # fmt: skip
    alive = Job.objects.create(kind="test.count", owner=hr_admin, title="実行中",
                               params={"n": 1}, state="running", attempts=1,
                               started_at=now - datetime.timedelta(minutes=1))  # fmt: skip
    worn = Job.objects.create(kind="test.count", owner=hr_admin, title="三度目", params={"n": 1},
                              state="running", attempts=3,
                              started_at=now - datetime.timedelta(hours=1))  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        assert services.jobs_sweep() == 2
    states = {j.title: (j.state, j.attempts) for j in Job.objects.all()}
    assert states == {"放置": ("done", 1), "直後": ("queued", 0), "中断": ("done", 2),
                      "実行中": ("running", 1), "三度目": ("failed", 3)}  # fmt: skip
    assert "3回中断" in Job.objects.get(pk=worn.pk).error
    assert Notice.objects.filter(title="失敗: 三度目").count() == 1
    assert {lost.pk, dead.pk} <= set(Job.objects.filter(state="done").values_list("pk", flat=True))
    assert fresh.pk and alive.pk
