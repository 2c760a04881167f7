"""The one data generator (bench/generate.py, issue 23) run as a benchmark runs it — migrate an
empty PostgreSQL database, then generate — at a small size: the ward it writes holds what the
portal would have written (every certificate numbered as the issuing service numbers it, of a
completed place, with its audit event; the audit tables hash-chained so that verify_audit finds
no break), and the load test's logins of every role."""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from courses.models import valid_until

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def scratch_database(requires_postgres):
    db = connection.settings_dict
    server = f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT']}"
    name = f"kenshu_generator_{os.getpid()}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    yield f"{server}/{name}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _run(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_the_generated_ward_is_what_the_portal_would_have_written(scratch_database, tmp_path):
    env = {**os.environ, "DATABASE_URL": scratch_database, "VAR_DIR": str(tmp_path),
           "DJANGO_SETTINGS_MODULE": "config.settings.base", "LOG_LEVEL": "ERROR"}  # fmt: skip
    _run(["manage.py", "migrate", "-v0"], env)
    counts = json.loads(
        _run(["bench/generate.py", "--trainees", "400", "--years", "3"], env).splitlines()[-1]
    )
    assert counts["trainees"] == 400 and counts["places"] == 1200
    assert counts["certificates"] > 0 and counts["access_log"] == 4000
    with psycopg.connect(scratch_database) as db:
        wrong = db.execute(
            "SELECT count(*) FROM reports_certificate c JOIN enrollments_enrollment e ON "
            "e.id = c.enrollment_id JOIN courses_course co ON co.id = e.course_id WHERE "
            "c.number <> co.fiscal_year || '-' || lpad(c.id::text, 6, '0') "
            "OR e.completion <> 'completed'"
        ).fetchone()
        assert wrong == (0,)
        issued = db.execute(
            "SELECT count(DISTINCT (detail->>'certificate')) FROM audit_auditevent "
            "WHERE kind = 'certificate.issued'"
        ).fetchone()
        assert issued == (counts["certificates"],)
        # Every session within its course's fiscal year (at a city's count of sessions too:
        # the test below); a completion of a course whose completions expire carries its
        # 有効期限 as the portal works it out, no other does.
        outside = db.execute(
            "SELECT count(*) FROM courses_sessionday d JOIN courses_session s ON s.id = "
            "d.session_id JOIN courses_course c ON c.id = s.course_id WHERE d.date < "
            "make_date(c.fiscal_year, 4, 1) OR d.date > make_date(c.fiscal_year + 1, 3, 31)"
        ).fetchone()
        assert outside == (0,)
        places = db.execute(
            "SELECT d.date, c.valid_for_months, e.valid_until, e.completion FROM "
            "enrollments_enrollment e JOIN courses_course c ON c.id = e.course_id "
            "JOIN courses_sessionday d ON d.session_id = e.session_id"
        ).fetchall()
        expiring = [p for p in places if p[1] and p[3] == "completed"]
        assert expiring and all(p[2] == valid_until(p[0], p[1]) for p in expiring)
        assert all(p[2] is None for p in places if not (p[1] and p[3] == "completed"))
        # Each e-learning course has a video as HR's upload leaves one (its length read from
        # the file, the file stored), and its views agree with it: watched to the end for a
        # completed place, short of the course's threshold for the others.
        videos = db.execute(
            "SELECT m.kind, m.duration, m.file, c.delivery FROM learning_material m "
            "JOIN courses_course c ON c.id = m.course_id"
        ).fetchall()
        assert videos and all(v[0] == "video" and v[1] > 0 and v[3] == "elearning" for v in videos)
        assert all((tmp_path / "materials" / v[2]).is_file() for v in videos), videos[:1]
        wrong_views = db.execute(
            "SELECT count(*) FROM learning_materialview v JOIN learning_material m ON "
            "m.id = v.material_id JOIN courses_course c ON c.id = m.course_id JOIN "
            "enrollments_enrollment e ON e.course_id = c.id AND e.trainee_id = v.trainee_id "
            "WHERE v.watched_seconds > m.duration OR (v.completed_at IS NOT NULL) <> "
            "(v.watched_seconds * 100 >= m.duration * c.materials_threshold) "
            "OR (v.completed_at IS NOT NULL) <> (e.completion = 'completed')"
        ).fetchone()
        assert wrong_views == (0,)
        # Each survey's answers were given by places marked as having answered it (so the
        # portal does not ask them again), one each.
        answered = db.execute(
            "SELECT s.id, (SELECT count(*) FROM assessments_surveyresponse r WHERE "
            "r.survey_id = s.id), (SELECT count(*) FROM assessments_surveydone d WHERE "
            "d.survey_id = s.id) FROM assessments_survey s"
        ).fetchall()
        assert answered and all(n > 0 and n == done for _s, n, done in answered)
        # This year's surveys are left for the login pool to answer (the load test does).
        pool_done, pool_open = db.execute(
            "SELECT count(d.id), count(*) FROM enrollments_enrollment e JOIN "
            "assessments_survey s ON s.course_id = e.course_id JOIN courses_course c ON "
            "c.id = e.course_id JOIN trainees_trainee t ON t.id = e.trainee_id LEFT JOIN "
            "assessments_surveydone d ON d.enrollment_id = e.id AND d.survey_id = s.id "
            "WHERE e.status = 'confirmed' AND t.user_id IS NOT NULL AND c.fiscal_year = "
            "(SELECT max(fiscal_year) FROM courses_course)"
        ).fetchone()
        assert pool_open > 0 and pool_done == 0
        # Places on a session still taking applications (decided by HR once they close) are
        # applications waiting, undecided; every other place has been decided.
        waiting, on_open, misplaced = db.execute(
            "SELECT count(*) FILTER (WHERE e.status = 'requested'), count(*) FILTER (WHERE "
            "s.application_closes_at > now() AND e.status <> 'cancelled'), count(*) FILTER "
            "(WHERE e.status = 'requested' AND (s.application_closes_at IS NULL OR "
            "s.application_closes_at <= now() OR e.decided_at IS NOT NULL)) "
            "FROM enrollments_enrollment e JOIN courses_session s ON s.id = e.session_id"
        ).fetchone()
        assert waiting == on_open and misplaced == 0
        sealed = db.execute("SELECT log, sum(rows) FROM audit_chainseal GROUP BY log").fetchall()
        assert dict(sealed) == {"access": 4000, "event": counts["audit_events"],
                                "view": counts["subject_views"]}  # fmt: skip
    # The audit app's own check: every chain verifies.
    verified = subprocess.run([sys.executable, "manage.py", "verify_audit"], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=300, check=False)  # fmt: skip
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "intact" in verified.stdout
    # The pool is kept per database: another ward generated elsewhere leaves it alone.
    database = scratch_database.rsplit("/", 1)[-1]
    assert [p.name for p in (tmp_path / "bench").iterdir()] == [f"logins-{database}.json"]
    logins = json.loads((tmp_path / "bench" / f"logins-{database}.json").read_text())
    assert {entry["role"] for entry in logins["logins"]} == {
        "hr_admin", "auditor", "coordinator", "trainee"}  # fmt: skip


def test_a_citys_sessions_stay_within_their_fiscal_year():
    """At 100,000 trainees a course has 2,500 sessions a year: their days wrap round inside
    the fiscal year (they once ran on to the September after)."""
    from bench.generate import COURSES, session_days

    for index in range(len(COURSES)):
        days = session_days(2026, index, 2500)
        assert min(days) >= datetime.date(2026, 5, 1)
        assert max(days) <= datetime.date(2027, 3, 31)
        # Spread over the year (every third day to the spring), not piled on a few days.
        assert len(set(days)) >= 30 and max(days) >= datetime.date(2027, 2, 1)


def test_a_wards_sessions_run_through_the_winter():
    """At 4,000 trainees a course has four sessions a year: a season apart, to the winter, so
    that a ward generated in December still has sessions to apply for (every third day from
    the course's start, they all fell between May and November, and the load test's
    catalogue, applications and cancellations had nothing to do)."""
    from bench.generate import COURSES, session_days

    for index in range(len(COURSES)):
        days = session_days(2026, index, 4)
        assert len(set(days)) == 4
        assert min(days) >= datetime.date(2026, 5, 1)
        assert datetime.date(2026, 12, 23) <= max(days) <= datetime.date(2027, 3, 31)
