"""The production shape on one machine (scripts/cluster.py: nginx → two gunicorn nodes, two
Celery workers, beat, under supervisord) on the test database and Redis, proving what the
README says about scaling out:

- a session made on one node works on the other (sessions and cache are shared);
- an order's e-mails go out once each, with two workers claiming them;
- beat's tasks run once per schedule, not once per worker;
- a web node killed with SIGKILL in the middle of a rush of applications costs no lost or
  half-written data: its requests in flight fail, the others succeed, every seat counted once.
"""

from __future__ import annotations

import datetime
import os
import re
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode

import psutil
import pytest
from django.utils import timezone

from tests.conftest import broker_idle, service_env, wait_for

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

pytestmark = pytest.mark.django_db(transaction=True)


class Counting:
    def __init__(self) -> None:
        self.received: Counter[str] = Counter()

    async def handle_DATA(self, server, session, envelope):
        for address in envelope.rcpt_tos:
            self.received[address] += 1
        return "250 OK"


def _opener() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))


def _csrf(opener: urllib.request.OpenerDirector) -> str:
    for handler in opener.handlers:
        if isinstance(handler, urllib.request.HTTPCookieProcessor):
            for cookie in handler.cookiejar:
                if cookie.name == "kenshu_csrftoken":
                    return str(cookie.value)
    return ""


def _production_password(user) -> None:  # type: ignore[no-untyped-def]
    """The tests hash passwords with MD5 (config/settings/test.py); the nodes run the real
    settings, which know only Argon2 and PBKDF2: the password is stored as they store it."""
    from django.contrib.auth.hashers import make_password

    from tests.trainees.factories import PASSWORD
    from trainees.hashers import Argon2idHasher

    user.password = make_password(PASSWORD, hasher=Argon2idHasher())
    user.save(update_fields=["password"])


def _log_in(base: str, login: str, password: str) -> urllib.request.OpenerDirector:
    opener = _opener()
    opener.open(f"{base}/accounts/login/", timeout=30).read()
    data = urlencode({"csrfmiddlewaretoken": _csrf(opener), "login": login,
                      "password": password}).encode()  # fmt: skip
    opener.open(f"{base}/accounts/login/", data=data, timeout=30).read()
    return opener


def _cluster_redis_url() -> str:
    """The Redis a cluster runs on; skips the test where the machine has no Redis or nginx."""
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        pytest.skip("needs Redis: set REDIS_URL=redis://127.0.0.1:6379/0 (CI does)")
    if not Path("/usr/sbin/nginx").exists():
        pytest.skip("nginx is not installed (make test installs it as root on Debian)")
    return redis_url


@pytest.fixture
def shape(requires_postgres, smtp_server, tmp_path):
    redis_url = _cluster_redis_url()
    from cluster import Cluster

    smtp = Counting()
    env = service_env(smtp_port=smtp_server(smtp), redis_url=redis_url, LOG_LEVEL="INFO")
    cluster = Cluster(nodes=2, workers=2, directory=tmp_path / "cluster",
                      environment={**env, "VAR_DIR": str(tmp_path / "var")},
                      worker_loglevel="INFO")  # fmt: skip
    with cluster:
        cluster.smtp = smtp  # type: ignore[attr-defined]
        cluster.redis_url = redis_url  # type: ignore[attr-defined]
        yield cluster


