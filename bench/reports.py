"""Training history and dashboards at 100,000 trainees and 1,000,000 places over ten fiscal
years, on PostgreSQL: server time and queries of each page, and a 100,000-row CSV export's
time and peak memory.

The data: 20 departments × 10 sections; 100,000 trainees; ten fiscal years, ten courses a
year (the same codes every year), sessions of 200 — every trainee holds one place a year
(≈ 90 % confirmed, 3 % absent every day, 7 % cancelled; 80 % of places completed), stamped
with an organisation that for one place in twenty is not the trainee's current one (moved);
this year's B00 has a target list of everyone (the chase list has the ≈ 28,000 who have not
completed); each year's B00 has a post-test (1,000 attempts) and a survey (1,000 answers).
Written with COPY (lib.bulk.insert_rows); the generation time is printed.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kenshu_bench .venv/bin/python bench/reports.py [trainees]

Last line: {"trainees", "enrollments", "generate_s", "pages": {"<name>": {"ms", "queries"}},
"export_rows", "export_s", "export_peak_mb"} — ms is the median of five requests after a
warm-up; queries of the last one.
"""

from __future__ import annotations

import datetime
import json
import os
import random
import statistics
import sys
import time
import tracemalloc
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

TRAINEES = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
YEARS = list(range(2017, 2027))
COURSES = 10
SEATS = 200
EMPLOYMENT = ["正規"] * 8 + ["会計年度", "再任用"]


