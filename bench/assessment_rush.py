"""300 trainees start and submit a 20-question test at the same moment, over HTTP; then the
results page (distribution + item analysis) of a course with 4,000 attempts × 20 questions.

The rush: gunicorn (4 workers × 8 threads) on PostgreSQL in a throw-away test database; each
trainee is logged in with their own session and CSRF token; a barrier releases them together.
Each starts the test (POST), saves every answer as the page's autosave does (20 POSTs), then
submits (POST). Afterwards every attempt must be submitted and scored exactly once (one
"attempt.submitted" audit event per attempt, a score on each).

The analysis: 4,000 submitted attempts with 80,000 answers bulk-inserted for another course;
HR's results page is requested in-process (server time and queries), and again with 400
attempts to show the query count does not move.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kenshu_bench .venv/bin/python bench/assessment_rush.py [trainees]

Last line: {"submitters", "requests", "errors", "scored_once", "save_p50_ms", "save_p95_ms",
"submit_p50_ms", "submit_p95_ms", "analysis_ms" (statistics computed), "analysis_cached_ms"
(a reload, statistics cached until something changes), "analysis_queries",
"analysis_queries_400"}.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from apply_rush import NoRedirect, make_people, serve
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

SUBMITTERS = int(sys.argv[1]) if len(sys.argv) > 1 else 300
QUESTIONS = 20
ANALYSIS_ATTEMPTS = 4000


def make_test(course):  # type: ignore[no-untyped-def]
    from assessments import services
    from assessments.models import QuestionKind, Test

    test = services.test_save(
        test=Test(course=course, title="ベンチ テスト", attempts_allowed=1), actor=None
    )
    for n in range(QUESTIONS):
        services.question_save(
            test=test, question=None, actor=None,
            fields={"kind": QuestionKind.SINGLE, "text": f"問{n + 1}", "points": Decimal(1)},
            choices=[{"text": t, "is_correct": t == "A"} for t in "ABCD"],
        )  # fmt: skip
    return test


def course_with_session(code: str, capacity: int):  # type: ignore[no-untyped-def]
    import datetime

    from courses.models import Category, Course, CourseKind, DeliveryMode, Session, SessionDay

    course = Course.objects.create(
        fiscal_year=2026, code=code, title=f"{code} 研修", category=Category.SPECIALIST,
        kind=CourseKind.ORDERED, delivery=DeliveryMode.CLASSROOM, requires_attendance=False,
        requires_test=True,
    )  # fmt: skip
    session = Session.objects.create(course=course, number=1, capacity=capacity, confirmed_count=0)
    SessionDay.objects.create(
        session=session, date=datetime.date(2026, 11, 20),
        starts_at=datetime.time(9), ends_at=datetime.time(12),
    )  # fmt: skip
    return course, session


def place_everyone(session, trainee_ids: list[int]) -> list[int]:  # type: ignore[no-untyped-def]
    from courses.models import Session
    from enrollments.models import Enrollment, Source, Status
    from trainees.models import Trainee

    organisation = dict(
        Trainee.objects.filter(pk__in=trainee_ids).values_list("pk", "organisation_id")
    )
    Enrollment.objects.bulk_create(
        Enrollment(session=session, course_id=session.course_id, trainee_id=pk,
                   counted_in_id=organisation[pk], status=Status.CONFIRMED, source=Source.ORDERED)
        for pk in trainee_ids
    )  # fmt: skip
    Session.objects.filter(pk=session.pk).update(confirmed_count=len(trainee_ids))
    return list(
        Enrollment.objects.filter(session=session)
        .order_by("trainee_id")
        .values_list("pk", flat=True)
    )


def rush(base: str, people, enrollment_ids, test, answers):  # type: ignore[no-untyped-def]
    """Every trainee: start, save each answer, submit. Returns (save ms, submit ms, errors)."""
    barrier = threading.Barrier(len(people))
    saves: list[float] = []
    submits: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    opener = urllib.request.build_opener(NoRedirect)

    def post(path: str, fields: dict, cookie: str) -> tuple[int | str, str, float]:
        body = urllib.parse.urlencode(fields).encode()
        request = urllib.request.Request(base + path, data=body, method="POST")  # noqa: S310
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
        request.add_header("Cookie", cookie)
        started = time.perf_counter()
        try:
            with opener.open(request, timeout=120) as response:
                status, location = response.status, response.headers.get("Location", "")
        except urllib.error.HTTPError as error:
            status, location = error.code, error.headers.get("Location", "")
        except OSError as error:
            status, location = type(error).__name__, ""
        return status, location, (time.perf_counter() - started) * 1000

    def trainee(person, enrollment_id: int) -> None:
        session_key, csrf = person
        cookie = f"{settings.SESSION_COOKIE_NAME}={session_key}; {settings.CSRF_COOKIE_NAME}={csrf}"
        barrier.wait()
        status, location, _ms = post(
            f"/me/enrollments/{enrollment_id}/tests/{test.pk}/start/",
            {"csrfmiddlewaretoken": csrf}, cookie,
        )  # fmt: skip
        if status != 302 or "/me/attempts/" not in location:
            with lock:
                errors.append(f"start {status}")
            return
        attempt_path = location.split("/me/attempts/")[1].split("/")[0]
        mine, failed = [], []
        for question_id, choice_id in answers:
            status, _loc, ms = post(
                f"/me/attempts/{attempt_path}/save/",
                {"csrfmiddlewaretoken": csrf, "question": question_id, "choice": choice_id},
                cookie,
            )  # fmt: skip
            mine.append(ms)
            if status != 200:
                failed.append(f"save {status}")
        # The page's form posts what is ticked with the submit button, as a browser does.
        form = {"csrfmiddlewaretoken": csrf, "action": "submit"}
        form.update({f"q{question_id}": choice_id for question_id, choice_id in answers})
        status, location, ms = post(f"/me/attempts/{attempt_path}/", form, cookie)
        with lock:
            saves.extend(mine)
            submits.append(ms)
            errors.extend(failed)
            if status != 302 or not location.endswith("/result/"):
                errors.append(f"submit {status}")

    threads = [
        threading.Thread(target=trainee, args=(person, pk))
        for person, pk in zip(people, enrollment_ids, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    return saves, submits, errors


def fill_attempts(test, enrollment_ids: list[int]) -> None:  # type: ignore[no-untyped-def]
    """Submitted attempts with answers, bulk-inserted (as if 4,000 had sat the test)."""
    from django.utils import timezone

    from assessments.models import Answer, Attempt, Question

    rng = random.Random(4000)
    questions = list(Question.objects.filter(test=test).prefetch_related("choices"))
    order = {str(q.pk): [c.pk for c in q.choices.all()] for q in questions}
    now = timezone.now()
    attempts = Attempt.objects.bulk_create(
        Attempt(test=test, enrollment_id=pk, number=1, state=Attempt.State.SUBMITTED,
                question_ids=[q.pk for q in questions], choice_order=order, started_at=now,
                submitted_at=now, score=Decimal(0), max_score=Decimal(QUESTIONS), passed=False)
        for pk in enrollment_ids
    )  # fmt: skip
    through = Answer.choices.through
    for start in range(0, len(attempts), 500):
        batch = attempts[start : start + 500]
        answers, picks, scores = [], [], {}
        for attempt in batch:
            ability = rng.random()
            for question in questions:
                choices = list(question.choices.all())
                right = rng.random() < ability
                choice = choices[0] if right else rng.choice(choices[1:])
                answers.append(Answer(attempt=attempt, question=question, saved_at=now,
                                      points=Decimal(1 if right else 0)))  # fmt: skip
                picks.append(choice.pk)
                scores[attempt.pk] = scores.get(attempt.pk, 0) + (1 if right else 0)
        created = Answer.objects.bulk_create(answers)
        through.objects.bulk_create(
            through(answer_id=a.pk, choice_id=c) for a, c in zip(created, picks, strict=True)
        )
        for attempt in batch:
            attempt.score = Decimal(scores[attempt.pk])
            attempt.passed = attempt.score >= 12
        Attempt.objects.bulk_update(batch, ["score", "passed"])


def measure_results(test, hr) -> tuple[float, float, int]:  # type: ignore[no-untyped-def]
    """(first request's ms with the statistics computed, a reload's ms with them cached, the
    queries of the first)."""
    from django.core.cache import cache
    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(hr)
    url = reverse("test_results", args=[test.pk])
    assert client.get(url).status_code == 200  # warm the code paths and connections
    cold, warm, count = [], [], 0
    for _ in range(3):
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            cold.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
        count = len(queries)
        started = time.perf_counter()
        client.get(url)
        warm.append((time.perf_counter() - started) * 1000)
    return round(min(cold), 1), round(min(warm), 1), count


def main() -> None:
    if connection.vendor != "postgresql":
        reason = "needs DATABASE_URL=postgres://… (the attempt locks are measured on PostgreSQL)"
        print(f"assessment_rush skipped: {reason}")
        print(json.dumps({"skipped": reason}))
        return
    from django.contrib.auth.models import Group
    from django.test.utils import setup_test_environment

    setup_test_environment()
    settings.AUDIT_DB_ALIAS = "default"
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    server = None
    try:
        from assessments.models import Attempt, Question
        from audit.models import AuditEvent
        from trainees.models import Trainee, User
        from trainees.roles import Role

        course, session = course_with_session("RUSH", SUBMITTERS)
        test = make_test(course)
        people = make_people(SUBMITTERS)
        trainee_ids = list(Trainee.objects.order_by("pk").values_list("pk", flat=True))
        enrollment_ids = place_everyone(session, trainee_ids)
        answers = [
            (q.pk, q.choices.get(is_correct=True).pk)
            for q in Question.objects.filter(test=test).order_by("position")
        ]
        server, base = serve(tempfile.mkdtemp(prefix="assessment-rush-"))
        for _ in range(16):
            urllib.request.urlopen(f"{base}/healthz", timeout=5).close()  # noqa: S310
        started = time.perf_counter()
        saves, submits, errors = rush(base, people, enrollment_ids, test, answers)
        wall = time.perf_counter() - started
        server.terminate()
        server.wait(timeout=30)
        server = None
        attempts = list(Attempt.objects.filter(test=test))
        events: dict[int, int] = {}
        for detail in AuditEvent.objects.filter(kind="attempt.submitted").values_list(
            "detail", flat=True
        ):
            events[detail["attempt"]] = events.get(detail["attempt"], 0) + 1
        unscored = [
            a.pk for a in attempts if a.state != Attempt.State.SUBMITTED or a.score != QUESTIONS
        ]
        not_once = [a.pk for a in attempts if events.get(a.pk) != 1]
        scored_once = len(attempts) == SUBMITTERS and not unscored and not not_once
        check = (
            f"{len(attempts)} attempts, {len(unscored)} not scored {QUESTIONS}/{QUESTIONS}, "
            f"{len(not_once)} without exactly one submission event"
        )

        # The results page at 4,000 attempts (and at 400, to show the query count is fixed).
        hr = User.objects.create_user(username="h0", password=None)
        hr.groups.add(Group.objects.get(name=Role.HR_ADMIN))
        from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

        TOTP.activate(hr, generate_totp_secret())
        counts = {}
        for size in (400, ANALYSIS_ATTEMPTS):
            big_course, big_session = course_with_session(f"A{size}", size)
            big_test = make_test(big_course)
            new = Trainee.objects.bulk_create(
                Trainee(staff_number=f"8{size}{n:05d}", name=f"受講者 {n}",
                        organisation_id=Trainee.objects.first().organisation_id,
                        employment_type="正規")
                for n in range(size)
            )  # fmt: skip
            ids = place_everyone(big_session, [t.pk for t in new])
            fill_attempts(big_test, ids)
            with connection.cursor() as cursor:  # as autovacuum would have, after a bulk load
                cursor.execute("ANALYZE")
            counts[size] = measure_results(big_test, hr)
        analysis_cold_ms, analysis_ms, analysis_queries = counts[ANALYSIS_ATTEMPTS]
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        connection.close()
        connection.creation.destroy_test_db(test_db, verbosity=0)
        if os.environ.get("REDIS_URL"):
            import redis

            redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()

    def p(values: list[float], q: float) -> float:
        ordered = sorted(values)
        return round(ordered[max(0, int(len(ordered) * q) - 1)], 1) if ordered else 0.0

    result = {
        "submitters": SUBMITTERS,
        "requests": SUBMITTERS * (QUESTIONS + 2),
        "errors": len(errors),
        "scored_once": scored_once,
        "save_p50_ms": round(statistics.median(saves), 1) if saves else 0.0,
        "save_p95_ms": p(saves, 0.95),
        "submit_p50_ms": round(statistics.median(submits), 1) if submits else 0.0,
        "submit_p95_ms": p(submits, 0.95),
        "analysis_ms": analysis_cold_ms,
        "analysis_cached_ms": analysis_ms,
        "analysis_queries": analysis_queries,
        "analysis_queries_400": counts[400][2],
    }
    print(
        f"{SUBMITTERS} trainees start, save {QUESTIONS} answers each and submit at once "
        f"(gunicorn 4×8 on PostgreSQL): {result['requests']} requests in {wall:.1f} s"
    )
    print(
        f"  errors {result['errors']} {sorted(set(errors))[:5]}; scored exactly once: {scored_once}"
    )
    print(f"  ({check})")
    print(f"  save   p50 {result['save_p50_ms']} ms, p95 {result['save_p95_ms']} ms")
    print(f"  submit p50 {result['submit_p50_ms']} ms, p95 {result['submit_p95_ms']} ms")
    print(
        f"  results page at {ANALYSIS_ATTEMPTS} attempts × {QUESTIONS} questions: "
        f"{analysis_cold_ms} ms computing the statistics, {analysis_ms} ms with them cached, "
        f"{analysis_queries} queries (at 400 attempts: {counts[400][0]} ms, "
        f"{counts[400][2]} queries)"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
