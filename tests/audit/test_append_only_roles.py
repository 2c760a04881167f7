"""The audit tables hold against the application's own database credentials (PostgreSQL).

Two roles, as in production: the owner (here the test database's user, who ran the migrations)
and an application role with DML rights on every table but owning none. Every way the
application role might change or empty the audit tables is refused; the owner's purge path
(SET LOCAL audit.allow_purge in its own transaction) works.
"""

from __future__ import annotations

import datetime

import psycopg
import pytest
from django.db import connection, transaction
from django.utils import timezone

from audit.chain import seal
from audit.models import AccessLog, AuditEvent, ChainSeal

pytestmark = pytest.mark.django_db(transaction=True)

APP_ROLE = "kenshu_app_test"


@pytest.fixture
def app_connection(requires_postgres):
    """A connection as a role that may SELECT/INSERT/UPDATE/DELETE/TRUNCATE every table (the
    widest an application role would get) but owns none of them."""
    settings = connection.settings_dict
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [APP_ROLE])
        if cursor.fetchone() is None:
            cursor.execute(f"CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOCREATEROLE")
        cursor.execute(f'GRANT CONNECT ON DATABASE "{settings["NAME"]}" TO {APP_ROLE}')
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {APP_ROLE}")
        cursor.execute(
            "GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA public "
            f"TO {APP_ROLE}"
        )
        cursor.execute(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}")
    app = psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        dbname=settings["NAME"],
        user=APP_ROLE,
    )
    yield app
    app.close()
    with connection.cursor() as cursor:
        cursor.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {APP_ROLE}")
        cursor.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {APP_ROLE}")
        cursor.execute(f"REVOKE ALL ON SCHEMA public FROM {APP_ROLE}")
        cursor.execute(f'REVOKE ALL ON DATABASE "{settings["NAME"]}" FROM {APP_ROLE}')


ATTACKS = [
    ("UPDATE", ["UPDATE audit_auditevent SET login_id = 'changed'"]),
    ("DELETE", ["DELETE FROM audit_auditevent"]),
    ("purge setting", ["SET LOCAL audit.allow_purge = 'on'", "DELETE FROM audit_auditevent"]),
    ("purge setting, update", [
        "SET LOCAL audit.allow_purge = 'on'", "UPDATE audit_accesslog SET path = '/'",
    ]),
    ("TRUNCATE", ["TRUNCATE audit_auditevent"]),
    ("TRUNCATE both", ["TRUNCATE audit_accesslog, audit_auditevent"]),
    ("UPDATE a seal", ["UPDATE audit_chainseal SET hash = 'forged'"]),
    ("DELETE the seals", ["DELETE FROM audit_chainseal"]),
    ("TRUNCATE the seals", ["TRUNCATE audit_chainseal"]),
    ("replication role", [
        "SET session_replication_role = replica", "DELETE FROM audit_auditevent",
    ]),
    ("disable trigger", [
        "ALTER TABLE audit_auditevent DISABLE TRIGGER ALL", "DELETE FROM audit_auditevent",
    ]),
    ("drop trigger", [
        "DROP TRIGGER audit_auditevent_append_only ON audit_auditevent",
        "DELETE FROM audit_auditevent",
    ]),
    ("replace function", [
        "CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger AS "
        "$$ BEGIN RETURN OLD; END; $$ LANGUAGE plpgsql",
        "DELETE FROM audit_auditevent",
    ]),
]  # fmt: skip


@pytest.mark.parametrize(("name", "statements"), ATTACKS, ids=[a[0] for a in ATTACKS])
def test_the_application_role_cannot_change_or_empty_the_audit_tables(
    app_connection, name, statements
):
    AuditEvent.objects.create(kind="login.failed", login_id="kept")
    AccessLog.objects.create(
        request_id="00000000-0000-0000-0000-000000000009", method="GET", path="/me/",
        status_code=200, duration_ms=1.0,
    )  # fmt: skip
    sealed = seal("access", now=timezone.now() + datetime.timedelta(hours=1)).hash
    with (
        pytest.raises(psycopg.Error) as refused,
        app_connection.transaction(),
        app_connection.cursor() as cursor,
    ):
        for statement in statements:
            cursor.execute(statement)
    # Refused for want of the right (the trigger, ownership or superuser), not by accident.
    assert refused.value.sqlstate == "42501", refused.value
    assert list(AuditEvent.objects.values_list("login_id", flat=True)) == ["kept"]
    assert list(AccessLog.objects.values_list("path", flat=True)) == ["/me/"]
    assert ChainSeal.objects.get().hash == sealed


def test_the_application_role_may_write_and_read_the_audit_tables(app_connection):
    with app_connection.transaction(), app_connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_auditevent (kind, occurred_at, username, login_id, detail) "
            "VALUES ('login.failed', now(), '', 'app', '{}')"
        )
        cursor.execute("SELECT count(*) FROM audit_auditevent")
        assert cursor.fetchone() == (1,)


def test_the_owner_purges_only_when_its_transaction_says_so(app_connection):
    AuditEvent.objects.create(kind="login.failed", login_id="old")
    with (
        pytest.raises(Exception, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM audit_auditevent")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL audit.allow_purge = 'on'")
        cursor.execute("DELETE FROM audit_auditevent")
    assert not AuditEvent.objects.exists()


def test_the_application_role_cannot_choose_the_time_or_the_id(app_connection):
    """Issue 18, item 12: a row dated last year, or numbered by the caller, is not possible."""
    with app_connection.transaction(), app_connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_auditevent (kind, occurred_at, username, login_id, detail) "
            "VALUES ('login.succeeded', '2001-01-01 09:00+09', '', 'backdated', '{}') "
            "RETURNING occurred_at, clock_timestamp()"
        )
        stored, now = cursor.fetchone()
    assert abs((now - stored).total_seconds()) < 5  # the database's clock, not the caller's
    for table, columns, values in [
        ("audit_auditevent", "id, kind, occurred_at, username, login_id, detail",
         "987654, 'login.succeeded', now(), '', 'forged', '{}'"),
        ("audit_accesslog", "id, occurred_at, request_id, username, roles, method, path, "
         "query_keys, view_name, status_code, duration_ms",
         "987654, now(), gen_random_uuid(), '', '', 'GET', '/', '', '', 200, 1"),
    ]:  # fmt: skip
        with (
            pytest.raises(psycopg.Error) as refused,
            app_connection.transaction(),
            app_connection.cursor() as cursor,
        ):
            cursor.execute(f"INSERT INTO {table} ({columns}) VALUES ({values})")  # noqa: S608 - constants
        assert refused.value.sqlstate == "42501", refused.value
    assert not AuditEvent.objects.filter(login_id="forged").exists()
    assert not AccessLog.objects.filter(pk=987654).exists()
