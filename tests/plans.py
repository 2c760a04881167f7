"""What PostgreSQL's planner would do with a query, asked as at a city's size: with a test's few
rows it would read each table whole, so sequential and bitmap scans are turned off for the one
EXPLAIN (inside the test's transaction)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import QuerySet


def explain(sql: str, params: Sequence[Any] | None = None) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def plan(queryset: QuerySet) -> str:
    sql, params = queryset.query.sql_with_params()
    return explain(sql, params)
