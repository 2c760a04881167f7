"""Background jobs with real Celery workers on Redis and PostgreSQL: two workers handed the
same jobs run each once; a worker killed with SIGKILL in the middle of a job leaves nothing
half-written, and the sweep has the job done again by another worker."""

from __future__ import annotations

import datetime
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from jobs import services
from jobs.models import Job
from jobs.tasks import run_jobs
from notices.models import Notice
from reports.models import Certificate
from tests.courses.factories import SessionFactory
from tests.enrollments.factories import completed, enrol
from tests.trainees.factories import TraineeFactory, UserFactory
from trainees.roles import HR_CONSOLE, Role

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)


def _worker(queue: str, redis_url: str, name: str, var_dir: Path) -> subprocess.Popen:
    db = connection.settings_dict
    env = {
        **os.environ,
        "VAR_DIR": str(var_dir),  # the worker's files (the jobs' results) in the test's own place
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": redis_url,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo",
         "--queues", queue, "--hostname", f"{name}@%h", "--without-gossip", "--without-mingle",
         "--loglevel", "WARNING"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip


def _wait(condition, workers, seconds=90):
    deadline = time.monotonic() + seconds
    while not condition():
        for worker in workers:
            assert worker.poll() is None, worker.stdout.read().decode()
        assert time.monotonic() < deadline, "the workers did not finish in time"
        time.sleep(0.1)


def _stop(workers):
    for worker in workers:
        if worker.poll() is None:
            worker.terminate()
    for worker in workers:
        worker.wait(timeout=30)


@pytest.fixture
def redis_url(requires_postgres):
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("needs Redis: set REDIS_URL=redis://127.0.0.1:6379/0 (CI does)")
    return url


def _certificate_job(owner, places: int) -> Job:
    session = SessionFactory(capacity=places)
    for _n in range(places):
        completed(enrol(TraineeFactory(), session))
    return Job.objects.create(kind="certificates", owner=owner, title=f"修了証 {session.pk}",
                              params={"session": session.pk, "format": "zip"},
                              permission=HR_CONSOLE, total=places)  # fmt: skip


def test_two_workers_handed_the_same_jobs_run_each_once(redis_url, tmp_path):
    hr = UserFactory(roles=[Role.HR_ADMIN])
    jobs = [_certificate_job(hr, 3) for _n in range(4)]
    ids = [job.pk for job in jobs]
    queue = f"test-jobs-{os.getpid()}"
    workers = [_worker(queue, redis_url, f"w{n}", tmp_path) for n in (1, 2)]
    try:
        # Each job is sent twice, as a redelivery would; the workers take them as they come.
        for job_id in ids + ids:
            run_jobs.apply_async(args=[[job_id]], queue=queue)
        _wait(lambda: not Job.objects.exclude(state="done").exists(), workers)
    finally:
        _stop(workers)
    assert set(Job.objects.values_list("attempts", flat=True)) == {1}
    assert Certificate.objects.count() == 12  # none issued twice
    for job in Job.objects.all():
        assert Notice.objects.filter(link=f"/jobs/{job.pk}/").count() == 1


def test_a_worker_killed_mid_job_leaves_nothing_and_the_sweep_has_it_done(
    redis_url, tmp_path, monkeypatch
):
    hr = UserFactory(roles=[Role.HR_ADMIN])
    job = _certificate_job(hr, 80)
    queue = f"test-jobs-kill-{os.getpid()}"
    first = _worker(queue, redis_url, "doomed", tmp_path)
    try:
        run_jobs.apply_async(args=[[job.pk]], queue=queue)
        # Killed once it has issued some certificates inside the job's transaction (its
        # progress, in the shared cache, says so).
        _wait(lambda: services.progress_of(Job.objects.get(pk=job.pk))[0] > 0, [first])
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    finally:
        _stop([first])
    job.refresh_from_db()
    assert job.state == "running" and job.attempts == 1
    assert Certificate.objects.count() == 0  # rolled back with the dead connection
    # The sweep, once the lease has run out, sends it again; another worker does it.
    monkeypatch.setattr(services, "_dispatch", lambda ids: [
        run_jobs.apply_async(args=[ids], queue=queue)])  # fmt: skip
    Job.objects.filter(pk=job.pk).update(
        started_at=timezone.now() - services.lease() - datetime.timedelta(seconds=1)
    )
    assert services.jobs_sweep() == 1
    second = _worker(queue, redis_url, "rescuer", tmp_path)
    try:
        _wait(lambda: Job.objects.get(pk=job.pk).state == "done", [second])
    finally:
        _stop([second])
    job.refresh_from_db()
    assert job.attempts == 2 and job.done == 80
    assert Certificate.objects.count() == 80
