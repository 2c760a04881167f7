"""How much the audit access log adds to a request.

Serves one cheap authenticated page (a trainee's /me/) through the full middleware stack with the
audit middleware on and off, interleaved in blocks so drift affects both equally, on the
configured database (DATABASE_URL, else SQLite) in a throw-away test database.

    make bench                      # or: .venv/bin/python bench/audit_overhead.py [requests]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kenshu make bench

Last line: {"median_on_ms", "median_off_ms", "added_ms", "p95_on_ms", "p95_off_ms", "database"}.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

AUDIT = "audit.middleware.AccessLogMiddleware"


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1]


def timed_requests(client: Client, count: int) -> list[float]:
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        response = client.get("/me/")
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    return samples


def main() -> None:
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    block = 100
    setup_test_environment()
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    for alias in connections:  # the asynchronous-commit "audit" connection, on PostgreSQL
        if alias != "default":
            connections[alias].creation.set_as_test_mirror(connection.settings_dict)
    try:
        from audit.models import AccessLog
        from trainees.models import User
        from trainees.roles import Role
        from trainees.services import user_provision

        user: User = user_provision(
            username="bench01", full_name="計測 太郎", email="", roles=[Role.TRAINEE]
        )
        with_audit = Client()
        with_audit.force_login(user)
        without_middleware = [m for m in settings.MIDDLEWARE if m != AUDIT]
        with override_settings(MIDDLEWARE=without_middleware):
            without_audit = Client()
            without_audit.force_login(user)
            timed_requests(without_audit, 50)  # warm-up: templates, middleware chain
        timed_requests(with_audit, 50)

        on: list[float] = []
        off: list[float] = []
        for _ in range(total // block):
            on += timed_requests(with_audit, block)
            with override_settings(MIDDLEWARE=without_middleware):
                off += timed_requests(without_audit, block)
        rows = AccessLog.objects.filter(user_id=user.pk).count()
        expected_rows = len(on) + 50
        if rows != expected_rows:
            sys.exit(f"expected {expected_rows} access-log rows, found {rows}: audit writes failed")
    finally:
        for alias in connections:
            if alias != "default":
                connections[alias].close()
        connection.creation.destroy_test_db(test_db, verbosity=0)

    result = {
        "median_on_ms": round(statistics.median(on), 3),
        "median_off_ms": round(statistics.median(off), 3),
        "added_ms": round(statistics.median(on) - statistics.median(off), 3),
        "p95_on_ms": round(p95(on), 3),
        "p95_off_ms": round(p95(off), 3),
        "database": connection.vendor,
        "requests_each": len(on),
    }
    async_commit = "audit" in connections.settings
    print(f"Audit middleware overhead on {connection.vendor}, GET /me/ as a trainee")
    if connection.vendor == "postgresql":
        print(f"  access log on its asynchronous-commit connection: {async_commit}")
    print(f"  requests each way : {len(on)} (interleaved in blocks of {block})")
    for label, key in (("on ", "on"), ("off", "off")):
        median, tail = result[f"median_{key}_ms"], result[f"p95_{key}_ms"]
        print(f"  audit {label}  median {median:.3f} ms   p95 {tail:.3f} ms")
    print(f"  added by the audit write (median): {result['added_ms']:.3f} ms")
    print(f"  access-log rows written: {rows}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
