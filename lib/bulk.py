"""Set-based inserts for the roster import.

On PostgreSQL rows go in with COPY (psycopg 3), an order of magnitude faster than
``bulk_create`` for tens of thousands of rows; elsewhere (SQLite in development) through
``bulk_create`` in batches. Callers look generated ids up afterwards by a natural key.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models

BATCH = 2000


def _concrete(model: type[models.Model], names: Sequence[str]) -> list[models.Field]:
    """The model's concrete fields by name (a relation's reverse side has no column)."""
    found = []
    for name in names:
        field = model._meta.get_field(name)
        assert isinstance(field, models.Field)  # noqa: S101 - the callers name columns
        found.append(field)
    return found


def insert_rows(
    model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(
            (model(**dict(zip(fields, row, strict=True))) for row in rows), batch_size=BATCH
        )
        return
    meta = model._meta
    model_fields = _concrete(model, fields)
    is_json = [isinstance(field, models.JSONField) for field in model_fields]
    columns = ", ".join(connection.ops.quote_name(str(field.column)) for field in model_fields)
    sql = f"COPY {connection.ops.quote_name(meta.db_table)} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(
                [
                    json.dumps(value, ensure_ascii=False) if js else value
                    for value, js in zip(row, is_json, strict=True)
                ]
            )


def update_rows(
    model: type[models.Model], fields: Sequence[str], objects: Sequence[models.Model]
) -> None:
    """Write ``fields`` of ``objects`` back, by primary key. On PostgreSQL: COPY into a temporary
    table shaped like the real one, then one ``UPDATE … FROM`` (Django's ``bulk_update`` builds a
    CASE expression per field and row, which costs seconds at ten thousand rows)."""
    if not objects:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_update(objects, fields, batch_size=BATCH)
        return
    meta = model._meta
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    pk = str(meta.pk.column if meta.pk is not None else "id")
    model_fields = _concrete(model, fields)
    columns = [quote(pk), *(quote(str(field.column)) for field in model_fields)]
    scratch = quote(f"bulk_update_{meta.db_table}")
    with connection.cursor() as cursor:
        # Identifiers below come from the model's metadata, quoted; values go through COPY.
        cursor.execute(
            f"CREATE TEMPORARY TABLE {scratch} ON COMMIT DROP AS "  # noqa: S608
            f"SELECT {', '.join(columns)} FROM {table} WITH NO DATA"
        )
        with cursor.cursor.copy(f"COPY {scratch} ({', '.join(columns)}) FROM STDIN") as copy:
            for obj in objects:
                row = [obj.pk]
                for field in model_fields:
                    value = getattr(obj, field.attname)
                    row.append(
                        json.dumps(value, ensure_ascii=False)
                        if isinstance(field, models.JSONField)
                        else value
                    )
                copy.write_row(row)
        assignments = ", ".join(
            f"{quote(str(f.column))} = s.{quote(str(f.column))}" for f in model_fields
        )
        key = quote(pk)
        cursor.execute(
            f"UPDATE {table} AS t SET {assignments} FROM {scratch} AS s "  # noqa: S608
            f"WHERE t.{key} = s.{key}"
        )
        cursor.execute(f"DROP TABLE {scratch}")
