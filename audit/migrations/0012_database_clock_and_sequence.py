"""The audit tables take their time from the database clock and their ids from their sequence.

Before this, the application's role could INSERT a row with any ``occurred_at`` (a login "last
year") or any id. A BEFORE INSERT trigger now sets ``occurred_at`` to the database's
``clock_timestamp()`` and refuses an id the table's sequence did not give, for every role but
the tables' owner (migrations, a restore). Who acted and from which address remain the
application's word: the database cannot know them (the hash chain of issue 20 makes any later
change to them visible).
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION audit_stamp_insert() RETURNS trigger AS $$
DECLARE
    owner name := (SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = TG_RELID);
    issued bigint;
BEGIN
    IF current_user = owner THEN
        RETURN NEW;
    END IF;
    BEGIN
        issued := currval(pg_get_serial_sequence(TG_TABLE_NAME, 'id'));
    EXCEPTION WHEN object_not_in_prerequisite_state THEN
        issued := NULL;
    END;
    IF issued IS DISTINCT FROM NEW.id THEN
        RAISE EXCEPTION 'audit rows take their id from the sequence (% on %)', NEW.id, TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    NEW.occurred_at := clock_timestamp();
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""
TABLES = ("audit_accesslog", "audit_auditevent")


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, params=None)
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_stamp BEFORE INSERT ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION audit_stamp_insert()"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_stamp ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS audit_stamp_insert()")


class Migration(migrations.Migration):
    dependencies = [("audit", "0011_mfa_reencrypted_kind")]

    operations = [migrations.RunPython(forwards, backwards)]
