"""The audit hash chain at scale: seal and verify 1,000,000 access-log rows, and what the
sealer running beside the portal costs a request.

Builds the rows with COPY in a throw-away test database (PostgreSQL for the figures that
count), seals them (audit/chain.py, as the beat task does), verifies them (what
`manage.py verify_audit` does), then serves a trainee's /me/ in interleaved blocks with a
sealer thread running (every 0.2 s, no lag: the worst case) and without.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kenshu_bench .venv/bin/python bench/audit_chain.py [rows] [requests]

Last line: {"rows", "insert_s", "seal_s", "verify_s", "request_overhead_pct",
"median_with_sealer_ms", "median_without_ms", "database"}.
"""

from __future__ import annotations

import datetime
import json
import multiprocessing
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

import django

django.setup()

from django.db import connection, connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402


def build(rows: int) -> float:
    from audit.models import AccessLog
    from lib.bulk import insert_rows

    started = time.perf_counter()
    when = timezone.now() - datetime.timedelta(days=1)
    paths = ["/me/", "/catalogue/", "/hr/trainees/", "/inbox/", "/learn/"]
    insert_rows(
        AccessLog,
        ["occurred_at", "request_id", "username", "roles", "ip_address", "method", "path",
         "query_keys", "view_name", "status_code", "duration_ms"],
        ([when + datetime.timedelta(milliseconds=n), uuid.uuid4(), f"{300000 + n % 4000}",
          "trainee", f"10.1.{n % 250}.{n % 200 + 1}", "GET", paths[n % 5], "", "view",
          200, 3.5 + n % 40] for n in range(rows)),
    )  # fmt: skip
    with connection.cursor() as cursor:  # as autovacuum would after a load this size
        cursor.execute("ANALYZE audit_accesslog")
    return time.perf_counter() - started


def timed(client: Client, count: int) -> list[float]:
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        assert client.get("/me/").status_code == 200
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    requests = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    if connection.vendor != "postgresql":
        # SQLite serialises a sealer thread and the requests on one file: nothing to measure.
        reason = "needs DATABASE_URL=postgres://… (the chain is measured on PostgreSQL)"
        print(f"audit_chain skipped: {reason}")
        print(json.dumps({"skipped": reason}))
        return
    setup_test_environment()
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    for alias in connections:
        if alias != "default":
            connections[alias].creation.set_as_test_mirror(connection.settings_dict)
    try:
        from django.conf import settings

        from audit import chain
        from trainees.roles import Role
        from trainees.services import user_provision

        insert_s = build(rows)
        later = timezone.now() + datetime.timedelta(hours=1)
        started = time.perf_counter()
        sealed = chain.seal_all(now=later)
        seal_s = time.perf_counter() - started
        started = time.perf_counter()
        result = chain.verify()
        verify_s = time.perf_counter() - started
        if not result.intact or result.rows < rows:
            sys.exit(f"verification failed: {result.breaks[:3]} ({result.rows} rows)")

        user = user_provision(username="bench01", full_name="計測 太郎", email="",
                              roles=[Role.TRAINEE])  # fmt: skip
        client = Client()
        client.force_login(user)
        timed(client, 50)
        settings.AUDIT_SEAL_LAG_SECONDS = 0
        stop = multiprocessing.Event()

        def sealer() -> None:
            """A process of its own, as the Celery worker that runs the beat task is."""
            connections.close_all()  # the parent's connections are not the child's
            while not stop.is_set():
                chain.seal_all()
                stop.wait(0.2)
            connections.close_all()

        with_sealer: list[float] = []
        without: list[float] = []
        context = multiprocessing.get_context("fork")
        for _ in range(max(1, requests // 100)):
            without += timed(client, 100)
            stop.clear()
            connections.close_all()
            process = context.Process(target=sealer)
            process.start()
            with_sealer += timed(client, 100)
            stop.set()
            process.join()
        chain.seal_all()
        if not chain.verify().intact:
            sys.exit("the chain broke while requests were served")
    finally:
        for alias in connections:
            if alias != "default":
                connections[alias].close()
        connection.creation.destroy_test_db(test_db, verbosity=0)

    median_with, median_without = statistics.median(with_sealer), statistics.median(without)
    figures = {
        "rows": sealed,
        "insert_s": round(insert_s, 2),
        "seal_s": round(seal_s, 2),
        "verify_s": round(verify_s, 2),
        "request_overhead_pct": round((median_with - median_without) / median_without * 100, 2),
        "median_with_sealer_ms": round(median_with, 3),
        "median_without_ms": round(median_without, 3),
        "database": connection.vendor,
    }
    print(f"Audit hash chain on {connection.vendor}")
    print(f"  {sealed:,} access-log rows: COPY {insert_s:.1f} s, sealed in {seal_s:.1f} s, "
          f"verified in {verify_s:.1f} s")  # fmt: skip
    print(f"  GET /me/ median: {median_without:.3f} ms without a sealer, {median_with:.3f} ms "
          f"with one sealing every 0.2 s ({figures['request_overhead_pct']:+.2f} %)")  # fmt: skip
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
