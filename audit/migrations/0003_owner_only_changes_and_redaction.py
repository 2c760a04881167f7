"""The audit tables hold against the application's own database credentials.

The application runs as a role that may insert and read but does not own the tables (see
README, "Database roles"). Rows can be changed or removed only by the tables' owner (migrations,
the retention job) and only in a transaction that says so (``SET LOCAL audit.allow_purge =
'on'``): a setting alone no longer lets anyone through, since any role can set it. TRUNCATE is
refused to everyone but the owner (row triggers do not fire on it). Switching triggers off
(``ALTER TABLE … DISABLE TRIGGER``) needs ownership, ``session_replication_role`` a superuser.

Then the access-log paths that carried a secret (password-reset links) are redacted.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger AS $$
DECLARE
    is_owner boolean := current_user = (
        SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = TG_RELID
    );
BEGIN
    IF TG_OP = 'TRUNCATE' AND is_owner THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') AND is_owner
            AND current_setting('audit.allow_purge', true) = 'on' THEN
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit rows are append-only (% on %)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""
TABLES = ("audit_accesslog", "audit_auditevent")
SECRET_PATH_PREFIXES = ("/accounts/password/reset/key/", "/accounts/confirm-email/")
KEEP = ("/accounts/password/reset/key/done/", "/accounts/confirm-email/")


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        redact(schema_editor)
        return
    schema_editor.execute(FUNCTION, params=None)
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()"
        )
    schema_editor.execute("SET LOCAL audit.allow_purge = 'on'", params=None)
    redact(schema_editor)
    schema_editor.execute("SET LOCAL audit.allow_purge = 'off'", params=None)


def redact(schema_editor):
    for prefix in SECRET_PATH_PREFIXES:
        schema_editor.execute(
            "UPDATE audit_accesslog SET path = %s WHERE path LIKE %s AND path NOT IN (%s, %s)",
            params=[prefix + "[redacted]", prefix + "_%", *KEEP],
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_trigger")]
    operations = [migrations.RunPython(forwards, backwards)]
