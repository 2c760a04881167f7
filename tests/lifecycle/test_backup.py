"""バックアップ (issue 21), for real on PostgreSQL: a backup restored by `manage.py restore` into
an empty database and folder brings back the rows, the files and audit chains that verify; a
person erased after the backup is erased again on restore (the journal); a changed, truncated
or wrongly keyed archive is refused before anything is written; a non-empty target is refused."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from cryptography.fernet import Fernet
from django.db import connection
from django.utils import timezone

from audit import chain
from audit.models import AuditEvent
from lifecycle import backup, services
from lifecycle.models import BackupRun
from tests.trainees.factories import TraineeFactory, UserFactory
from trainees.roles import Role

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def backup_key(settings, tmp_path):
    settings.BACKUP_KEY = Fernet.generate_key().decode()
    settings.BACKUP_DIR = str(tmp_path / "backups")
    settings.ERASURE_JOURNAL = str(tmp_path / "journal.jsonl")
    return settings.BACKUP_KEY


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environ = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.base", **env}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=environ,
                          capture_output=True, text=True, timeout=300, check=False)  # fmt: skip


@pytest.fixture
def empty_database(requires_postgres):
    params = connection.settings_dict
    name = f"kenshu_restore_{uuid.uuid4().hex[:8]}"
    admin = dict(host=params["HOST"] or "127.0.0.1", port=params["PORT"] or 5432,
                 user=params["USER"], dbname="postgres", autocommit=True)  # fmt: skip
    with psycopg.connect(**admin) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"postgres://{params['USER']}@{admin['host']}:{admin['port']}/{name}"
    yield name, url
    with psycopg.connect(**admin) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_rows_files_and_verifiable_chains(backup_key, empty_database,
                                                            private_storage, organisation,
                                                            tmp_path):  # fmt: skip
    _name, url = empty_database
    kept = TraineeFactory(staff_number="000401", name="保存 一郎", organisation=organisation)
    leaving = TraineeFactory(staff_number="000402", name="申出 二郎", organisation=organisation)
    AuditEvent.objects.create(kind="login.failed", login_id="000401")
    chain.seal_all(now=timezone.now() + timezone.timedelta(hours=1))
    material = private_storage / "materials" / "2026" / "handout.pdf"
    material.parent.mkdir(parents=True)
    material.write_bytes(b"%PDF-1.4 handout")
    archive = tmp_path / "ward.kbak"
    manifest = backup.make_backup(archive)
    assert manifest["database"] == "postgresql"
    assert "files/materials/2026/handout.pdf" in manifest["members"]
    assert b"handout" not in archive.read_bytes() and b"000401" not in archive.read_bytes()
    # After the backup, one person is erased on request.
    services.trainee_erase(trainee=leaving, actor=UserFactory(roles=[Role.HR_ADMIN]),
                           reason="本人からの申出")  # fmt: skip
    restored_files = tmp_path / "restored-files"
    env = {"DATABASE_URL": url, "MATERIALS_ROOT": str(restored_files), "BACKUP_KEY": backup_key,
           "ERASURE_JOURNAL": str(tmp_path / "journal.jsonl"),
           "VAR_DIR": str(tmp_path / "var")}  # fmt: skip
    result = _manage("restore", str(archive), **env)
    assert result.returncode == 0, result.stderr
    assert "erased again: 1" in result.stdout
    with psycopg.connect(url.replace("postgres://", "postgresql://")) as conn:
        names = dict(conn.execute("SELECT id, name FROM trainees_trainee").fetchall())
    assert names[kept.pk] == "保存 一郎" and names[leaving.pk] == "（消去済み）"
    assert (restored_files / "materials" / "2026" / "handout.pdf").read_bytes() == (
        b"%PDF-1.4 handout"
    )
    verified = _manage("verify_audit", "--no-seal", **env)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    # Into a database that is no longer empty: refused.
    again = _manage("restore", str(archive), **env)
    assert again.returncode != 0 and "not empty" in again.stderr


# A backup runs outside any transaction (as the command and the nightly task do).
@pytest.mark.django_db(transaction=True)
def test_a_changed_truncated_or_wrongly_keyed_archive_is_refused(backup_key, tmp_path,
                                                                 settings):  # fmt: skip
    archive = tmp_path / "ward.kbak"
    backup.make_backup(archive)
    body = archive.read_bytes()
    changed = tmp_path / "changed.kbak"
    changed.write_bytes(body[:200] + bytes([body[200] ^ 1]) + body[201:])
    truncated = tmp_path / "truncated.kbak"
    truncated.write_bytes(body[: len(body) - 120])
    for path, words in ((changed, "changed"), (truncated, "truncated")):
        with pytest.raises(backup.BackupError, match=words):
            backup.restore_backup(path)
    settings.BACKUP_KEY = Fernet.generate_key().decode()
    with pytest.raises(backup.BackupError, match="not the key"):
        backup.restore_backup(archive)
    settings.BACKUP_KEY = ""
    with pytest.raises(backup.BackupError, match="BACKUP_KEY is not set"):
        backup.make_backup(tmp_path / "none.kbak")


@pytest.mark.django_db(transaction=True)
def test_the_nightly_backup_is_recorded_rotated_and_watched(backup_key, settings, tmp_path):
    from audit import analysis
    from lifecycle.backup import backup_to_folder, rotate

    settings.BACKUP_KEEP_DAILY, settings.BACKUP_KEEP_MONTHLY = 2, 2
    folder = Path(settings.BACKUP_DIR)
    folder.mkdir(parents=True)
    for stamp in ("20260901-010000", "20260915-010000", "20261001-010000", "20261101-010000",
                  "20261102-010000"):  # fmt: skip
        (folder / f"kenshu-{stamp}.kbak").write_bytes(b"old")
    removed = rotate(folder)
    assert sorted(removed) == ["kenshu-20260901-010000.kbak", "kenshu-20260915-010000.kbak"]
    run = backup_to_folder(source="nightly")
    assert run.ok and (folder / run.file_name).exists()
    assert BackupRun.objects.get().size == (folder / run.file_name).stat().st_size
    from audit import checklist

    [line] = [line for line in checklist.lines() if line.code == "backup"]
    assert line.status == "ok" and run.file_name in " ".join(line.evidence)
    today = timezone.localdate()
    assert analysis.analyse(today) == []  # a backup today: no finding
    yesterday = [d.category for d in analysis.analyse(today - timezone.timedelta(days=1))]
    assert yesterday == ["backup_stale"]  # none in the day before yesterday's end
    settings.BACKUP_KEY = ""  # no backups configured: nothing to watch (the checklist says so)
    assert analysis.analyse(today - timezone.timedelta(days=1)) == []
    [line] = [line for line in checklist.lines() if line.code == "backup"]
    assert line.status == "not_configured"
