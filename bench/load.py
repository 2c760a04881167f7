"""The whole portal over HTTP under a realistic mix of users (locust, headless, as a library).

    DATABASE_URL=postgres://…/kenshu_big REDIS_URL=redis://127.0.0.1:6379/5 \
        .venv/bin/python bench/load.py [--users 10,25,50,100,150] [--seconds 60] [--nodes 1,2] \
        [--web-workers 4] [--web-threads 2] [--pin-web] [--host URL] [--trainees 4000]

The database is the generator's ward (bench/generate.py; made first, with --trainees, if the
database has none). Without --host the production shape is started for each --nodes value
(scripts/cluster.py: nginx → that many gunicorn nodes of --web-workers processes with
--web-threads threads each, the cluster's own defaults unless given; two Celery workers, beat),
loaded and stopped; with --host that server is loaded as it is (only 127.0.0.1). --pin-web
puts each web node on a CPU of its own (web1 on CPU 0, web2 on CPU 1), as nodes on separate
hosts have theirs: one node then has one CPU for its Python, two nodes two — the scale-out of
the web tier, which on one machine is otherwise hidden by every node sharing every CPU
(PostgreSQL, nginx, the workers and locust stay unpinned, shared as they would be).

Before the load, a pool of the generator's logins is signed in as people sign in — password,
then for HR and auditors the TOTP code from the generated secret (a code used once per
30-second window, as allauth requires) — and each virtual user takes one of those sessions.
The mix, with a think time of 1–2 s: trainees (weight 70: My page, catalogue, apply then
cancel, a test started, autosaved question by question and submitted, inbox, My history),
coordinators (15: their page, staff list, nominations, reports to review, one report), HR (10:
home, a session page, registry search, a target list preview, a test's results, dashboards,
an export of about 4,000 staff) and auditors (5: the access log searched). Every user also
asks /healthz now and then: each page's p50 is given as a ratio to /healthz's p50 in the
same run. Trainees with a place on an e-learning course also open its video and their
player reports progress; those with a course survey open it and answer it once (a survey is
answered once per place: later visits see the page that says so).

Each level runs --seconds after a 5 s ramp; the figures of each endpoint, then the saturation
curve (users → requests/s, p95 and the share served of what the users ask for) for each number
of nodes, with its knee: the last level served before the users mostly wait on the server.
With a think time of 1.5 s, 50 users ask for about 33 requests/s; a shape that serves them
all has not shown its limit, so two shapes are compared (the most requests/s of each) only
when the levels reached both knees. Last line, one JSON object: {"trainees", "nodes": {"<n>":
{"levels": [...], "knee": {"users", "rps", "peak_rps", "reached"}, "web": {"workers",
"threads", "pinned"}, "healthz_p50_ms", "endpoints": {...}}}, "levels", "knee", "healthz_p50_ms",
"endpoints"} — the top-level ones are the run with the most nodes (its 25-user level for the
endpoints, or the middle level).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
THINK = (1.0, 2.0)
THINK_MEAN = sum(THINK) / 2
# A level is served while its requests/s reach this share of what its users ask for with
# instant answers (users ÷ the mean think time): below it, the users mostly wait on the server.
KNEE_SERVED = 0.75
CSRF_COOKIE = "kenshu_csrftoken"  # settings.CSRF_COOKIE_NAME


# --- the plan: what the users will touch (read with Django, in a subprocess) ------------------


def plan() -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django

    django.setup()
    from django.db.models import Count
    from django.utils import timezone

    from assessments.models import (
        Attempt,
        CompletionReport,
        Question,
        Survey,
        SurveyQuestionKind,
        Test,
    )
    from bench.generate import logins_file
    from courses.models import Course, Session, current_fiscal_year
    from enrollments.models import ACTIVE, Enrollment
    from learning.models import Material
    from trainees.models import Trainee, User
    from trainees.selectors import organisations_in_scope

    logins = json.loads(logins_file().read_text())
    now = timezone.now()
    year = current_fiscal_year()
    open_sessions = list(
        Session.objects.filter(application_opens_at__lte=now, application_closes_at__gt=now)
        .order_by("id")
        .values_list("id", "course_id")[:200]
    )
    people = {t.user.username: t for t in Trainee.objects.select_related("user").filter(
        user__username__in=[p["login"] for p in logins["logins"]])}  # fmt: skip
    # The generator's trainees took this year's tests once, as allowed; for the load test's
    # test flow to repeat, this year's tests allow ten attempts (the bench database only).
    Test.objects.filter(course__fiscal_year=year).update(attempts_allowed=10)
    trainees = []
    for entry in logins["logins"]:
        if entry["role"] != "trainee" or entry["login"] not in people:
            continue
        person = people[entry["login"]]
        active = set(
            Enrollment.objects.filter(trainee=person, status__in=ACTIVE).values_list(
                "course_id", flat=True
            )
        )
        sessions = [s for s, c in open_sessions if c not in active][:3]
        test = None
        for place in Enrollment.objects.filter(trainee=person, status="confirmed",
                                               course__fiscal_year=year):  # fmt: skip
            for t in Test.objects.filter(course_id=place.course_id):
                if Attempt.objects.filter(test=t, enrollment=place).count() < t.attempts_allowed:
                    test = {"enrollment": place.pk, "test": t.pk, "questions": list(
                        Question.objects.filter(test=t).values_list("id", flat=True))}  # fmt: skip
                    break
            if test:
                break
        placed = dict(
            Enrollment.objects.filter(
                trainee=person, status="confirmed", course__fiscal_year=year
            ).values_list("course_id", "id")
        )
        # A video of a course they hold a place on (the e-learning courses): they watch it and
        # the player reports their progress.
        video = (
            Material.objects.filter(kind="video", course_id__in=list(placed))
            .order_by("id")
            .values_list("id", flat=True)
            .first()
        )
        # Their courses' surveys not answered yet: each is answered once (then the page says
        # so), whatever the number of levels and shapes run.
        surveys = [
            {"enrollment": placed[survey.course_id], "survey": survey.pk,
             # A valid answer to each question, as the form posts it: the first choice, or
             # words for a free-text question.
             "answers": {f"q{q.pk}": "よく分かった" if q.kind == SurveyQuestionKind.TEXT else "0"
                         for q in survey.questions.all()}}
            for survey in Survey.objects.filter(course_id__in=list(placed))
            .exclude(done__enrollment_id__in=list(placed.values()))
            .prefetch_related("questions")
            .order_by("id")
            if survey.questions.all()
        ]  # fmt: skip
        trainees.append({"login": entry["login"], "sessions": sessions, "test": test,
                         "video": video, "surveys": surveys})  # fmt: skip
    # One trainee in three with a test to take (in a real week, some are in a course's test
    # period, most are not).
    with_test = [t for t in trainees if t["test"]]
    without = [t for t in trainees if not t["test"]]
    trainees = []
    while with_test or without:
        trainees += with_test[:1] + without[:2]
        with_test, without = with_test[1:], without[2:]
    b01 = Course.objects.filter(fiscal_year=year, code="B01").first()
    busy = list(
        Session.objects.filter(course__fiscal_year=year)
        .annotate(n=Count("enrollments"))
        .order_by("-n")
        .values_list("id", flat=True)[:20]
    )
    tests = list(Test.objects.filter(course__fiscal_year__in=[year, year - 1]).values_list(
        "id", flat=True)[:6])  # fmt: skip
    total = Trainee.objects.count()
    # The export: about 4,000 staff — everyone in a small ward, one employment type (the one
    # nearest 4,000) in a large one.
    export = "?format=csv&status=active"
    if total > 5000:
        sizes = (
            Trainee.objects.filter(status="active")
            .values("employment_type")
            .annotate(n=Count("id"))
            .values_list("employment_type", "n")
        )
        kind, _n = min(sizes, key=lambda item: abs(item[1] - 4000))
        export += f"&employment_type={quote(kind)}"
    coordinators = []
    for entry in logins["logins"]:
        if entry["role"] != "coordinator":
            continue
        scope = organisations_in_scope(User.objects.get(username=entry["login"]))
        report = (
            CompletionReport.objects.filter(
                state="submitted", enrollment__trainee__organisation__in=scope
            )
            .values_list("id", flat=True)
            .first()
        )
        coordinators.append({"login": entry["login"], "report": report})
    return {
        "password": logins["password"],
        "trainees_total": total,
        "trainees": trainees,
        "coordinators": coordinators,
        "hr": [e for e in logins["logins"] if e["role"] == "hr_admin"],
        "auditors": [e for e in logins["logins"] if e["role"] == "auditor"],
        "sessions": busy,
        "target_course": b01.pk if b01 else None,
        "tests": tests,
        "export": export,
        "year": year,
    }


# --- signing in -------------------------------------------------------------------------------


def sign_in(host: str, login: str, password: str, secret: str | None,
            used: dict[str, str]) -> dict[str, str]:  # fmt: skip
    """A session as a person makes it: the login form, then the TOTP code for HR and auditors.
    Returns the cookies."""
    import pyotp
    import requests

    http = requests.Session()
    page = http.get(f"{host}/accounts/login/", timeout=30)
    token = http.cookies.get(CSRF_COOKIE, "")
    response = http.post(f"{host}/accounts/login/", timeout=30, headers={"Referer": page.url},
                         data={"csrfmiddlewaretoken": token, "login": login,
                               "password": password})  # fmt: skip
    if "/2fa/authenticate" in response.url:
        code = pyotp.TOTP(secret).now()
        while used.get(login) == code or 30 - time.time() % 30 < 2:
            time.sleep(0.5)
            code = pyotp.TOTP(secret).now()
        used[login] = code
        response = http.post(response.url, timeout=30, headers={"Referer": response.url},
                             data={"csrfmiddlewaretoken": http.cookies.get(CSRF_COOKIE, ""),
                                   "code": code})  # fmt: skip
    if "kenshu_session" not in http.cookies or "/accounts/" in response.url:
        raise SystemExit(f"could not sign in as {login} ({response.status_code} {response.url})")
    return dict(http.cookies)


def sessions_for(host: str, data: dict[str, Any], users: int) -> dict[str, list[dict]]:
    """Enough signed-in people of each role for `users` virtual users (HR and auditors share
    their few logins: each is signed in once)."""
    used: dict[str, str] = {}
    want = {"trainees": max(1, users * 70 // 100 + 2),
            "coordinators": max(1, users * 15 // 100 + 1)}  # fmt: skip
    pools: dict[str, list[dict]] = {"trainees": [], "coordinators": [], "hr": [], "auditors": []}
    for role in ("trainees", "coordinators"):
        for person in data[role][: want[role]]:
            cookies = sign_in(host, person["login"], data["password"], None, used)
            pools[role].append({**person, "cookies": cookies})
    for role in ("hr", "auditors"):
        for person in data[role]:
            cookies = sign_in(host, person["login"], data["password"], person["totp"], used)
            pools[role].append({**person, "cookies": cookies})
    return pools


# --- the load ---------------------------------------------------------------------------------


def run_level(host: str, pools: dict[str, list[dict]], data: dict[str, Any], users: int,
              seconds: int) -> dict[str, Any]:  # fmt: skip
    import gevent
    from locust import HttpUser, between, task
    from locust.env import Environment

    counters = {role: 0 for role in pools}

    class Portal(HttpUser):
        abstract = True
        wait_time = between(*THINK)
        role = ""

        def on_start(self) -> None:
            pool = pools[self.role]
            self.person = pool[counters[self.role] % len(pool)]
            counters[self.role] += 1
            for name, value in self.person["cookies"].items():
                self.client.cookies.set(name, value, domain="127.0.0.1", path="/")
            self.csrf = self.person["cookies"].get(CSRF_COOKIE, "")

        def page(self, url: str, name: str) -> Any:
            with self.client.get(url, name=name, catch_response=True) as response:
                _refuse_login(response)
                return response

        def post(self, url: str, name: str, **data: Any) -> Any:
            with self.client.post(url, name=name, data=data, allow_redirects=False,
                                  headers={"X-CSRFToken": self.csrf},
                                  catch_response=True) as response:  # fmt: skip
                _refuse_login(response)
                return response

        @task(1)
        def healthz(self) -> None:
            self.client.get("/healthz", name="healthz")

    class Trainee(Portal):
        weight = 70
        role = "trainees"

        @task(4)
        def my_page(self) -> None:
            self.page("/me/", "trainee: My page")

        @task(3)
        def catalogue(self) -> None:
            self.page("/catalogue/", "trainee: catalogue")

        @task(2)
        def inbox(self) -> None:
            self.page("/inbox/", "trainee: inbox")

        @task(2)
        def history(self) -> None:
            self.page("/me/history/", "trainee: My history")

        @task(1)
        def apply_and_cancel(self) -> None:
            if not self.person["sessions"]:
                return
            session = self.person["sessions"][0]
            applied = self.post(f"/catalogue/sessions/{session}/apply/", "trainee: apply")
            match = re.search(r"/me/enrollments/(\d+)/", applied.headers.get("Location", ""))
            if match:
                self.post(f"/me/enrollments/{match[1]}/cancel/", "trainee: cancel")

        @task(1)
        def test(self) -> None:
            test = self.person["test"]
            if not test:
                return
            started = self.post(f"/me/enrollments/{test['enrollment']}/tests/{test['test']}/start/",
                                "trainee: test start")  # fmt: skip
            match = re.search(r"/me/attempts/(\d+)/", started.headers.get("Location", ""))
            if not match:
                self.person["test"] = None  # attempts used up
                return
            attempt = match[1]
            self.page(f"/me/attempts/{attempt}/", "trainee: test page")
            for question in test["questions"]:
                gevent.sleep(0.3)
                self.post(f"/me/attempts/{attempt}/save/", "trainee: test autosave",
                          question=question, text="正解")  # fmt: skip
            # The page's form posts every answer on it with the button, as typed (and already
            # autosaved): the same values, so the submission writes only the score.
            self.post(f"/me/attempts/{attempt}/", "trainee: test submit", action="submit",
                      **{f"q{question}": "正解" for question in test["questions"]})  # fmt: skip

        @task(2)
        def watch(self) -> None:
            """The video page, then the player's reports as it plays: every few seconds the
            ranges played since the page opened, as learning/material_view.html posts them (a
            real player every 15 s; the server refuses more than real time could have
            played)."""
            if not self.person["video"]:
                return
            video = self.person["video"]
            self.page(f"/learn/materials/{video}/", "trainee: video page")
            start = self.person.setdefault("position", 0.0) % 18
            for step in (1, 2):
                gevent.sleep(2)
                self.post(f"/learn/materials/{video}/progress/", "trainee: video progress",
                          played=json.dumps([[start, start + 2 * step]]),
                          position=start + 2 * step)  # fmt: skip
            self.person["position"] = start + 4

        @task(1)
        def survey(self) -> None:
            """A course's survey: the page, and the answers where not yet given."""
            if not self.person["surveys"]:
                return
            survey = self.person["surveys"][0]
            url = f"/me/enrollments/{survey['enrollment']}/surveys/{survey['survey']}/"
            self.page(url, "trainee: survey page")
            if survey.get("answered"):
                return
            survey["answered"] = True
            with self.client.post(url, name="trainee: survey answer", data=survey["answers"],
                                  allow_redirects=False, headers={"X-CSRFToken": self.csrf},
                                  catch_response=True) as response:  # fmt: skip
                _refuse_login(response)
                if response.status_code != 302:  # recorded, then back to the course's tasks
                    response.failure(f"not recorded: HTTP {response.status_code}")

    class Coordinator(Portal):
        weight = 15
        role = "coordinators"

        @task(3)
        def home(self) -> None:
            self.page("/coordinator/", "coordinator: home")

        @task(2)
        def staff(self) -> None:
            self.page("/trainees/", "coordinator: staff")

        @task(2)
        def nominations(self) -> None:
            self.page("/coordinator/nominations/", "coordinator: nominations")

        @task(1)
        def reports(self) -> None:
            self.page("/coordinator/reports/", "coordinator: reports to review")
            if self.person["report"]:
                self.page(f"/coordinator/reports/{self.person['report']}/",
                          "coordinator: a report")  # fmt: skip

    class Hr(Portal):
        weight = 10
        role = "hr"

        @task(3)
        def home(self) -> None:
            self.page("/hr/", "hr: home")

        @task(3)
        def session(self) -> None:
            sessions = data["sessions"]
            self.page(f"/hr/sessions/{sessions[counters['hr'] % len(sessions)]}/",
                      "hr: session page")  # fmt: skip
            counters["hr"] += 1

        @task(2)
        def registry(self) -> None:
            self.page("/trainees/?q=%E5%B1%B1", "hr: registry search")

        @task(1)
        def targets(self) -> None:
            if data["target_course"]:
                self.page(f"/hr/courses/{data['target_course']}/targets/", "hr: target preview")

        @task(1)
        def results(self) -> None:
            if data["tests"]:
                self.page(f"/hr/tests/{data['tests'][0]}/results/", "hr: test results")

        @task(2)
        def dashboards(self) -> None:
            self.page(f"/dashboards/?year={data['year']}", "hr: dashboard completion")
            self.page(f"/dashboards/hours/?year={data['year']}", "hr: dashboard hours")

        @task(1)
        def export(self) -> None:
            with self.client.get(f"/trainees/export/{data['export']}", name="hr: export 4,000",
                                 stream=True, catch_response=True) as response:  # fmt: skip
                rows = sum(chunk.count(b"\r\n") for chunk in response.iter_content(65536))
                if response.status_code != 200 or rows < 2:
                    response.failure(f"export: {response.status_code}, {rows} lines")

    class Auditor(Portal):
        weight = 5
        role = "auditors"

        @task
        def log(self) -> None:
            self.page("/audit/access-log/?status=4xx", "auditor: access log search")

    env = Environment(user_classes=[Trainee, Coordinator, Hr, Auditor], host=host)
    runner = env.create_local_runner()
    runner.start(users, spawn_rate=max(1, users / 5))
    gevent.sleep(5)
    env.stats.reset_all()
    started = time.monotonic()
    gevent.sleep(seconds)
    elapsed = time.monotonic() - started
    stats = {name: _figures(entry) for (name, _method), entry in env.stats.entries.items()}
    total = env.stats.total
    runner.quit()
    return {
        "users": users,
        "rps": round(total.num_requests / elapsed, 1),
        "p95_ms": round(total.get_response_time_percentile(0.95) or 0),
        "errors": total.num_failures,
        "requests": total.num_requests,
        "endpoints": stats,
        "failures": {
            f"{e.name}: {e.error}"[:200]: e.occurrences for e in env.stats.errors.values()
        },
    }


