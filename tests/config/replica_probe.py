"""Run by tests/config/test_replica.py in its own process, with DATABASE_URL on a primary and
DATABASE_REPLICA_URL on its streaming replica: asks the router where each read goes in each
situation, and prints one JSON object of the answers (a step that fails prints its error)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.db import DatabaseError, connections, transaction  # noqa: E402

from lib import replica  # noqa: E402

STANDBY = os.environ["PROBE_STANDBY_CTL"].split()  # how to pause, resume and stop the replica


def standby_sql(sql: str) -> object:
    with connections["replica"].cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0] if cursor.description else None


def wait_replayed(model: str) -> None:
    for _ in range(200):
        try:
            with connections["replica"].cursor() as cursor:
                cursor.execute("SELECT count(*) FROM django_content_type WHERE model = %s", [model])
                if cursor.fetchone()[0]:
                    return
        except DatabaseError:  # the table itself not replayed yet
            connections["replica"].close()
        time.sleep(0.05)
    raise AssertionError(f"{model} never reached the replica")


@replica.replica_reads
def page(request: object, *, write: bool = False, atomic: bool = False) -> dict[str, object]:
    """A read-only page: where its reads go (and what the copy it read says it is)."""
    seen: dict[str, object] = {}
    query = ContentType.objects.filter(app_label="probe")
    seen["first_read"] = query.db
    seen["rows"] = sorted(query.values_list("model", flat=True))
    with connections[query.db].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        seen["read_a_standby"] = cursor.fetchone()[0]
    if atomic:
        with transaction.atomic():
            seen["in_transaction"] = ContentType.objects.all().db
    if write:
        ContentType.objects.create(app_label="probe", model=f"written{time.time_ns()}")
        seen["after_write"] = ContentType.objects.all().db
    return seen


class Request:
    method = "GET"


def main() -> None:
    out: dict[str, object] = {"outside_a_marked_page": ContentType.objects.all().db}
    ContentType.objects.create(app_label="probe", model="first")
    wait_replayed("first")
    replica.health.forget()
    out["caught_up"] = page(Request())
    out["writing_page"] = page(Request(), write=True, atomic=True)
    # Replay paused, a write on the primary, the lag past the setting: the primary is read.
    settings.REPLICA_MAX_LAG_SECONDS = 1
    standby_sql("SELECT pg_wal_replay_pause()")
    ContentType.objects.create(app_label="probe", model="late")
    time.sleep(2.5)
    replica.health.forget()
    out["lagging"] = page(Request())
    out["lag_reason"] = replica.health.reason
    standby_sql("SELECT pg_wal_replay_resume()")
    wait_replayed("late")
    replica.health.forget()
    out["resumed"] = page(Request())
    # The replica stopped: the primary is read, and the page still answers.
    subprocess.run(STANDBY, check=True, capture_output=True)
    replica.health.forget()
    out["replica_down"] = page(Request())
    out["down_reason"] = replica.health.reason
    sys.stdout.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
