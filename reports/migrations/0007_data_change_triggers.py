"""The change notes behind the dashboards' cache (reports.freshness): PostgreSQL's triggers on
every table the cached figures count from note, once per transaction, that the table changed.

- The places (enrollments_enrollment) change all day: applications, cancellations, progress.
  Only a change the figures can see is noted: a row that is or was counted (held — confirmed
  or absent — or completed) and whose counted columns moved. So an application and its
  cancellation, or a place's list of what is still missing, keep the figures.
- The other tables change seldom (a roster import, a course or its days edited, a record
  added): any statement on them is noted, a COPY and a TRUNCATE included.

On SQLite (the embedded default) nothing is installed and the figures are not kept: every
page counts afresh, as before. The values are written out here (not imported) so that this
migration keeps meaning what it meant; tests/reports/test_freshness.py checks them against the
code (HELD, Completion, the columns the figures read)."""

import secrets

from django.db import migrations, models

OTHER_TABLES = [
    "trainees_organisation",
    "trainees_trainee",
    "courses_course",
    "courses_sessionday",
    "courses_targetmember",
    "reports_historyrecord",
]
HELD = ("confirmed", "absent")  # reports.dashboards.HELD
COMPLETED = "completed"  # enrollments.models.Completion.COMPLETED
# The place's columns the cached figures read (and one they may: the validity).
COLUMNS = ["status", "completion", "course_id", "session_id", "trainee_id", "counted_in_id",
           "valid_until"]  # fmt: skip


def counted(row: str) -> str:
    """The place is counted: held, or completed."""
    held = ", ".join(f"'{status}'" for status in HELD)
    return f"({row}.status IN ({held}) OR {row}.completion = '{COMPLETED}')"


def columns(row: str) -> str:
    return "(" + ", ".join(f"{row}.{column}" for column in COLUMNS) + ")"


INSTALL = f"""
CREATE FUNCTION reports_note(changed_table text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    -- Once per transaction and table (the setting is the transaction's, rolled back with it
    -- and with a savepoint): the sum moves when the transaction commits, not per statement.
    IF current_setting('reports.noted_' || changed_table, true) IS DISTINCT FROM 'on' THEN
        INSERT INTO reports_datachange ("table", n) VALUES (changed_table, 1);
        PERFORM set_config('reports.noted_' || changed_table, 'on', true);
    END IF;
END $$;

CREATE FUNCTION reports_note_statement() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM reports_note(TG_TABLE_NAME);
    RETURN NULL;
END $$;

CREATE FUNCTION reports_note_places() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM changed WHERE {counted("changed")}) THEN
        PERFORM reports_note(TG_TABLE_NAME);
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION reports_note_places_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM before_rows b JOIN after_rows a ON a.id = b.id
        WHERE ({counted("b")} OR {counted("a")})
          AND {columns("b")} IS DISTINCT FROM {columns("a")}
    ) THEN
        PERFORM reports_note(TG_TABLE_NAME);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER reports_note_inserted AFTER INSERT ON enrollments_enrollment
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION reports_note_places();
CREATE TRIGGER reports_note_deleted AFTER DELETE ON enrollments_enrollment
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION reports_note_places();
CREATE TRIGGER reports_note_updated AFTER UPDATE ON enrollments_enrollment
    REFERENCING OLD TABLE AS before_rows NEW TABLE AS after_rows
    FOR EACH STATEMENT EXECUTE FUNCTION reports_note_places_updated();
CREATE TRIGGER reports_note_truncated AFTER TRUNCATE ON enrollments_enrollment
    FOR EACH STATEMENT EXECUTE FUNCTION reports_note_statement();
""" + "".join(
    f"""
CREATE TRIGGER reports_note_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION reports_note_statement();
"""
    for table in OTHER_TABLES
)

UNINSTALL = (
    "".join(
        f"DROP TRIGGER IF EXISTS reports_note_{name} ON enrollments_enrollment;\n"
        for name in ("inserted", "deleted", "updated", "truncated")
    )
    + "".join(
        f"DROP TRIGGER IF EXISTS reports_note_changed ON {table};\n" for table in OTHER_TABLES
    )
    + """
DROP FUNCTION IF EXISTS reports_note_places_updated();
DROP FUNCTION IF EXISTS reports_note_places();
DROP FUNCTION IF EXISTS reports_note_statement();
DROP FUNCTION IF EXISTS reports_note(text);
"""
)


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(INSTALL)
    # A random start, as after a restore: a cache that outlived its database (a new database
    # under the same cache) does not find this one's numbers.
    schema_editor.execute(
        "INSERT INTO reports_datachange (\"table\", n) VALUES ('epoch', %s)",
        [secrets.randbelow(2**40) + 1],
    )


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UNINSTALL)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0006_delete_certificatebatch"),
        ("enrollments", "0011_enrollment_counted_in"),
        ("courses", "0017_target_rule_concurrent_posts"),
        ("trainees", "0012_trainee_organisation_cover"),
    ]

    operations = [
        migrations.CreateModel(
            name="DataChange",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name="ID")),  # fmt: skip
                ("table", models.CharField(max_length=63)),
                ("n", models.BigIntegerField()),
            ],
            options={
                "indexes": [
                    models.Index(fields=["table"], include=("n",), name="datachange_table_sum")
                ],
            },
        ),
        migrations.RunPython(install, uninstall),
    ]
