from __future__ import annotations

from celery import shared_task

from reports.freshness import data_changes_compact


@shared_task(ignore_result=True)
def compact_data_changes() -> int:
    """The dashboards' change notes, one row per table (hourly by beat; see reports.freshness)."""
    return data_changes_compact()
