from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import time

import pytest
from django.core.cache import cache
from django.db import connection

from tests.trainees.factories import OrganisationFactory, UserFactory
from trainees.roles import Role

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture(autouse=True)
def _clear_cache():
    # Rate-limit counters and TOTP replay markers live in the cache; keep tests independent.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def requires_postgres(db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://… (CI does)")


# The EICAR test file: every anti-virus recognises it; it harms nothing.
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


@pytest.fixture(scope="session")
def clamd_socket(tmp_path_factory):
    """A real clamd on a Unix socket, with a signature database of one line: EICAR by its MD5
    (this machine cannot download ClamAV's databases). Needs the clamav-daemon package (CI
    installs it)."""
    binary = shutil.which("clamd") or ("/usr/sbin/clamd" if os.path.exists("/usr/sbin/clamd")
                                       else None)  # fmt: skip
    if binary is None:
        pytest.skip("needs clamd: apt-get install clamav-daemon (CI does)")
    home = tmp_path_factory.mktemp("clamd")
    (home / "db").mkdir()
    (home / "db" / "kenshu-test.hdb").write_text(
        f"{hashlib.md5(EICAR).hexdigest()}:{len(EICAR)}:Kenshu.Test.EICAR\n"  # noqa: S324
    )
    socket_path = home / "clamd.sock"
    (home / "clamd.conf").write_text(
        f"LocalSocket {socket_path}\nDatabaseDirectory {home / 'db'}\nForeground yes\n"
        f"LogFile {home / 'clamd.log'}\nTemporaryDirectory {home}\nStreamMaxLength 20M\n"
    )
    process = subprocess.Popen([binary, "-c", str(home / "clamd.conf")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 60
    while not socket_path.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"clamd did not start: {(home / 'clamd.log').read_text()[-2000:]}")
        time.sleep(0.2)
    yield str(socket_path)
    process.terminate()
    process.wait(timeout=30)


@pytest.fixture
def clamd(settings, clamd_socket):
    """Uploads scanned by the real clamd."""
    settings.CLAMD_SOCKET = clamd_socket
    settings.CLAMD_FAIL_OPEN = False
    return clamd_socket


@pytest.fixture
def organisation(db):
    return OrganisationFactory(code="140000", name="福祉部")


@pytest.fixture
def trainee(db):
    return UserFactory(username="300001", full_name="区民 花子", roles=[Role.TRAINEE])


@pytest.fixture
def coordinator(db, organisation):
    user = UserFactory(
        username="200001", full_name="福祉 太郎", roles=[Role.COORDINATOR, Role.TRAINEE]
    )
    user.coordinated_organisations.add(organisation)
    return user


@pytest.fixture
def hr_admin(db):
    return UserFactory(
        username="100001", full_name="人材 育子", roles=[Role.HR_ADMIN, Role.TRAINEE], totp=True
    )


@pytest.fixture
def auditor(db):
    return UserFactory(username="auditor01", full_name="監査 一郎", roles=[Role.AUDITOR], totp=True)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI nothing may skip: a skipped test there means a missing service or package."""
    if not IN_CI:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        reporter.write_line(
            f"CI: {len(skipped)} test(s) skipped; nothing may skip in CI.", red=True
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture
def fixtures():
    from pathlib import Path

    return Path(__file__).parent / "fixtures"


@pytest.fixture
def eager_celery():
    """Run Celery tasks in-process for this test, even when REDIS_URL points at a broker
    (tests/config/test_celery_worker.py covers the real worker)."""
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def totp_code(secret: str) -> str:
    """The current TOTP code, never one about to expire (allauth accepts only the current
    30-second window, so a code made at :29.9 and checked at :30.1 would fail the test)."""
    import time

    import pyotp

    while 30 - time.time() % 30 < 3:
        time.sleep(0.5)
    return pyotp.TOTP(secret).now()


def use_materials_storage(settings, monkeypatch, config: dict) -> None:
    """Point the materials storage somewhere else. The file field takes its storage once, when
    models load (as in production, where settings do not change), so it is re-pointed too."""
    from django.core.files.storage import storages

    from jobs.models import Job
    from learning.models import Material

    settings.STORAGES = {**settings.STORAGES, "materials": config}
    for model in (Material, Job):
        monkeypatch.setattr(model._meta.get_field("file"), "storage", storages["materials"])


@pytest.fixture
def private_storage(settings, monkeypatch, tmp_path):
    """Course materials and jobs' files written to this test's own directory."""
    use_materials_storage(
        settings,
        monkeypatch,
        {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "materials"},
        },
    )
    return tmp_path / "materials"


# Every logged-in page costs these queries before and after its own: the session, the user,
# their groups, their MFA authenticators (only for roles that need MFA), their permissions
# (two: through groups and directly), the unread notices for the navigation badge; then the
# access log written in its own savepoint (SAVEPOINT, INSERT, RELEASE). The session is not
# written: its expiry moves forward at most once a minute (trainees/sessions.py), and a budget is
# measured after the page has been opened once.
# Permissions come from the cache once read (trainees.permission_cache): a page measured after
# a first request asks none.
PAGE_FRAME = ["session", "user", "groups", "unread notices", "SAVEPOINT", "access log",
              "RELEASE"]  # fmt: skip


@pytest.fixture
def page_queries(django_assert_num_queries):
    """``with page_queries("the course", "its sessions", …, mfa=True): client.get(…)``: the
    page's own queries named one by one, and the exact count asserted — the frame above, the
    MFA lookup when ``mfa``, and one per name (issue 19: exact counts, not ceilings)."""

    def budget(*own: str, mfa: bool = True):
        return django_assert_num_queries(len(PAGE_FRAME) + int(mfa) + len(own))

    return budget


# --- real services beside the test: an SMTP server, a worker's environment ------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    """Starts an aiosmtpd server with the given handler on a free port and returns the port; the
    servers stop when the test ends (after the test's own clean-up of workers)."""
    from aiosmtpd.controller import Controller

    controllers: list[Controller] = []

    def start(handler: object) -> int:
        port = free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port)
        controller.start()
        controllers.append(controller)
        return port

    yield start
    for controller in controllers:
        controller.stop()


def service_env(*, smtp_port: int, redis_url: str | None = None, **extra: str) -> dict[str, str]:
    """The environment of a worker or command run against the test database and SMTP server."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "EMAIL_USE_TLS": "false",
        "LOG_LEVEL": "ERROR",
        **extra,
    }
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def wait_for(condition, what: str, seconds: float = 60) -> None:  # type: ignore[no-untyped-def]
    """Poll until `condition()` holds (no fixed sleeps: each wait names what it waits for)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"waited {seconds} s for {what}"
        time.sleep(0.2)


def broker_idle(redis_url: str) -> None:
    """Until the broker holds no task, waiting or handed out and unacknowledged: nothing more
    can be sent, so what has arrived is all that ever will (a duplicate would be among it)."""
    import redis as redis_client

    broker = redis_client.Redis.from_url(redis_url)
    wait_for(lambda: broker.llen("celery") == 0 and broker.hlen("unacked") == 0,
             "the broker to be empty")  # fmt: skip