def build() -> dict:  # type: ignore[type-arg]
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from assessments.models import (
        Attempt,
        Survey,
        SurveyAnswer,
        SurveyQuestion,
        SurveyResponse,
        Test,
    )
    from courses.models import Course, CourseKind, Session, SessionDay, TargetMember
    from enrollments.models import Enrollment
    from lib.bulk import insert_rows
    from trainees.models import Organisation, Trainee, User
    from trainees.roles import Role

    rng = random.Random(7)
    now = timezone.now()
    departments = [
        Organisation.objects.create(code=f"{d + 1:02d}0000", name=f"第{d + 1}部") for d in range(20)
    ]
    sections = [
        Organisation.objects.create(code=f"{d + 1:02d}{s + 1:02d}00", name=f"第{d + 1}部 第{s + 1}課",
                                    parent=department)
        for d, department in enumerate(departments) for s in range(10)
    ]  # fmt: skip
    section_ids = [s.pk for s in sections]
    names = {s.pk: s.name for s in sections}
    insert_rows(
        Trainee,
        ["staff_number", "is_external", "name", "name_kana", "organisation_id", "concurrent_posts",
         "job_title", "job_category", "duty", "gender", "email", "employment_type", "status",
         "search_text", "created_at", "updated_at"],
        ([f"{n:07d}", False, f"職員 {n}", "", section_ids[n % 200], [], "主事", "事務", "", "",
          f"s{n}@city.example.jp", EMPLOYMENT[n % 10], "active", f"{n:07d}", now, now]
         for n in range(TRAINEES)),
    )  # fmt: skip
    trainees = list(Trainee.objects.order_by("id").values_list("id", "organisation_id"))
    sessions_by_course: dict[int, list[Session]] = {}
    courses: dict[tuple[int, int], Course] = {}
    per_course = TRAINEES // COURSES
    for year in YEARS:
        for c in range(COURSES):
            course = Course.objects.create(
                fiscal_year=year, code=f"B{c:02d}", title=f"研修{c}", category="専門研修",
                kind=CourseKind.ORDERED, delivery="classroom",
            )  # fmt: skip
            courses[(year, c)] = course
            count = max(1, per_course // SEATS)
            sessions = Session.objects.bulk_create(
                Session(course=course, number=n + 1, capacity=SEATS) for n in range(count)
            )
            SessionDay.objects.bulk_create(
                SessionDay(session=s, date=datetime.date(year, 6, 1) + datetime.timedelta(days=n),
                           starts_at=datetime.time(9, 30), ends_at=datetime.time(17))
                for n, s in enumerate(sessions)
            )  # fmt: skip
            sessions_by_course[course.pk] = sessions

    def places():  # type: ignore[no-untyped-def]
        for year in YEARS:
            order = list(range(len(trainees)))
            rng.shuffle(order)
            for position, index in enumerate(order):
                pk, organisation_id = trainees[index]
                course = courses[(year, position % COURSES)]
                sessions = sessions_by_course[course.pk]
                session = sessions[(position // COURSES) % len(sessions)]
                roll = rng.random()
                status = "cancelled" if roll < 0.07 else ("absent" if roll < 0.10 else "confirmed")
                done = status == "confirmed" and rng.random() < 0.89
                then = organisation_id if rng.random() > 0.05 else rng.choice(section_ids)
                yield [session.pk, course.pk, pk, status, "ordered", "", now, now,
                       "completed" if done else "incomplete", [], then, names[then]]  # fmt: skip

    insert_rows(
        Enrollment,
        ["session_id", "course_id", "trainee_id", "status", "source", "nomination_comment",
         "requested_at", "decided_at", "completion", "completion_missing", "organisation_id",
         "organisation_name"],
        places(),
    )  # fmt: skip
    current = courses[(YEARS[-1], 0)]
    insert_rows(
        TargetMember,
        ["course_id", "trainee_id", "source", "reasons", "excluded", "added_at"],
        ([current.pk, pk, "rule", [], False, now] for pk, _o in trainees),
    )
    for year in YEARS:
        course = courses[(year, 0)]
        test = Test.objects.create(course=course, kind="post", title="事後テスト")
        survey = Survey.objects.create(course=course, title="アンケート", anonymous=True)
        question = SurveyQuestion.objects.create(survey=survey, position=1, kind="satisfaction",
                                                 text="満足度", required=True)  # fmt: skip
        sample = list(
            Enrollment.objects.filter(course=course, status="confirmed").values_list(
                "id", "session_id", "organisation_id"
            )[:1000]
        )
        insert_rows(
            Attempt,
            ["test_id", "enrollment_id", "number", "state", "question_ids", "choice_order",
             "started_at", "submitted_at", "auto_submitted", "score", "max_score",
             "adjust_reason"],
            ([test.pk, pk, 1, "submitted", [], {}, now, now, False, rng.randint(4, 10), 10, ""]
             for pk, _s, _o in sample),
        )  # fmt: skip
        responses = [uuid.uuid4() for _ in sample]
        insert_rows(
            SurveyResponse,
            # Anonymous: no day and no person (survey_response_anonymous_has_no_person).
            ["id", "survey_id", "session_id", "organisation_id", "anonymous"],
            ([rid, survey.pk, s, o, True]
             for rid, (_pk, s, o) in zip(responses, sample, strict=True)),
        )  # fmt: skip
        insert_rows(
            SurveyAnswer,
            ["id", "response_id", "question_id", "choice", "choices", "text"],
            ([uuid.uuid4(), rid, question.pk, rng.randint(0, 4), [], ""] for rid in responses),
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    hr = User.objects.create_user(username="h0", password=None)
    hr.groups.add(Group.objects.get(name=Role.HR_ADMIN))
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(hr, generate_totp_secret())
    someone = Trainee.objects.order_by("id")[TRAINEES // 2]
    trainee_user = User.objects.create_user(username="t0", password=None)
    trainee_user.groups.add(Group.objects.get(name=Role.TRAINEE))
    Trainee.objects.filter(pk=someone.pk).update(user=trainee_user)
    return {"hr": hr, "trainee_user": trainee_user, "someone": someone, "current": current}


def measure(client, user, url: str) -> dict:  # type: ignore[no-untyped-def, type-arg]
    client.force_login(user)
    client.get(url)  # warm
    times = []
    for _n in range(5):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return {"ms": round(statistics.median(times), 1), "queries": len(queries)}


def export(client) -> tuple[float, int, int]:  # type: ignore[no-untyped-def]
    from django.http import StreamingHttpResponse
    from django.urls import reverse

    started = time.perf_counter()
    response = client.get(reverse("trainee_export") + "?format=csv")
    assert isinstance(response, StreamingHttpResponse)
    size = lines = 0
    for chunk in response.streaming_content:
        size += len(chunk)
        lines += chunk.count(b"\r\n")
    return round(time.perf_counter() - started, 2), size, lines


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
    setup_test_environment()
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        started = time.perf_counter()
        objects = build()
        generate_s = round(time.perf_counter() - started, 1)
        enrollments = Enrollment.objects.count()
        print(f"Generated {TRAINEES:,} trainees and {enrollments:,} places in {generate_s} s")
        client = Client()
        hr, year = objects["hr"], YEARS[-1]
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
        # The registry as CSV: 100,000 rows streamed (never held). Timed once as it runs, then
        # once more with Python's allocations traced (tracing slows it down) for the peak.
        client.force_login(hr)
        export_s, size, lines = export(client)
        tracemalloc.start()
        export(client)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        export_rows = lines - 1
    finally:
        connection.close()
        connection.creation.destroy_test_db(test_db, verbosity=0)
    print(f"Pages at {TRAINEES:,} trainees / {enrollments:,} places (median of 5, PostgreSQL)")
    for name, figures in results.items():
        print(f"  {name:<26}{figures['ms']:>9} ms {figures['queries']:>5} queries")
    print(f"  CSV export: {export_rows:,} rows, {size / 1e6:.1f} MB in {export_s} s, "
          f"peak Python memory {peak / 1e6:.1f} MB")  # fmt: skip
    print(json.dumps({
        "trainees": TRAINEES, "enrollments": enrollments, "generate_s": generate_s,
        "pages": results, "export_rows": export_rows, "export_s": export_s,
        "export_peak_mb": round(peak / 1e6, 1),
    }, ensure_ascii=False))  # fmt: skip


if __name__ == "__main__":
    main()
