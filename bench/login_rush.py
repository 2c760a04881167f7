"""A 9:00 login rush from one ward proxy address, over HTTP, before and after issue 18 (items
16–17): 300 staff log in from the same client address (50 at a time) while three attackers at
that address guess passwords; and the server time of one login on a quiet machine.

"Before" is the portal as it was: PBKDF2 (1,000,000 iterations) and allauth's per-address limits
(30 login POSTs a minute, 30 failures in 5 minutes per address) — set by
bench/_baseline_login_settings.py. "After" is the portal as it is: Argon2id at OWASP's parameters
and the limits made for a shared address. Both run in the same invocation, under gunicorn with 3
workers × 2 threads (production's default) on PostgreSQL and Redis, each on a fresh test database
and an empty Redis database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kenshu_bench REDIS_URL=redis://127.0.0.1:6379/14 \\
        .venv/bin/python bench/login_rush.py [staff]

A third run, "pbkdf2_new_limits", keeps PBKDF2 under today's limits: the hasher's part alone.

Last line: {"staff", "before", "pbkdf2_new_limits", "after"} with, for each, "hash_ms" (one password
check in-process, median), "login_ms" (one login POST on a quiet server, median of 20),
"rush_ok", "rush_errors", "rush_429", "rush_p50_ms", "rush_p95_ms", "attackers_locked".
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
os.environ.setdefault("SECRET_KEY", "bench-" + secrets.token_urlsafe(32))

import django  # noqa: E402

django.setup()

from apply_rush import NoRedirect, serve  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

STAFF = int(sys.argv[1]) if len(sys.argv) > 1 else 300
CONCURRENCY = 50
PASSWORD = "Kuyakusho-2026-login"  # noqa: S105 - a benchmark's throw-away accounts
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def serve_as(settings_module: str, var_dir: str, **extra: str) -> tuple[subprocess.Popen, str]:
    """Production's default shape, 3 workers × 2 threads, with the settings module given."""
    return serve(
        var_dir, workers=3, threads=2, DJANGO_SETTINGS_MODULE=settings_module,
        PYTHONPATH=f"{ROOT}:{ROOT / 'bench'}", LOG_LEVEL="ERROR", **extra,
    )  # fmt: skip


def login(base: str, username: str, password: str) -> tuple[int, float, bool]:
    """(status of the POST, its time in ms, whether it logged in)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    page = opener.open(f"{base}/accounts/login/", timeout=60).read().decode()
    token = TOKEN.search(page).group(1)  # type: ignore[union-attr]
    body = urllib.parse.urlencode(
        {"login": username, "password": password, "csrfmiddlewaretoken": token}
    ).encode()
    request = urllib.request.Request(  # noqa: S310 - the bench's own http://127.0.0.1 server
        f"{base}/accounts/login/", data=body, headers={"Referer": f"{base}/accounts/login/"}
    )
    started = time.perf_counter()
    try:
        response = opener.open(request, timeout=120)
        status = response.status
        response.read()
    except urllib.error.HTTPError as exc:
        status = exc.code
    elapsed = (time.perf_counter() - started) * 1000
    logged_in = status == 302 and any(c.name == settings.SESSION_COOKIE_NAME for c in jar)
    return status, elapsed, logged_in


def make_staff(hasher: str) -> list[str]:
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group

    from trainees.hashers import Argon2idHasher
    from trainees.models import User
    from trainees.roles import Role

    User.objects.filter(username__startswith="7").delete()
    if hasher == "argon2":
        encoded = make_password(PASSWORD, hasher=Argon2idHasher())
    else:
        from django.contrib.auth.hashers import PBKDF2PasswordHasher

        encoded = make_password(PASSWORD, hasher=PBKDF2PasswordHasher())
    group = Group.objects.get(name=Role.TRAINEE)
    users = User.objects.bulk_create(
        User(username=f"7{n:05d}", full_name=f"職員 {n}", password=encoded) for n in range(STAFF)
    )
    group.user_set.add(*users)
    return [user.username for user in users]


def hash_ms(hasher: str) -> float:
    from django.contrib.auth.hashers import PBKDF2PasswordHasher, make_password

    from trainees.hashers import Argon2idHasher

    chosen = Argon2idHasher() if hasher == "argon2" else PBKDF2PasswordHasher()
    encoded = make_password(PASSWORD, hasher=chosen)
    times = []
    for _ in range(9):
        started = time.perf_counter()
        chosen.verify(PASSWORD, encoded)
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 1)


def run(label: str, settings_module: str, hasher: str, **extra: str) -> dict:
    import redis

    redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()
    usernames = make_staff(hasher)
    var_dir = tempfile.mkdtemp(prefix=f"login-rush-{label}-")
    server, base = serve_as(settings_module, var_dir, **extra)
    try:
        quiet = [login(base, usernames[n], PASSWORD)[1] for n in range(20)]
        redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()  # the rush starts afresh
        results: list[tuple[int, float, bool]] = []
        attackers_locked = 0
        lock = threading.Lock()

        def attacker(number: int) -> None:
            nonlocal attackers_locked
            victim = usernames[-1 - number]
            for guess in range(10):
                login(base, victim, f"guess-{guess}")
            _status, _ms, logged_in = login(base, victim, PASSWORD)
            with lock:
                attackers_locked += not logged_in

        threads = [threading.Thread(target=attacker, args=(n,)) for n in range(3)]
        for thread in threads:
            thread.start()
        started = time.perf_counter()
        with ThreadPoolExecutor(CONCURRENCY) as pool:
            results = list(pool.map(lambda name: login(base, name, PASSWORD), usernames[:-3]))
        rush_s = time.perf_counter() - started
        for thread in threads:
            thread.join()
    finally:
        server.terminate()
        server.wait(timeout=30)
    times = sorted(ms for _status, ms, _ok in results)
    figures = {
        "hash_ms": hash_ms(hasher),
        "login_ms": round(statistics.median(quiet), 1),
        "rush_ok": sum(ok for _s, _ms, ok in results),
        "rush_errors": sum(not ok for _s, _ms, ok in results),
        "rush_429": sum(status == 429 for status, _ms, _ok in results),
        "rush_p50_ms": round(times[len(times) // 2], 1),
        "rush_p95_ms": round(times[int(len(times) * 0.95) - 1], 1),
        "rush_s": round(rush_s, 1),
        "attackers_locked": attackers_locked,
    }
    print(f"{label:>6}: " + ", ".join(f"{k}={v}" for k, v in figures.items()))
    return figures


def main() -> None:
    if connection.vendor != "postgresql" or not os.environ.get("REDIS_URL"):
        reason = "needs DATABASE_URL=postgres://… and REDIS_URL=redis://… (the production shape)"
        print(f"login_rush skipped: {reason}")
        print(json.dumps({"skipped": reason}))
        return
    from django.test.utils import setup_test_environment

    setup_test_environment()
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        before = run("before", "_baseline_login_settings", "pbkdf2")
        # The hasher's part alone: PBKDF2 under today's limits.
        pbkdf2 = run("pbkdf2", "_baseline_login_settings", "pbkdf2", BENCH_OLD_LIMITS="0")
        after = run("after", "config.settings.base", "argon2")
    finally:
        connection.creation.destroy_test_db(test_db, verbosity=0)
    print(f"{STAFF} logins from one address, {CONCURRENCY} at a time, 3 attackers mixed in.")
    print(json.dumps({"staff": STAFF, "before": before, "pbkdf2_new_limits": pbkdf2,
                      "after": after}))  # fmt: skip


if __name__ == "__main__":
    main()
