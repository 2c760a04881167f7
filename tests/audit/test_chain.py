"""The audit tables' hash chains (issue 20, tamper evidence): sealed off the request path,
verified by `manage.py verify_audit`, which names the first broken row — changed, deleted,
reordered, slipped in after sealing — and proves kept heads (`--against`)."""

from __future__ import annotations

import datetime
import itertools
import json
import threading
import uuid

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone

from audit import chain
from audit.models import AccessLog, AuditEvent, ChainSeal

pytestmark = pytest.mark.django_db
LATER = timezone.now() + datetime.timedelta(hours=1)  # every row is old enough by then


def access(n: int, **fields) -> list[AccessLog]:
    return [
        AccessLog.objects.create(request_id=uuid.uuid4(), method="GET", path=f"/me/{i}/",
                                 status_code=200, duration_ms=1.5 + i, username="300001",
                                 **fields)
        for i in range(n)
    ]  # fmt: skip


def raw(sql: str, params=()) -> None:
    """A change behind the portal's back (the owner, with the append-only trigger disabled)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_accesslog DISABLE TRIGGER USER")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_accesslog ENABLE TRIGGER USER")


def verify_command(*args: str) -> tuple[int, dict]:
    from io import StringIO

    out = StringIO()
    try:
        call_command("verify_audit", "--format", "json", "--no-seal", *args, stdout=out)
        code = 0
    except SystemExit as exc:
        code = int(exc.code)
    return code, json.loads(out.getvalue())


def test_an_untouched_trail_verifies_and_each_row_is_sealed_once():
    rows = access(30)
    AuditEvent.objects.create(kind="login.failed", login_id="x")
    assert chain.seal_all(now=LATER) == 31
    assert chain.seal_all(now=LATER) == 0  # nothing twice
    code, report = verify_command()
    assert code == 0 and report["intact"] and report["rows"] == 31
    assert report["heads"]["access"]["row"] == rows[-1].pk


def test_rows_younger_than_the_lag_wait_and_the_seal_stops_at_the_first_of_them(settings):
    settings.AUDIT_SEAL_LAG_SECONDS = 60
    old = access(3)
    assert chain.seal("access", now=timezone.now()) is None  # all too young
    made = chain.seal("access", now=timezone.now() + datetime.timedelta(seconds=61))
    assert made.ids == [row.pk for row in old]


@pytest.mark.parametrize("harm", ["changed", "deleted", "reordered"])
def test_each_kind_of_tampering_names_the_first_broken_row(harm):
    rows = access(20)
    chain.seal_all(now=LATER)
    victim = rows[7]
    if harm == "changed":
        raw("UPDATE audit_accesslog SET username = %s WHERE id = %s", ["100001", victim.pk])
    elif harm == "deleted":
        raw("DELETE FROM audit_accesslog WHERE id = %s", [victim.pk])
    else:  # two rows' contents swapped: each id now holds the other's
        raw("UPDATE audit_accesslog SET path = CASE id WHEN %s THEN %s ELSE %s END "
            "WHERE id IN (%s, %s)", [victim.pk, rows[8].path, victim.path, victim.pk,
                                     rows[8].pk])  # fmt: skip
    code, report = verify_command()
    assert code == 1 and not report["intact"]
    first = report["breaks"][0]
    assert first["log"] == "access" and first["row"] == victim.pk
    assert {"changed": "changed", "deleted": "deleted", "reordered": "changed"}[harm] in first[
        "what"
    ]


def test_a_row_slipped_into_a_sealed_range_is_named():
    """Ids come from the sequence (migration 0012) but a rolled-back insert leaves a gap; only
    the tables' owner can put a row there afterwards — the chain says so."""
    rows = access(10)
    gap = rows[4].pk
    raw("DELETE FROM audit_accesslog WHERE id = %s", [gap])  # as if never committed
    chain.seal_all(now=LATER)
    assert verify_command()[0] == 0
    AccessLog.objects.create(id=gap, request_id=uuid.uuid4(), method="GET", path="/hr/trainees/",
                             status_code=200, duration_ms=1.0, username="100001")  # fmt: skip
    code, report = verify_command()
    assert code == 1
    assert report["breaks"] == [{"log": "access", "row": gap,
                                 "what": "the row was added after its range was sealed"}]  # fmt: skip


def test_a_kept_head_proves_the_trail_up_to_it(tmp_path):
    rows = access(10)
    chain.seal_all(now=LATER)
    kept = tmp_path / "heads.txt"
    kept.write_text(chain.head_line("access") + "\n", encoding="utf-8")
    access(5)
    chain.seal_all(now=LATER)
    assert verify_command("--against", str(kept))[0] == 0
    # Someone who can rewrite rows and seals rebuilds the whole chain after changing a row: the
    # chain verifies on its own, but no longer passes through the head kept outside.
    raw("UPDATE audit_accesslog SET username = %s WHERE id = %s", ["999999", rows[2].pk])
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_chainseal DISABLE TRIGGER USER")
        cursor.execute("DELETE FROM audit_chainseal")
    chain.seal_all(now=LATER)
    assert verify_command()[0] == 0
    code, report = verify_command("--against", str(kept))
    assert code == 1 and report["breaks"][0]["row"] == rows[9].pk
    assert "rewritten" in report["breaks"][0]["what"]
    parts = kept.read_text(encoding="utf-8").split(" ")
    parts[3] = "1"  # the row the head claims to be at: the signature no longer matches
    kept.write_text(" ".join(parts), encoding="utf-8")
    assert "signature" in verify_command("--against", str(kept))[1]["breaks"][0]["what"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_and_sealers_keep_one_chain(requires_postgres, settings):
    """Eight threads write access-log rows while two sealers run: every row ends up in exactly
    one seal, the seals form one chain, and it verifies."""
    settings.AUDIT_SEAL_LAG_SECONDS = 0.5
    stop = threading.Event()
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            for _ in range(40):
                access(1)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    def sealer() -> None:
        try:
            while not stop.is_set():
                chain.seal_all()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    writers = [threading.Thread(target=writer) for _ in range(8)]
    sealers = [threading.Thread(target=sealer) for _ in range(2)]
    for thread in writers + sealers:
        thread.start()
    for thread in writers:
        thread.join()
    stop.set()
    for thread in sealers:
        thread.join()
    assert not errors, errors
    chain.seal_all(now=LATER)
    seals = list(ChainSeal.objects.filter(log="access").order_by("first_id"))
    sealed = [row_id for s in seals for row_id in s.ids]
    assert sorted(sealed) == sorted(AccessLog.objects.values_list("id", flat=True))
    assert len(sealed) == len(set(sealed)) == 320
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(seals))
    assert chain.verify().intact