def test_two_nodes_two_workers_one_beat(shape):
    from courses.models import CourseKind, Selection
    from enrollments.models import Enrollment, Status
    from enrollments.services import order_issue
    from tests.courses.factories import CourseFactory, SessionFactory
    from tests.trainees.factories import PASSWORD, TraineeFactory, UserFactory
    from trainees.roles import Role

    # Each node is the shape the README gives: its gunicorn master and that many processes
    # (four of two threads: a page rendering in one thread holds up only its process's other).
    assert (shape.web_workers, shape.web_threads) == (4, 2)
    for program in ("web1", "web2"):
        master = psutil.Process(shape.pid(program))
        wait_for(lambda master=master: len(master.children()) == shape.web_workers,
                 f"{program}'s {shape.web_workers} processes")  # fmt: skip

    # A session made on one node is honoured by the other.
    web1, web2 = (f"http://127.0.0.1:{port}" for port in shape.web_ports)
    user = UserFactory(username="300101", roles=[Role.TRAINEE])
    _production_password(user)
    TraineeFactory(user=user, staff_number="300101")
    browser = _log_in(web1, "300101", PASSWORD)
    page = browser.open(f"{web2}/me/", timeout=30)
    assert page.status == 200 and page.url.endswith("/me/")  # not sent to the login page

    # An order's e-mails: two workers, each address once.
    session = SessionFactory()
    people = [TraineeFactory(email=f"order{n}@city.example.jp") for n in range(30)]
    order_issue(session=session, trainee_ids=[p.pk for p in people], actor=None)
    wait_for(lambda: sum(shape.smtp.received.values()) >= 30, "30 messages", 90)
    broker_idle(shape.redis_url)
    assert shape.smtp.received == Counter({p.email: 1 for p in people})

    # Beat's outbox relay (every 5 s) ran once per tick across both workers, not twice.
    time.sleep(11)
    runs = sum(
        len(re.findall(r"Task notices\.tasks\.relay_outbox\[[^\]]+\] succeeded", log.read_text()))
        for log in shape.directory.glob("worker*.log")
    )
    elapsed = time.time() - shape.started_at
    assert 1 <= runs <= elapsed / 5 + 2, (runs, elapsed)

    # A rush of 60 applications for 40 first-come seats through nginx; web1 is killed with
    # SIGKILL half-way. Requests in flight on it fail; everything written is whole.
    rush = SessionFactory(
        capacity=40,
        course=CourseFactory(kind=CourseKind.OPEN, selection=Selection.FIRST_COME),
        application_opens_at=timezone.now() - datetime.timedelta(days=1),
        application_closes_at=timezone.now() + datetime.timedelta(days=7),
        days=[timezone.localdate() + datetime.timedelta(days=30)],
    )
    applicants = []
    for n in range(60):
        account = UserFactory(username=f"31{n:04d}", roles=[Role.TRAINEE])
        _production_password(account)
        TraineeFactory(user=account, staff_number=f"31{n:04d}")
        applicants.append(_log_in(shape.url, account.username, PASSWORD))
        check = applicants[-1].open(f"{shape.url}/me/", timeout=30)
        assert check.url.endswith("/me/"), (n, check.url, check.read().decode()[-3000:])
    outcomes: dict[int, object] = {}
    landed: dict[int, str] = {}

    def apply(n: int) -> None:
        opener = applicants[n]
        data = urlencode({"csrfmiddlewaretoken": _csrf(opener)}).encode()
        try:
            response = opener.open(urllib.request.Request(
                f"{shape.url}/catalogue/sessions/{rush.pk}/apply/", data=data,
                headers={"X-CSRFToken": _csrf(opener)}), timeout=60)  # fmt: skip
            outcomes[n] = response.status
            landed[n] = response.url
        except urllib.error.HTTPError as exc:
            outcomes[n] = exc.code
        except OSError as exc:
            outcomes[n] = type(exc).__name__

    again = applicants[0].open(f"{shape.url}/me/", timeout=30)
    assert again.url.endswith("/me/"), "first applicant logged out before the rush"
    apply(59)  # one alone first: the rush below is not the first request of its kind
    assert outcomes[59] == 200 and "/me/enrollments/" in landed[59], landed[59]
    threads = [threading.Thread(target=apply, args=(n,)) for n in range(59)]
    for n, thread in enumerate(threads):
        thread.start()
        if n == 25:
            shape.kill("web1")
        time.sleep(0.02)
    for thread in threads:
        thread.join(timeout=120)
    places = Enrollment.objects.filter(session=rush)
    rush.refresh_from_db()
    confirmed = places.filter(status=Status.CONFIRMED).count()
    assert rush.confirmed_count == confirmed <= 40  # every seat counted once
    assert places.count() == len(set(places.values_list("trainee_id", flat=True)))  # one each
    succeeded = [n for n, status in outcomes.items() if status == 200]
    failed = [n for n, status in outcomes.items() if status != 200]
    assert len(outcomes) == 60 and len(succeeded) >= 30, Counter(map(str, outcomes.values()))
    # Whoever was told they applied has a place (a confirmed seat or the waiting list).
    applied = set(places.values_list("trainee__staff_number", flat=True))
    assert {f"31{n:04d}" for n in succeeded} <= applied, set(landed.values())
    assert all(str(status).startswith(("5", "Remote", "Connection", "URL")) or status == 502
               for n, status in outcomes.items() if n in failed)  # fmt: skip
    # The killed node is back (supervisord), and serves again.
    wait_for(lambda: shape.answers(f"{web1}/healthz"), "web1 to be restarted", 60)


def test_pinned_web_nodes_each_run_on_a_cpu_of_their_own(requires_postgres, smtp_server, tmp_path):
    """bench/load.py --pin-web: each web node's gunicorn (its master and every process) runs on
    a CPU of its own, as nodes on separate hosts do, so that one node against two measures the
    web tier's scale-out rather than every process sharing every CPU."""
    redis_url = _cluster_redis_url()
    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("one CPU: two nodes cannot each have their own")
    from cluster import Cluster

    env = service_env(smtp_port=smtp_server(Counting()), redis_url=redis_url)
    cluster = Cluster(nodes=2, workers=0, beat=False, pin_web=True,
                      directory=tmp_path / "cluster",
                      environment={**env, "VAR_DIR": str(tmp_path / "var")})  # fmt: skip
    with cluster as shape:
        cpus = {}
        for node, program in enumerate(("web1", "web2"), start=1):
            master = psutil.Process(shape.pid(program))
            wait_for(lambda master=master: len(master.children()) == shape.web_workers,
                     f"{program}'s {shape.web_workers} processes")  # fmt: skip
            cpus[program] = {cpu for p in (master, *master.children()) for cpu in p.cpu_affinity()}
            assert cpus[program] == {Cluster.web_cpu(node)}
        assert cpus["web1"] != cpus["web2"]
        assert Cluster.answers(f"{shape.url}/healthz")
