"""200 trainees apply at the same moment, over HTTP, for a first-come session of 30 seats.

The portal runs under gunicorn (4 workers × 8 threads) on PostgreSQL, in a throw-away test
database; each applicant is a logged-in trainee with their own session and CSRF token, and a
barrier releases all 200 POSTs together.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kenshu_bench .venv/bin/python bench/apply_rush.py

With REDIS_URL set (use a spare database, e.g. redis://127.0.0.1:6379/15) decision notices are
queued to Redis as in production; without it they are sent in-process to a mail file.
Last line: {"applicants", "seats", "confirmed", "waitlisted", "errors", "p50_ms", "p95_ms"}.
"""

from __future__ import annotations

import datetime
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
os.environ.setdefault("SECRET_KEY", "bench-" + secrets.token_urlsafe(32))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

APPLICANTS = int(sys.argv[1]) if len(sys.argv) > 1 else 200
SEATS = 30


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(
    var_dir: str, *, workers: int = 4, threads: int = 8, **environment: str
) -> tuple[subprocess.Popen, str]:
    """The portal under gunicorn (4 workers × 8 threads unless told) on the test database,
    answering: (the process, its base URL). `environment` adds to or overrides the server's
    variables (another DJANGO_SETTINGS_MODULE, say)."""
    port = free_port()
    s = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}",
        "DJANGO_DEBUG": "false",
        "VAR_DIR": var_dir,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": str(workers),
        "GUNICORN_THREADS": str(threads),
        "LOG_LEVEL": "WARNING",
        **environment,
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "config/gunicorn.py",
         "--access-logfile", "/dev/null", "config.wsgi:application"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=1).close()  # noqa: S310
            break
        except OSError:
            time.sleep(0.2)
    return server, base


def make_people(count: int):  # type: ignore[no-untyped-def]
    """Trainees with accounts, each with a logged-in session: (session key, CSRF secret)."""
    from importlib import import_module

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import Group

    from trainees.models import Organisation, Trainee, User
    from trainees.roles import Role

    organisation = Organisation.objects.create(code="900000", name="ベンチ課")
    group = Group.objects.get(name=Role.TRAINEE)
    store = import_module(settings.SESSION_ENGINE).SessionStore
    people = []
    for n in range(count):
        user = User.objects.create_user(username=f"9{n:05d}", password=None, full_name=f"職員 {n}")
        user.groups.add(group)
        Trainee.objects.create(
            staff_number=f"9{n:05d}", name=f"職員 {n}", organisation=organisation,
            employment_type="正規", email=f"s{n}@city.example.jp", user=user,
        )  # fmt: skip
        session = store()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        people.append((session.session_key, secrets.token_hex(16)))
    return people


def main() -> None:
    if connection.vendor != "postgresql":
        reason = "needs DATABASE_URL=postgres://… (the capacity lock is measured on PostgreSQL)"
        print(f"apply_rush skipped: {reason}")
        print(json.dumps({"skipped": reason}))
        return
    from django.test.utils import setup_test_environment

    setup_test_environment()
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    var_dir = tempfile.mkdtemp(prefix="apply-rush-")
    server = None
    try:
        from django.utils import timezone

        from courses.models import (
            Category,
            Course,
            CourseKind,
            DeliveryMode,
            Selection,
            Session,
            SessionDay,
        )
        from enrollments.models import Enrollment

        course = Course.objects.create(
            fiscal_year=2026, code="RUSH", title="先着順研修", category=Category.ELECTIVE,
            kind=CourseKind.OPEN, delivery=DeliveryMode.CLASSROOM, selection=Selection.FIRST_COME,
        )  # fmt: skip
        now = timezone.now()
        session = Session.objects.create(
            course=course, number=1, capacity=SEATS,
            application_opens_at=now - datetime.timedelta(hours=1),
            application_closes_at=now + datetime.timedelta(days=1),
        )  # fmt: skip
        SessionDay.objects.create(
            session=session, date=datetime.date(2026, 12, 10),
            starts_at=datetime.time(9), ends_at=datetime.time(12),
        )  # fmt: skip
        people = make_people(APPLICANTS)
        server, base = serve(var_dir)
        url = f"{base}/catalogue/sessions/{session.pk}/apply/"
        # Warm every worker's connections so the rush measures applying, not start-up.
        for _ in range(16):
            urllib.request.urlopen(f"{base}/healthz", timeout=5).close()  # noqa: S310

        barrier = threading.Barrier(len(people))
        latencies: list[float] = []
        errors: list[str] = []
        lock = threading.Lock()

        def apply(session_key: str, csrf: str) -> None:
            body = f"csrfmiddlewaretoken={csrf}".encode()
            request = urllib.request.Request(url, data=body, method="POST")  # noqa: S310
            request.add_header("Content-Type", "application/x-www-form-urlencoded")
            request.add_header(
                "Cookie",
                f"{settings.SESSION_COOKIE_NAME}={session_key}; {settings.CSRF_COOKIE_NAME}={csrf}",
            )
            opener = urllib.request.build_opener(NoRedirect)
            barrier.wait()
            started = time.perf_counter()
            try:
                with opener.open(request, timeout=60) as response:
                    status = response.status
            except urllib.error.HTTPError as error:
                status = error.code
            except OSError as error:
                status = f"{type(error).__name__}"
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                if status != 302:
                    errors.append(str(status))

        threads = [threading.Thread(target=apply, args=person) for person in people]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        statuses = list(Enrollment.objects.filter(session=session).values_list("status", flat=True))
        session.refresh_from_db()
        ordered = sorted(latencies)
        result = {
            "applicants": len(people),
            "seats": SEATS,
            "confirmed": statuses.count("confirmed"),
            "waitlisted": statuses.count("waitlisted"),
            "errors": len(errors),
            "p50_ms": round(statistics.median(ordered), 1),
            "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1], 1),
        }
        counter_ok = session.confirmed_count == result["confirmed"]
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        connection.close()
        connection.creation.destroy_test_db(test_db, verbosity=0)
        if os.environ.get("REDIS_URL"):  # the queued notices of this run
            import redis

            redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()
    print(f"{result['applicants']} applicants at once, {SEATS} seats, gunicorn 4×8 on PostgreSQL")
    print(
        f"  confirmed {result['confirmed']}, waitlisted {result['waitlisted']}, "
        f"errors {result['errors']} {sorted(set(errors))[:5]}; seat counter agrees: {counter_ok}"
    )
    print(f"  latency p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms")
    print(json.dumps(result))


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


if __name__ == "__main__":
    main()
