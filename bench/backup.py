"""Backup and restore of the 100,000-trainee ward of bench/reports.py, on PostgreSQL: the
encrypted archive (manage.py backup) and its restore into an empty database (manage.py
restore), against a bare `pg_dump --format=custom` of the same database as the baseline.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kenshu_bench .venv/bin/python bench/backup.py [trainees]

Last line: {"trainees", "enrollments", "pg_dump_s", "backup_s", "archive_mb", "restore_s"}.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from reports import TRAINEES, build  # noqa: E402  (sets Django up)


def main() -> None:
    from cryptography.fernet import Fernet

    from enrollments.models import Enrollment
    from lifecycle.backup import make_backup

    if connection.vendor != "postgresql":
        reason = "needs DATABASE_URL=postgres://… (the data set is written with COPY)"
        print(f"backup skipped: {reason}")
        print(json.dumps({"skipped": reason}))
        return
    settings.AUDIT_DB_ALIAS = "default"
    settings.BACKUP_KEY = Fernet.generate_key().decode()
    setup_test_environment()
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    params = connection.settings_dict
    host, port, user = params["HOST"] or "127.0.0.1", str(params["PORT"] or 5432), params["USER"]
    target = f"kenshu_bench_restore_{uuid.uuid4().hex[:6]}"
    try:
        build()
        enrollments = Enrollment.objects.count()
        print(f"{TRAINEES:,} trainees, {enrollments:,} places")
        with tempfile.TemporaryDirectory() as work:
            plain = Path(work) / "plain.dump"
            started = time.perf_counter()
            subprocess.run(["pg_dump", "--format=custom", "-h", host, "-p", port, "-U", user,
                            "-f", str(plain), test_db], check=True)  # fmt: skip
            pg_dump_s = time.perf_counter() - started
            archive = Path(work) / "ward.kbak"
            started = time.perf_counter()
            make_backup(archive)
            backup_s = time.perf_counter() - started
            archive_mb = archive.stat().st_size / 1e6
            subprocess.run(["createdb", "-h", host, "-p", port, "-U", user, target], check=True)
            env = {**os.environ, "DATABASE_URL": f"postgres://{user}@{host}:{port}/{target}",
                   "BACKUP_KEY": settings.BACKUP_KEY, "VAR_DIR": work,
                   "MATERIALS_ROOT": str(Path(work) / "files")}  # fmt: skip
            started = time.perf_counter()
            subprocess.run([sys.executable, "manage.py", "restore", str(archive)], cwd=ROOT,
                           env=env, check=True, capture_output=True)  # fmt: skip
            restore_s = time.perf_counter() - started
        print(f"  pg_dump alone (baseline): {pg_dump_s:.1f} s")
        print(f"  manage.py backup (dump + files + encryption): {backup_s:.1f} s, "
              f"{archive_mb:.1f} MB")  # fmt: skip
        print(f"  manage.py restore into an empty database: {restore_s:.1f} s")
        print(json.dumps({"trainees": TRAINEES, "enrollments": enrollments,
                          "pg_dump_s": round(pg_dump_s, 1), "backup_s": round(backup_s, 1),
                          "archive_mb": round(archive_mb, 1),
                          "restore_s": round(restore_s, 1)}))  # fmt: skip
    finally:
        subprocess.run(["dropdb", "-h", host, "-p", port, "-U", user, "--if-exists", target],
                       check=False)  # fmt: skip
        connection.creation.destroy_test_db(test_db, verbosity=0)


if __name__ == "__main__":
    main()
