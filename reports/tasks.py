from __future__ import annotations

from celery import shared_task

from reports.dashboards import whole_ward_figures_warm
from reports.freshness import data_changes_compact


@shared_task(ignore_result=True)
def compact_data_changes() -> int:
    """The dashboards' change notes, one row per table (hourly by beat; see reports.freshness)."""
    return data_changes_compact()


@shared_task(ignore_result=True)
def warm_dashboard_figures() -> bool:
    """The current year's whole-ward figures counted after a change, before anyone asks (every
    minute by beat; see reports.dashboards.whole_ward_figures_warm)."""
    return whole_ward_figures_warm()
