from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from config import env

ROOT = Path(__file__).resolve().parents[2]


# The child processes get a clean environment: no services, no test-only switches.
DROPPED = {"DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE"}


def clean_environ() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in DROPPED}


def run_python(code: str, **environ: str) -> subprocess.CompletedProcess:
    base = clean_environ()
    base.update(environ)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_env_bool_names_the_variable_on_a_bad_value(monkeypatch):
    monkeypatch.setenv("SOME_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="SOME_FLAG"):
        env.env_bool("SOME_FLAG", default=False)
    monkeypatch.setenv("SOME_FLAG", "Yes")
    assert env.env_bool("SOME_FLAG", default=False) is True


def test_env_int_and_choice_are_strict(monkeypatch):
    monkeypatch.setenv("SESSION_IDLE_MINUTES", "thirty")
    with pytest.raises(ImproperlyConfigured, match="SESSION_IDLE_MINUTES"):
        env.env_int("SESSION_IDLE_MINUTES", 30)
    monkeypatch.setenv("SESSION_IDLE_MINUTES", "0")
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        env.env_int("SESSION_IDLE_MINUTES", 30, minimum=1)
    monkeypatch.setenv("DJANGO_ENV", "staging")
    with pytest.raises(ImproperlyConfigured, match="DJANGO_ENV"):
        env.env_choice("DJANGO_ENV", "development", {"development", "production"})


def test_secrets_can_come_from_files(monkeypatch, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("s3cret-from-file\n", encoding="utf-8")
    monkeypatch.delenv("EMAIL_HOST_PASSWORD", raising=False)
    monkeypatch.setenv("EMAIL_HOST_PASSWORD_FILE", str(secret))
    assert env.env_str("EMAIL_HOST_PASSWORD", "") == "s3cret-from-file"
    monkeypatch.setenv("EMAIL_HOST_PASSWORD", "also-set")
    with pytest.raises(ImproperlyConfigured, match="not both"):
        env.env_str("EMAIL_HOST_PASSWORD", "")
    monkeypatch.delenv("EMAIL_HOST_PASSWORD")
    monkeypatch.setenv("EMAIL_HOST_PASSWORD_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured, match="EMAIL_HOST_PASSWORD_FILE"):
        env.env_str("EMAIL_HOST_PASSWORD", "")


SHOW_SETTINGS = (
    "import json, django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings.base';"
    "from django.conf import settings as s;"
    "db = s.DATABASES['default'];"
    "print(json.dumps({'db': db['ENGINE'], 'opts': db.get('OPTIONS', {}),"
    " 'eager': s.CELERY_TASK_ALWAYS_EAGER, 'cache': s.CACHES['default']['BACKEND'],"
    " 'mail': s.EMAIL_BACKEND, 'health': db.get('CONN_HEALTH_CHECKS')}))"
)


def test_embedded_defaults_without_environment(tmp_path):
    result = run_python(SHOW_SETTINGS, VAR_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["db"] == "django.db.backends.sqlite3"
    assert shown["opts"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in shown["opts"]["init_command"]
    assert shown["eager"] is True
    assert shown["cache"].endswith("LocMemCache")
    assert shown["mail"].endswith("filebased.EmailBackend")
    assert (tmp_path / "secret_key").exists()  # generated once for development


def test_services_from_environment(tmp_path):
    result = run_python(
        SHOW_SETTINGS,
        VAR_DIR=str(tmp_path),
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/kenshu",
        REDIS_URL="redis://127.0.0.1:6379/0",
        EMAIL_HOST="smtp.example.jp",
    )
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["db"] == "django.db.backends.postgresql"
    assert shown["health"] is True
    assert shown["eager"] is False
    assert shown["cache"].endswith("RedisCache")
    assert shown["mail"].endswith("smtp.EmailBackend")


@pytest.mark.parametrize(
    ("variable", "value"),
    [("DATABASE_URL", "mysql://x@y/z"), ("REDIS_URL", "localhost:6379"), ("EMAIL_USE_TLS", "sure"),
     ("DATABASE_RANDOM_PAGE_COST", "fast"), ("DATABASE_PARALLEL_WORKERS", "-1")],
)  # fmt: skip
def test_bad_service_settings_fail_naming_the_variable(tmp_path, variable, value):
    environ = {"VAR_DIR": str(tmp_path), variable: value}
    if variable.startswith("DATABASE_") and variable != "DATABASE_URL":
        environ["DATABASE_URL"] = "postgres://kenshu@127.0.0.1:5432/kenshu"
    if variable == "EMAIL_USE_TLS":
        environ["EMAIL_HOST"] = "smtp.example.jp"
    result = run_python(SHOW_SETTINGS, **environ)
    assert result.returncode != 0
    assert variable in result.stderr


def test_the_portal_s_connections_plan_for_data_in_memory_and_without_jit(requires_postgres):
    """The portal's PostgreSQL connection reads an index as cheap (random_page_cost, from
    DATABASE_RANDOM_PAGE_COST), compiles nothing (jit) and starts no parallel workers for a
    query (DATABASE_PARALLEL_WORKERS); the access log's own connection and the replica's are
    opened with the same options."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW random_page_cost")
        assert float(cursor.fetchone()[0]) == settings.DATABASE_RANDOM_PAGE_COST == 1.1
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert int(cursor.fetchone()[0]) == settings.DATABASE_PARALLEL_WORKERS == 0
    for alias in ("audit", "replica"):
        if alias in settings.DATABASES:
            options = settings.DATABASES[alias]["OPTIONS"]["options"]
            assert options.startswith(settings.PG_SESSION_OPTIONS)


KEYS = {"SECRET_KEY": "s" * 60, "DATA_ENCRYPTION_KEY": "m" * 60, "CERTIFICATE_KEY": "c" * 60,
        "AUDIT_HEAD_KEY": "h" * 60}  # fmt: skip


@pytest.mark.parametrize("missing", list(KEYS))
def test_production_requires_each_key(tmp_path, missing):
    result = run_python(
        SHOW_SETTINGS,
        VAR_DIR=str(tmp_path),
        DJANGO_ENV="production",
        ALLOWED_HOSTS="kenshu.example.jp",
        **{name: value for name, value in KEYS.items() if name != missing},
    )
    assert result.returncode != 0
    assert f"{missing} (or {missing}_FILE) must be set" in result.stderr


def test_production_requires_the_portal_url_and_development_follows_the_port(tmp_path):
    show = (
        "import os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings.base';"
        "from django.conf import settings as s; print(s.PORTAL_BASE_URL)"
    )
    result = run_python(
        show, VAR_DIR=str(tmp_path), DJANGO_ENV="production", ALLOWED_HOSTS="kenshu.example.jp",
        **KEYS,
    )  # fmt: skip
    assert result.returncode != 0 and "PORTAL_BASE_URL" in result.stderr
    result = run_python(show, VAR_DIR=str(tmp_path), PORT="8123")
    assert result.stdout.strip() == "http://127.0.0.1:8123", result.stderr


def test_deploy_check_passes_with_zero_warnings_in_production(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={
            **clean_environ(),
            "VAR_DIR": str(tmp_path),
            "DJANGO_ENV": "production",
            "SECRET_KEY": "x" * 20 + "-production-secret-for-the-deploy-check-1234567890",
            "DATA_ENCRYPTION_KEY": "m" * 60,
            "CERTIFICATE_KEY": "c" * 60,
            "AUDIT_HEAD_KEY": "h" * 60,
            "ALLOWED_HOSTS": "kenshu.example.jp",
            "PORTAL_BASE_URL": "https://kenshu.example.jp",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


SHOW_MATERIALS = (
    "import json, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings.base';"
    "from django.conf import settings as s;"
    "m = s.STORAGES['materials'];"
    "print(json.dumps({'backend': m['BACKEND'], 'options': {k: str(v) for k, v in"
    " m['OPTIONS'].items()}, 'serve': s.MATERIALS_SERVE, 'limit': s.MATERIALS_MAX_UPLOAD_BYTES}))"
)


def test_materials_are_private_files_by_default(tmp_path):
    result = run_python(SHOW_MATERIALS, VAR_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["backend"].endswith("FileSystemStorage")
    assert shown["options"]["location"] == str(tmp_path / "materials")
    assert (shown["serve"], shown["limit"]) == ("django", 1024 * 1024 * 1024)


def test_materials_on_s3_by_settings_alone(tmp_path):
    result = run_python(
        SHOW_MATERIALS,
        VAR_DIR=str(tmp_path),
        MATERIALS_STORAGE="s3",
        MATERIALS_S3_BUCKET="kenshu-materials",
        MATERIALS_S3_ENDPOINT_URL="https://s3.example.jp",
        MATERIALS_MAX_UPLOAD_MB="2048",
    )
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["backend"] == "storages.backends.s3.S3Storage"
    assert shown["options"]["bucket_name"] == "kenshu-materials"
    assert shown["options"]["default_acl"] == "private"
    assert shown["options"]["querystring_auth"] == "True"
    assert shown["limit"] == 2048 * 1024 * 1024


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"MATERIALS_STORAGE": "s3"}, "MATERIALS_S3_BUCKET"),
        ({"MATERIALS_SERVE": "apache"}, "MATERIALS_SERVE"),
        ({"MATERIALS_MAX_PLAYBACK_RATE": "fast"}, "MATERIALS_MAX_PLAYBACK_RATE"),
    ],
)
def test_bad_materials_settings_fail_naming_the_variable(tmp_path, environ, named):
    result = run_python(SHOW_MATERIALS, VAR_DIR=str(tmp_path), **environ)
    assert result.returncode != 0 and named in result.stderr
