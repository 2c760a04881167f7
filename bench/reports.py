"""Training history and dashboards at 100,000 trainees and 1,000,000 places over ten fiscal
years, on PostgreSQL: server time and queries of each page, and a 100,000-row CSV export's
time and peak memory.

The data: bench/generate.py, the one generator (seed 7): a 部/課/係 tree and six affiliated
organisations; 100,000 trainees; ten fiscal years of 24 courses (the same codes every year),
one-day sessions of 40 — about one place per trainee and year (≈ 1,000,000), most confirmed
with their attendance, stamped with an organisation that for one place in twenty is not the
trainee's current one (moved); this year's B01 has a target list of every ward employee (the
chase list); three courses a year have a post-test, a survey and completion reports. Written
with COPY (lib.bulk.insert_rows); the generation time is printed.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kenshu_bench .venv/bin/python bench/reports.py [trainees]

Last line: {"trainees", "enrollments", "generate_s", "pages": {"<name>": {"ms", "queries",
"kept_ms"}}, "export_rows", "export_s", "export_peak_mb"} — ms is the median of five requests
after a warm-up, each counted afresh (every change number moved before it: what the page
costs after a change to what it counts); queries of the last one; kept_ms the median of five
more as the page is served while nothing changes (reports.freshness keeps the completion,
compliance and hours figures; the other pages count every time).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

TRAINEES = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000


def build() -> dict:  # type: ignore[type-arg]
    """The data set: bench/generate.py (the one generator), then the people the pages are
    measured as — an HR administrator, a trainee with ten years of places, and this year's
    course with a target list of every ward employee (the chase list)."""
    from bench.generate import generate
    from courses.models import Course, current_fiscal_year
    from trainees.models import Trainee, User

    generate(trainees=TRAINEES, years=10, seed=7)
    hr = User.objects.get(username="h000")
    trainee_user = User.objects.get(username="t0000")
    someone = Trainee.objects.get(user=trainee_user)
    current = Course.objects.get(fiscal_year=current_fiscal_year(), code="B01")
    return {"hr": hr, "trainee_user": trainee_user, "someone": someone, "current": current}


def measure(client, user, url: str) -> dict:  # type: ignore[no-untyped-def, type-arg]
    """The page counted afresh (every change number moved before each request, as a commit
    to what it counts would: what it costs after a change, as every dashboard cost before
    reports.freshness), then as kept."""
    from reports.freshness import EPOCH
    from reports.models import DataChange

    client.force_login(user)
    client.get(url)  # warm
    times = []
    for _n in range(5):
        DataChange.objects.create(table=EPOCH, n=1)
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    # Read now: every request clears the connection's log of queries (request_started).
    count = len(queries)
    kept = []
    for _n in range(5):
        started = time.perf_counter()
        client.get(url)
        kept.append((time.perf_counter() - started) * 1000)
    return {"ms": round(statistics.median(times), 1), "queries": count,
            "kept_ms": round(statistics.median(kept), 1)}  # fmt: skip


def export(client, user) -> tuple[float, int, int]:  # type: ignore[no-untyped-def]
    """The registry as CSV: above EXPORT_BACKGROUND_ROWS a job makes the file (run in the
    request here: tasks are eager without REDIS_URL); the time is the request's with the
    job's, then the file is read back."""
    from django.conf import settings
    from django.urls import reverse

    from jobs.models import Job

    assert settings.CELERY_TASK_ALWAYS_EAGER, "run without REDIS_URL: the job is timed in-process"
    started = time.perf_counter()
    response = client.get(reverse("trainee_export") + "?format=csv")
    elapsed = round(time.perf_counter() - started, 2)
    assert response.status_code == 302, response.status_code  # to the job's page
    job = Job.objects.filter(owner=user).latest("id")
    assert job.state == Job.State.DONE, (job.state, job.error)
    size = lines = 0
    with job.file.open("rb") as made:
        for chunk in iter(lambda: made.read(1 << 20), b""):
            size += len(chunk)
            lines += chunk.count(b"\r\n")
    return elapsed, size, lines


def main() -> None:
    from django.conf import settings
    from django.test import Client
    from django.urls import reverse

    from enrollments.models import Enrollment

    if connection.vendor != "postgresql":
        reason = "needs DATABASE_URL=postgres://… (the data set is written with COPY)"
        print(f"reports skipped: {reason}")
        print(json.dumps({"skipped": reason}))
        return
    settings.AUDIT_DB_ALIAS = "default"
    # The export is measured, not the password prompt before it (the tests cover that).
    settings.EXPORT_REAUTHENTICATION = False
    setup_test_environment()
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        started = time.perf_counter()
        objects = build()
        generate_s = round(time.perf_counter() - started, 1)
        enrollments = Enrollment.objects.count()
        print(f"Generated {TRAINEES:,} trainees and {enrollments:,} places in {generate_s} s")
        client = Client()
        hr, year = objects["hr"], objects["current"].fiscal_year
        pages = {
            "my_history": (objects["trainee_user"], reverse("my_history")),
            "trainee_history_hr": (hr, reverse("trainee_history", args=[objects["someone"].pk])),
            "course_x_organisation": (hr, reverse("dashboard_completion") + f"?year={year}"),
            "compliance": (hr, reverse("dashboard_compliance") + f"?year={year}"),
            "chase_list": (hr, reverse("dashboard_chase", args=[objects["current"].pk])),
            "satisfaction_over_years": (hr, reverse("dashboard_results")),
            "attendance": (hr, reverse("dashboard_attendance") + f"?year={year}"),
            "hours_by_employment": (hr, reverse("dashboard_hours") + f"?year={year}"),
        }
        results = {name: measure(client, user, url) for name, (user, url) in pages.items()}
        # The registry as CSV: 100,000 rows written by a job as they come (never held). Timed
        # once as it runs, then once more with Python's allocations traced (tracing slows it
        # down) for the peak.
        client.force_login(hr)
        export_s, size, lines = export(client, hr)
        tracemalloc.start()
        export(client, hr)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        export_rows = lines - 1
    finally:
        connection.close()
        connection.creation.destroy_test_db(test_db, verbosity=0)
    print(f"Pages at {TRAINEES:,} trainees / {enrollments:,} places (median of 5, PostgreSQL; "
          "counted afresh, then kept)")  # fmt: skip
    for name, figures in results.items():
        print(f"  {name:<26}{figures['ms']:>9} ms {figures['queries']:>5} queries, "
              f"kept {figures['kept_ms']} ms")  # fmt: skip
    print(f"  CSV export: {export_rows:,} rows, {size / 1e6:.1f} MB in {export_s} s, "
          f"peak Python memory {peak / 1e6:.1f} MB")  # fmt: skip
    print(json.dumps({
        "trainees": TRAINEES, "enrollments": enrollments, "generate_s": generate_s,
        "pages": results, "export_rows": export_rows, "export_s": export_s,
        "export_peak_mb": round(peak / 1e6, 1),
    }, ensure_ascii=False))  # fmt: skip


if __name__ == "__main__":
    main()