def test_the_nightly_check_keeps_its_verdict_and_tells_every_auditor(
    settings, caplog, client, auditor, eager_celery, mailoutbox
):
    from audit.models import ChainVerification
    from audit.tasks import seal_audit_chains, verify_audit_chains
    from notices.models import Notice

    settings.AUDIT_SEAL_LAG_SECONDS = 0
    rows = access(5)
    assert seal_audit_chains() == 5
    assert verify_audit_chains() is True
    client.force_login(auditor)
    assert "改ざんは見つかりませんでした" in client.get("/audit/").content.decode()
    assert not Notice.objects.exists() and not mailoutbox
    raw("UPDATE audit_accesslog SET status_code = 403 WHERE id = %s", [rows[1].pk])
    assert verify_audit_chains() is False
    assert f"access row {rows[1].pk}: the row was changed" in caplog.text
    latest = ChainVerification.objects.first()
    assert not latest.intact and latest.breaks[0]["row"] == rows[1].pk
    notice = Notice.objects.get(user=auditor)
    assert str(rows[1].pk) in notice.body and notice.link == "/audit/"
    assert [m.to for m in mailoutbox] == [[auditor.email]]
    page = client.get("/audit/").content.decode()
    assert "改ざん" in page and f"{rows[1].pk}" in page


def test_audit_head_prints_one_signed_line_per_chain(settings):
    from io import StringIO

    settings.AUDIT_SEAL_LAG_SECONDS = 0
    access(3)
    AuditEvent.objects.create(kind="logout", username="300001")
    out = StringIO()
    call_command("audit_head", stdout=out)
    lines = out.getvalue().splitlines()
    assert [line.split(" ")[2] for line in lines] == ["access", "event"]
    assert not chain.verify_heads(lines)
    settings.AUDIT_HEAD_KEY = "another key"  # a head signed with another key is not ours
    assert all("signature" in b.what for b in chain.verify_heads(lines))


def test_a_retention_cut_leaves_the_chain_verifiable_across_it(tmp_path):
    """The purge (issue 21) removes old rows and their seals through chain.cut, which records
    the head at the cut: the rest verifies from there, a head kept at the cut still proves the
    trail up to it, one kept before it is no longer checkable (not a break), and sealing goes
    on from the cut."""
    from audit.models import ChainCut

    old = access(10)
    chain.seal_all(now=LATER)
    before = chain.head_line("access")
    access(10)
    chain.seal_all(now=LATER)
    at_cut = chain.head_line("access")
    middle = ChainSeal.objects.get(log="access", last_id=at_cut.split(" ")[3])
    recent = access(5)
    chain.seal_all(now=LATER)
    with pytest.raises(ValueError, match="not the last row of a seal"):
        chain.cut("access", up_to_id=old[4].pk)
    cut = chain.cut("access", up_to_id=middle.last_id, reason="保存期間（5年）の経過")
    assert cut.rows == 20 and cut.hash == middle.hash
    assert not AccessLog.objects.filter(id__lte=middle.last_id).exists()
    assert list(ChainSeal.objects.filter(log="access").values_list("first_id", flat=True)) == [
        recent[0].pk
    ]
    kept = tmp_path / "heads.txt"
    kept.write_text(f"{before}\n{at_cut}\n", encoding="utf-8")
    code, report = verify_command("--against", str(kept))
    assert code == 0, report
    assert report["rows"] == 5
    # More rows after the cut chain on from it; a cut with no seal left behind it too.
    chain.cut("access", up_to_id=recent[-1].pk)
    later = access(2)
    chain.seal_all(now=LATER)
    assert ChainSeal.objects.get(log="access").prev_hash == ChainCut.objects.latest("last_id").hash
    assert verify_command()[0] == 0
    # Rows removed without a cut are still found.
    raw("DELETE FROM audit_accesslog WHERE id = %s", [later[0].pk])
    code, report = verify_command()
    assert code == 1 and report["breaks"][0]["row"] == later[0].pk


def test_the_who_viewed_rows_are_chained_too():
    from audit.models import SubjectView

    views = [SubjectView.objects.create(username="100001", subject_id=n, what="record")
             for n in (7, 8, 9)]  # fmt: skip
    chain.seal_all(now=LATER)
    assert ChainSeal.objects.filter(log="view").get().rows == 3
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_subjectview DISABLE TRIGGER USER")
        cursor.execute("UPDATE audit_subjectview SET subject_id = 1 WHERE id = %s", [views[1].pk])
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_subjectview ENABLE TRIGGER USER")
    code, report = verify_command()
    assert code == 1
    assert report["breaks"][0] == {"log": "view", "row": views[1].pk, "what": "the row was changed"}