def _refuse_login(response: Any) -> None:
    """A page that sent the user to the login page did not serve them: an error, not a fast
    page."""
    where = response.headers.get("Location", "") + " " + str(response.url)
    if "/accounts/login/" in where:
        response.failure("sent to the login page")
    elif response.status_code >= 400:
        response.failure(f"HTTP {response.status_code}")
    else:
        response.success()


def _figures(entry: Any) -> dict[str, Any]:
    return {
        "n": entry.num_requests,
        "errors": entry.num_failures,
        "p50_ms": round(entry.get_response_time_percentile(0.5) or 0, 1),
        "p95_ms": round(entry.get_response_time_percentile(0.95) or 0, 1),
        "p99_ms": round(entry.get_response_time_percentile(0.99) or 0, 1),
    }


def served(level: dict[str, Any]) -> float:
    """The level's requests/s as a share of what its users ask for when every answer is
    instant (each user: one request per mean think time). It falls as answers slow down —
    slowly while the server keeps up, fast once they queue for it."""
    return level["rps"] * THINK_MEAN / level["users"] if level["users"] else 0.0


def knee(levels: list[dict[str, Any]]) -> dict[str, Any]:
    """Where the saturation curve bends: the last level served at KNEE_SERVED or more before
    the first that is not (more users there bring little more throughput, mostly waiting).
    ``reached`` is False when every level was served (the load never found the server's
    limit: comparing shapes there compares the users, not the servers)."""
    ordered = sorted(levels, key=lambda lv: lv["users"])
    peak = max((lv["rps"] for lv in ordered), default=0.0)
    for before, level in zip([None, *ordered], ordered, strict=False):
        if served(level) < KNEE_SERVED:
            at = before or level
            return {"users": at["users"], "rps": at["rps"], "peak_rps": peak, "reached": True}
    last = ordered[-1] if ordered else {"users": 0, "rps": 0.0}
    return {"users": last["users"], "rps": last["rps"], "peak_rps": peak, "reached": False}


