"""The enrolment pages at 4,000 and 100,000 trainees: queries and time per page.

For each size: that many trainees from bench/generate.py (the one generator; one fiscal year —
about one place each, this year's open sessions taking applications), and a trainee, a
department's coordinator and HR opening their pages. The query count must not move with the
size.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kenshu_bench .venv/bin/python bench/dashboard_queries.py [sizes…]

Last line: {"sizes": [...], "pages": {page: {"<size>": {"queries", "ms"}}}}.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

SIZES = [int(a) for a in sys.argv[1:]] or [4000, 100_000]


def build(size: int):  # type: ignore[no-untyped-def]
    """The data set: bench/generate.py (one fiscal year, so that a size builds quickly), then
    the people the pages are opened as — a trainee, a department's coordinator, HR — and the
    session with the most people on it."""
    from bench.generate import generate
    from courses.models import Session
    from trainees.models import User

    generate(trainees=size, years=1, seed=3)
    busiest = Session.objects.order_by("-confirmed_count", "pk").first()
    return (User.objects.get(username="t0000"), User.objects.get(username="c000"),
            User.objects.get(username="h000"), busiest)  # fmt: skip


def measure(client, user, url: str) -> tuple[int, float]:  # type: ignore[no-untyped-def]
    client.force_login(user)
    client.get(url)  # warm
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (url, response.status_code)
    return len(queries), round(elapsed, 1)


def main() -> None:
    from django.conf import settings
    from django.test import Client
    from django.urls import reverse

    # The access log goes to the test database too (its own connection would look for the
    # real one); its insert is counted, as in the query-budget tests.
    settings.AUDIT_DB_ALIAS = "default"
    results: dict[str, dict[str, dict[str, float]]] = {}
    setup_test_environment()
    for size in SIZES:
        test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True)
        try:
            trainee_user, coordinator, hr, busiest = build(size)
            client = Client()
            pages = {
                "my_page": (trainee_user, reverse("trainee_home")),
                "catalogue": (trainee_user, reverse("catalogue")),
                "coordinator": (coordinator, reverse("nominations")),
                "hr_session": (hr, reverse("session_page", args=[busiest.pk])),
            }
            for name, (user, url) in pages.items():
                queries, ms = measure(client, user, url)
                results.setdefault(name, {})[str(size)] = {"queries": queries, "ms": ms}
        finally:
            connection.close()
            connection.creation.destroy_test_db(test_db, verbosity=0)
    print(f"Enrolment pages by registry size ({connection.vendor})")
    print(f"  {'page':<12}" + "".join(f"{size:>22,}" for size in SIZES))
    for name, by_size in results.items():
        cells = "".join(
            f"{by_size[str(size)]['queries']:>10} q {by_size[str(size)]['ms']:>8} ms"
            for size in SIZES
        )
        print(f"  {name:<12}{cells}")
    print(json.dumps({"sizes": SIZES, "pages": results}))


if __name__ == "__main__":
    main()
