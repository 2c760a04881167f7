"""The enrolment pages at 4,000 and 100,000 trainees: queries and time per page.

For each size: that many trainees in one department tree, every one of them holding a place on
one of 20 courses (sessions of 200), a coordinator for the whole tree, and one trainee, the
coordinator and HR opening their pages. The query count must not move with the size.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kenshu_bench .venv/bin/python bench/dashboard_queries.py [sizes…]

Last line: {"sizes": [...], "pages": {page: {"<size>": {"queries", "ms"}}}}.
"""

from __future__ import annotations

import datetime
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
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from courses.models import Course, CourseKind, Session, SessionDay
    from enrollments.models import Enrollment
    from lib.bulk import insert_rows
    from trainees.models import Organisation, Trainee, User
    from trainees.roles import Role

    now = timezone.now()
    root = Organisation.objects.create(code="100000", name="区役所")
    sections = [
        Organisation.objects.create(code=f"1{n:02d}100", name=f"第{n}課", parent=root)
        for n in range(50)
    ]
    insert_rows(
        Trainee,
        ["staff_number", "is_external", "name", "name_kana", "organisation_id", "concurrent_posts",
         "job_title", "job_category", "duty", "gender", "email", "employment_type", "status",
         "search_text", "created_at", "updated_at"],
        ([f"{n:07d}", False, f"職員 {n}", "", sections[n % 50].pk, [], "主事", "事務", "", "",
          f"s{n}@city.example.jp", "正規", "active", f"{n:07d}", now, now] for n in range(size)),
    )  # fmt: skip
    ids = list(Trainee.objects.order_by("id").values_list("id", flat=True))
    sessions = []
    for c in range(20):
        course = Course.objects.create(
            fiscal_year=2026, code=f"B{c:02d}", title=f"研修{c}", category="選択研修",
            kind=CourseKind.OPEN, delivery="classroom",
        )  # fmt: skip
        for number in range(1, max(2, size // 20 // 200) + 1):
            session = Session.objects.create(
                course=course, number=number, capacity=1000,
                application_opens_at=now - datetime.timedelta(days=1),
                application_closes_at=now + datetime.timedelta(days=30),
            )  # fmt: skip
            SessionDay.objects.create(
                session=session, date=datetime.date(2027, 1, 10), starts_at=datetime.time(9),
                ends_at=datetime.time(17),
            )  # fmt: skip
            sessions.append(session)
    per = len(ids) // len(sessions) + 1
    insert_rows(
        Enrollment,
        ["session_id", "course_id", "trainee_id", "status", "source", "nomination_comment",
         "requested_at", "completion", "completion_missing"],
        ([sessions[i // per].pk, sessions[i // per].course_id, pk, "confirmed", "applied", "", now,
          "not_started", []] for i, pk in enumerate(ids)),
    )  # fmt: skip
    for session in sessions:
        count = Enrollment.objects.filter(session=session).count()
        Session.objects.filter(pk=session.pk).update(capacity=max(count, 1), confirmed_count=count)
    trainee_user = User.objects.create_user(username="t0", password=None)
    trainee_user.groups.add(Group.objects.get(name=Role.TRAINEE))
    Trainee.objects.filter(pk=ids[0]).update(user=trainee_user)
    coordinator = User.objects.create_user(username="c0", password=None)
    coordinator.groups.add(Group.objects.get(name=Role.COORDINATOR))
    coordinator.coordinated_organisations.add(root)
    hr = User.objects.create_user(username="h0", password=None)
    hr.groups.add(Group.objects.get(name=Role.HR_ADMIN))
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(hr, generate_totp_secret())
    busiest = Session.objects.order_by("-confirmed_count").first()
    return trainee_user, coordinator, hr, busiest


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
