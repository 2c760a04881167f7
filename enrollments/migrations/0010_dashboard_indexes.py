"""Two indexes the dashboards read at a city's size (PostgreSQL only: covering indexes).

- ``enrollment_course_status_cover``: a fiscal year's places by course and status with what the
  dashboards group and count by (organisation at the time, completion, trainee, session) — an
  index-only scan instead of fetching ~100,000 rows from the table (completion matrix, hours).
- ``enrollment_completed_trainee_course``: completed places by trainee and course with their
  expiry — the compliance count and the chase list probe it once per target-list member
  (compliance at 100,000 members: 420 → 155 ms).

SQLite (the embedded default) has neither INCLUDE nor the need; it keeps the plain indexes.
"""

from django.db import migrations

CREATE = [
    "CREATE INDEX IF NOT EXISTS enrollment_course_status_cover ON enrollments_enrollment "
    "(course_id, status) INCLUDE (id, organisation_id, completion, trainee_id, session_id)",
    "CREATE INDEX IF NOT EXISTS enrollment_completed_trainee_course ON enrollments_enrollment "
    "(trainee_id, course_id) INCLUDE (valid_until) WHERE completion = 'completed'",
]
DROP = [
    "DROP INDEX IF EXISTS enrollment_course_status_cover",
    "DROP INDEX IF EXISTS enrollment_completed_trainee_course",
]


def _run(statements: list[str]):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("enrollments", "0009_completion_decided_and_status_imports")]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP))]