def report(nodes: str, levels: list[dict[str, Any]]) -> dict[str, Any]:
    """Print each level's table and the curve; return the figures for the JSON."""
    for level in levels:
        healthz = level["endpoints"].get("healthz", {}).get("p50_ms") or 1
        print(f"\n{nodes} node(s), {level['users']} users: {level['rps']} requests/s, "
              f"p95 {level['p95_ms']} ms, {level['errors']} errors of {level['requests']}")  # fmt: skip
        print(f"  {'endpoint':<32}{'n':>6}{'err':>5}{'p50':>8}{'p95':>8}{'p99':>8}{'×healthz':>10}")
        for name, f in sorted(level["endpoints"].items()):
            f["ratio_p50"] = round(f["p50_ms"] / healthz, 1)
            print(f"  {name:<32}{f['n']:>6}{f['errors']:>5}{f['p50_ms']:>8}{f['p95_ms']:>8}"
                  f"{f['p99_ms']:>8}{f['ratio_p50']:>10}")  # fmt: skip
        for failure, count in level["failures"].items():
            print(f"  ! {count}× {failure}")
    print(f"\nSaturation ({nodes} node(s)): users → requests/s, p95, served (requests/s against "
          f"what the users ask for when each answer is instant: users ÷ {THINK_MEAN} s)")  # fmt: skip
    for level in levels:
        print(f"  {level['users']:>4} → {level['rps']:>7} req/s  p95 {level['p95_ms']:>6} ms  "
              f"served {served(level):>4.0%}")  # fmt: skip
    found = knee(levels)
    if found["reached"]:
        print(f"  knee: {found['users']} users, {found['rps']} req/s (the level after it is "
              f"served under {KNEE_SERVED:.0%}); most {found['peak_rps']} req/s")  # fmt: skip
    else:
        print(f"  knee not reached: every level served at least {KNEE_SERVED:.0%} "
              f"(most {found['peak_rps']} req/s); add users to find it")  # fmt: skip
    middle = next((lv for lv in levels if lv["users"] == 25), levels[len(levels) // 2])
    return {
        "levels": [{k: lv[k] for k in ("users", "rps", "p95_ms", "errors")} for lv in levels],
        "knee": found,
        "healthz_p50_ms": middle["endpoints"].get("healthz", {}).get("p50_ms"),
        "endpoints": {name: {k: f[k] for k in ("n", "errors", "p50_ms", "p95_ms", "ratio_p50")}
                      for name, f in middle["endpoints"].items() if name != "healthz"},
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", default="10,25,50,100,150")
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--nodes", default="1,2")
    parser.add_argument("--web-workers", type=int, help="gunicorn processes per web node")
    parser.add_argument("--web-threads", type=int, help="threads per gunicorn process")
    parser.add_argument(
        "--pin-web",
        action="store_true",
        help="each web node on a CPU of its own, as on separate hosts",
    )
    parser.add_argument("--host")
    parser.add_argument("--trainees", type=int, default=4000)
    parser.add_argument("--plan", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.plan:
        print(json.dumps(plan()))
        return
    if options.host and not re.match(r"^https?://(127\.0\.0\.1|localhost)(:\d+)?/?$", options.host):
        raise SystemExit("--host: only a server on this machine (127.0.0.1) is loaded")
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        reason = "needs DATABASE_URL=postgres://… with the generator's ward, and REDIS_URL"
        print(f"load skipped: {reason}")
        print(json.dumps({"skipped": reason}))
        return
    data = _plan_or_generate(options.trainees)
    users = [int(n) for n in options.users.split(",")]
    print(f"{data['trainees_total']:,} trainees; levels {users} users × {options.seconds} s; "
          f"think time {THINK[0]}–{THINK[1]} s")  # fmt: skip
    from gevent import monkey

    monkey.patch_all()
    runs: dict[str, Any] = {}
    if options.host:
        host = options.host.rstrip("/")
        pools = sessions_for(host, data, max(users))
        runs["host"] = report("host", [run_level(host, pools, data, n, options.seconds)
                                       for n in users])  # fmt: skip
    else:
        sys.path.insert(0, str(ROOT / "scripts"))
        from cluster import Cluster

        for nodes in [int(n) for n in options.nodes.split(",")]:
            environment = {"EXPORT_REAUTHENTICATION": "false"}  # the export, not its prompt
            web = {key: value for key in ("web_workers", "web_threads")
                   if (value := getattr(options, key)) is not None}  # fmt: skip
            with Cluster(nodes=nodes, environment=environment, pin_web=options.pin_web,
                         **web) as shape:  # fmt: skip
                banner = (f"{nodes} node(s) of {shape.web_workers} gunicorn processes × "
                          f"{shape.web_threads} threads")  # fmt: skip
                if options.pin_web:
                    cpus = [f"web{n}: CPU {Cluster.web_cpu(n)}" for n in range(1, nodes + 1)]
                    banner += f", each node on its own CPU ({', '.join(cpus)})"
                print(banner)
                pools = sessions_for(shape.url, data, max(users))
                levels = [run_level(shape.url, pools, data, n, options.seconds) for n in users]
            runs[str(nodes)] = report(str(nodes), levels)
            runs[str(nodes)]["web"] = {"workers": shape.web_workers, "threads": shape.web_threads,
                                       "pinned": options.pin_web}  # fmt: skip
    last = runs[list(runs)[-1]]
    if len(runs) > 1 and "1" in runs:
        print("\nMost requests/s: " + ", ".join(
            f"{n} node(s) {run['knee']['peak_rps']}" for n, run in runs.items()))  # fmt: skip
        one, most = runs["1"]["knee"], runs[list(runs)[-1]]["knee"]
        if one["reached"] and most["reached"]:
            print(f"Scale-out at the knee: {most['peak_rps'] / one['peak_rps']:.2f}× "
                  f"({list(runs)[-1]} nodes against 1)")  # fmt: skip
        else:
            print("Scale-out not measured: a shape's knee was not reached (add users)")
    print(json.dumps({"trainees": data["trainees_total"], "nodes": runs, **last},
                     ensure_ascii=False))  # fmt: skip


def _plan_or_generate(trainees: int) -> dict[str, Any]:
    def read() -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, __file__, "--plan"], cwd=ROOT, text=True,
                              capture_output=True, check=False)  # fmt: skip

    result = read()
    if result.returncode != 0:
        print(f"No generated ward here ({result.stderr.strip().splitlines()[-1:]}): "
              f"generating {trainees:,} trainees")  # fmt: skip
        subprocess.run([sys.executable, "bench/generate.py", "--trainees", str(trainees)],
                       cwd=ROOT, check=True)  # fmt: skip
        result = read()
        result.check_returncode()
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


if __name__ == "__main__":
    main()
