"""バックアップ (issue 21): the database and the private files in one encrypted archive, and
its restore into an empty database and folder.

The archive is a tar of ``database.dump`` (PostgreSQL: ``pg_dump --format=custom``; SQLite:
its online backup API), ``files/`` (the materials storage, when it is a folder) and
``manifest.json`` (when, what, each member's size and SHA-256). It is encrypted with
BACKUP_KEY (a Fernet key: 32 random bytes in URL-safe base64) by ``cryptography``'s Fernet, in
chunks of CHUNK bytes, each an authenticated token; the last token holds the SHA-256 of the
whole tar, so a changed, reordered or truncated archive is refused before anything is written.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import shutil
import sqlite3
import struct
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import connections
from django.utils import timezone

from reports.freshness import data_restored

MAGIC = b"KENSHU-BACKUP v1\n"
CHUNK = 4 * 1024 * 1024
END = b"END:"


class BackupError(Exception):
    """What is wrong, in words an operator can act on."""


def _fernet() -> Fernet:
    key = settings.BACKUP_KEY
    if not key:
        raise BackupError("BACKUP_KEY is not set: make one with "
                          "python -c 'from cryptography.fernet import Fernet; "
                          "print(Fernet.generate_key().decode())' and keep it apart from the "
                          "backups")  # fmt: skip
    try:
        return Fernet(key.encode())
    except ValueError:
        raise BackupError("BACKUP_KEY must be 32 random bytes in URL-safe base64") from None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _files_root() -> Path | None:
    options = settings.STORAGES["materials"].get("OPTIONS", {})
    location = options.get("location")
    backend = settings.STORAGES["materials"]["BACKEND"]
    return Path(location) if location and backend.endswith("FileSystemStorage") else None


def _dump_database(target: Path, alias: str = "default") -> str:
    db = connections[alias].settings_dict
    vendor = connections[alias].vendor
    if vendor == "postgresql":
        env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
        command = ["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
                   "-h", db.get("HOST") or "127.0.0.1", "-p", str(db.get("PORT") or 5432),
                   "-U", db.get("USER") or "postgres", "-f", str(target), db["NAME"]]  # fmt: skip
        # The command and its arguments come from settings, not from anyone's input.
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
        if result.returncode:
            raise BackupError(f"pg_dump failed: {result.stderr.strip()[:500]}")
        return "postgresql"
    if vendor == "sqlite":
        # Through Django's own connection: SQLite's online backup, consistent while others write.
        connections[alias].ensure_connection()
        copy = sqlite3.connect(target)
        with copy:
            connections[alias].connection.backup(copy)
        copy.close()
        return "sqlite"
    raise BackupError(f"no backup for a {vendor} database")


def make_backup(output: Path) -> dict[str, Any]:
    """Write the encrypted archive to `output`; returns its manifest."""
    fernet = _fernet()
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        dump = folder / "database.dump"
        vendor = _dump_database(dump)
        members = {"database.dump": {"size": dump.stat().st_size, "sha256": _sha256(dump)}}
        root = _files_root()
        files = []
        if root is not None and root.exists():
            for path in sorted(p for p in root.rglob("*") if p.is_file()):
                relative = path.relative_to(root).as_posix()
                files.append(relative)
                members[f"files/{relative}"] = {"size": path.stat().st_size,
                                                "sha256": _sha256(path)}  # fmt: skip
        manifest = {
            "format": 1, "created_at": timezone.now().isoformat(), "database": vendor,
            "files_in_object_storage": root is None, "members": members,
        }  # fmt: skip
        archive = folder / "backup.tar"
        with tarfile.open(archive, "w") as tar:
            info = tarfile.TarInfo("manifest.json")
            body = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            info.size = len(body)
            tar.addfile(info, _bytes_io(body))
            tar.add(dump, arcname="database.dump")
            for relative in files:
                tar.add(root / relative, arcname=f"files/{relative}")  # type: ignore[operator]
        _encrypt(archive, output, fernet)
    return manifest


def _bytes_io(body: bytes) -> IO[bytes]:
    import io

    return io.BytesIO(body)


def _encrypt(source: Path, output: Path, fernet: Fernet) -> None:
    whole = hashlib.sha256()
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".part")
    with source.open("rb") as plain, partial.open("wb") as out:
        out.write(MAGIC)
        for block in iter(lambda: plain.read(CHUNK), b""):
            whole.update(block)
            _write_token(out, fernet.encrypt(block))
        _write_token(out, fernet.encrypt(END + whole.hexdigest().encode()))
    partial.replace(output)  # never a half-written archive under the final name
    output.chmod(0o600)


def _write_token(out: IO[bytes], token: bytes) -> None:
    out.write(struct.pack(">I", len(token)))
    out.write(token)


def _tokens(stream: IO[bytes]) -> Iterator[bytes]:
    while True:
        head = stream.read(4)
        if not head:
            return
        if len(head) < 4:
            raise BackupError("the archive is truncated")
        (size,) = struct.unpack(">I", head)
        token = stream.read(size)
        if len(token) < size:
            raise BackupError("the archive is truncated")
        yield token


def _decrypt(source: Path, target: Path) -> None:
    fernet = _fernet()
    whole = hashlib.sha256()
    ended = False
    with source.open("rb") as stream, target.open("wb") as out:
        if stream.read(len(MAGIC)) != MAGIC:
            raise BackupError("not a backup archive of this portal")
        for token in _tokens(stream):
            if ended:
                raise BackupError("the archive has data after its end")
            try:
                block = fernet.decrypt(token)
            except InvalidToken:
                raise BackupError("the archive was changed, or BACKUP_KEY is not the key it was "
                                  "made with") from None  # fmt: skip
            if block.startswith(END):
                if block[len(END) :].decode() != whole.hexdigest():
                    raise BackupError("the archive's parts were reordered or replaced")
                ended = True
                continue
            whole.update(block)
            out.write(block)
    if not ended:
        raise BackupError("the archive is truncated")


def read_manifest(path: Path) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as work:
        tar_path = Path(work) / "backup.tar"
        _decrypt(path, tar_path)
        with tarfile.open(tar_path) as tar:
            member = tar.extractfile("manifest.json")
            if member is None:
                raise BackupError("the archive has no manifest")
            return json.loads(member.read())


def _database_is_empty(alias: str) -> bool:
    with connections[alias].cursor() as cursor:
        tables = connections[alias].introspection.table_names(cursor)
    return not tables


def restore_backup(path: Path, *, force: bool = False, alias: str = "default",
                   files_root: Path | None = None) -> dict[str, Any]:  # fmt: skip
    """Restore the archive into the (empty) database `alias` and the materials folder. Nothing
    is written unless the whole archive decrypts and every member matches the manifest. After
    the restore, everyone erased since the backup was made is erased again (the journal)."""
    root = files_root or _files_root()
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        tar_path = folder / "backup.tar"
        _decrypt(path, tar_path)
        unpacked = folder / "unpacked"
        with tarfile.open(tar_path) as tar:
            tar.extractall(unpacked, filter="data")
        manifest = json.loads((unpacked / "manifest.json").read_text(encoding="utf-8"))
        for name, expected in manifest["members"].items():
            member = unpacked / name
            if not member.is_file() or _sha256(member) != expected["sha256"]:
                raise BackupError(f"{name} does not match the manifest")
        vendor = connections[alias].vendor
        if vendor != manifest["database"]:
            raise BackupError(f"the archive holds a {manifest['database']} database, the target "
                              f"is {vendor}")  # fmt: skip
        if not force and not _database_is_empty(alias):
            raise BackupError("the target database is not empty (restore into an empty one, or "
                              "--force to replace it)")  # fmt: skip
        if root is not None and not force and root.exists() and any(root.iterdir()):
            raise BackupError(f"the files folder {root} is not empty (or --force)")
        _restore_database(unpacked / "database.dump", alias, replace=force)
        # The cache outlives the restore: no dashboard figure kept before it may be taken
        # for the restored data (reports.freshness).
        data_restored(using=alias)
        if root is not None and (unpacked / "files").exists():
            if force and root.exists():
                shutil.rmtree(root)
            shutil.copytree(unpacked / "files", root, dirs_exist_ok=True)
    from lifecycle.services import erasures_reapply

    manifest["erased_again"] = erasures_reapply(
        since=datetime.datetime.fromisoformat(manifest["created_at"])
    )
    return manifest


def _restore_database(dump: Path, alias: str, *, replace: bool) -> None:
    connection = connections[alias]
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        connection.close()
        env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
        command = ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
                   *(["--clean", "--if-exists"] if replace else []),
                   "-h", db.get("HOST") or "127.0.0.1", "-p", str(db.get("PORT") or 5432),
                   "-U", db.get("USER") or "postgres", "-d", db["NAME"], str(dump)]  # fmt: skip
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
        if result.returncode:
            raise BackupError(f"pg_restore failed: {result.stderr.strip()[:500]}")
        return
    connection.ensure_connection()
    source = sqlite3.connect(dump)
    source.backup(connection.connection)
    source.close()


# --- the scheduled backup ------------------------------------------------------------------------

SUFFIX = ".kbak"


def backup_to_folder(*, source: str) -> Any:
    """A backup into BACKUP_DIR (kenshu-YYYYmmdd-HHMMSS.kbak), recorded as a BackupRun whether it
    worked or not, then the folder rotated: the newest BACKUP_KEEP_DAILY backups, and the first
    of each of the last BACKUP_KEEP_MONTHLY months, are kept."""
    import time

    from lifecycle.models import BackupRun

    folder = Path(settings.BACKUP_DIR)
    name = f"kenshu-{timezone.localtime():%Y%m%d-%H%M%S}{SUFFIX}"
    began = time.monotonic()
    try:
        make_backup(folder / name)
    except (BackupError, OSError) as exc:
        return BackupRun.objects.create(source=source, ok=False, file_name=name,
                                        seconds=round(time.monotonic() - began, 2),
                                        error=str(exc)[:500])  # fmt: skip
    run = BackupRun.objects.create(source=source, ok=True, file_name=name,
                                   size=(folder / name).stat().st_size,
                                   seconds=round(time.monotonic() - began, 2))  # fmt: skip
    rotate(folder)
    return run


def rotate(folder: Path) -> list[str]:
    """Remove the backups the rotation no longer keeps; returns their names."""
    backups = sorted((p for p in folder.glob(f"kenshu-*{SUFFIX}")), reverse=True)  # newest first
    keep = set(backups[: settings.BACKUP_KEEP_DAILY])
    months: dict[str, Path] = {}
    for path in sorted(backups):  # oldest first: the first of each month
        months.setdefault(path.name[7:13], path)
    for month in sorted(months, reverse=True)[: settings.BACKUP_KEEP_MONTHLY]:
        keep.add(months[month])
    removed = []
    for path in backups:
        if path not in keep:
            path.unlink()
            removed.append(path.name)
    return removed
