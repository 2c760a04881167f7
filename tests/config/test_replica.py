"""The streaming replica, for real: a PostgreSQL primary and a standby made from it with
pg_basebackup and streaming from it (their own clusters on free ports, run as the postgres
user), and the router (lib/replica.py) asked, in a process configured with DATABASE_URL and
DATABASE_REPLICA_URL, where each read goes: a marked page reads the standby while it keeps
up; a write, an open transaction, a lag past REPLICA_MAX_LAG_SECONDS or a stopped standby
send it to the primary; nothing else ever reads the standby."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"))), None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_postgres(*command: str) -> subprocess.CompletedProcess[str]:
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    return subprocess.run([*prefix, *command], check=True, capture_output=True, text=True)


@pytest.fixture
def replica_pair():
    if BIN is None or not (BIN / "pg_basebackup").exists():
        pytest.skip("needs PostgreSQL's server binaries (/usr/lib/postgresql/*/bin)")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        pytest.skip("needs runuser to start PostgreSQL as the postgres user")
    directory = Path(tempfile.mkdtemp(prefix="kenshu-replica-"))
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres", "postgres")
    primary, standby = directory / "primary", directory / "standby"
    ports = {"primary": _free_port(), "standby": _free_port()}
    started: list[Path] = []

    def start(data: Path, port: int) -> None:
        _as_postgres(str(BIN / "pg_ctl"), "-D", str(data), "-l", f"{data}.log", "-w", "-o",
                     f"-p {port} -k {directory} -c listen_addresses=127.0.0.1", "start")  # fmt: skip
        started.append(data)

    try:
        _as_postgres(str(BIN / "initdb"), "-D", str(primary), "-A", "trust", "-U", "postgres")
        with (primary / "postgresql.conf").open("a") as conf:
            conf.write("wal_level = replica\nmax_wal_senders = 4\nfsync = off\n")
        start(primary, ports["primary"])
        _as_postgres(str(BIN / "createdb"), "-h", "127.0.0.1", "-p", str(ports["primary"]),
                     "-U", "postgres", "kenshu")  # fmt: skip
        _as_postgres(str(BIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(ports["primary"]),
                     "-U", "postgres", "-D", str(standby), "-R", "-X", "stream")  # fmt: skip
        start(standby, ports["standby"])
        yield {
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{ports['primary']}/kenshu",
            "DATABASE_REPLICA_URL": f"postgres://postgres@127.0.0.1:{ports['standby']}/kenshu",
            "stop_standby": " ".join(
                (["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else [])
                + [str(BIN / "pg_ctl"), "-D", str(standby), "-m", "fast", "-w", "stop"]
            ),
        }
    finally:
        for data in reversed(started):
            subprocess.run(
                [*(["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []),
                 str(BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                capture_output=True, check=False,
            )  # fmt: skip
        shutil.rmtree(directory, ignore_errors=True)


def test_the_router_reads_the_standby_only_while_it_keeps_up(replica_pair, requires_postgres):
    env = {
        **os.environ,
        "DATABASE_URL": replica_pair["DATABASE_URL"],
        "DATABASE_REPLICA_URL": replica_pair["DATABASE_REPLICA_URL"],
        "PROBE_STANDBY_CTL": replica_pair["stop_standby"],
        "REPLICA_CHECK_SECONDS": "1",
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
    }
    env.pop("REDIS_URL", None)
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "auth", "-v0"], cwd=ROOT, env=env,
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert migrate.returncode == 0, migrate.stderr
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "tests/config/replica_probe.py"], cwd=ROOT, env=env,
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["outside_a_marked_page"] == "default"
    assert seen["caught_up"] == {"first_read": "replica", "rows": ["first"],
                                 "read_a_standby": True}  # fmt: skip
    writing = seen["writing_page"]
    assert writing["first_read"] == "replica" and writing["read_a_standby"] is True
    assert writing["in_transaction"] == "default" and writing["after_write"] == "default"
    assert seen["lagging"]["first_read"] == "default" and seen["lagging"]["read_a_standby"] is False
    assert "behind" in seen["lag_reason"]
    assert "late" in seen["lagging"]["rows"]  # the primary has what the standby had not
    assert seen["resumed"]["first_read"] == "replica" and "late" in seen["resumed"]["rows"]
    assert seen["replica_down"]["first_read"] == "default"
    assert "unreachable" in seen["down_reason"]
    assert time.monotonic() - started < 60
