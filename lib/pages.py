"""A page of a long list, chosen on the rows' keys before their joins are read.

Django's Paginator counts and slices the queryset as it stands: a list of a city's completion
reports with each report's place, session, trainee and organisation joined in joins all 1,245
of a department's reports to sort them and keep 50. ``page_of`` counts and picks the page's
primary keys from the list's own filters and order (the select_related joins are left out of
both), then reads those rows with everything the page shows and puts them back in order."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Model, QuerySet


def page_of(queryset: QuerySet[Any], number: Any, per_page: int) -> Page:
    """Paginator(queryset, per_page).get_page(number), the same page (a number out of range
    or not a number gives the last or first page), read as keys first. ``queryset`` must be
    ordered to the last tie (a key makes it so), as for any page."""
    page = Paginator(queryset.values_list("pk", flat=True), per_page).get_page(number)
    keys = list(page.object_list)
    rows: dict[Any, Model] = {row.pk: row for row in queryset.filter(pk__in=keys)}
    # A row deleted between the two reads is left out rather than shown half.
    page.object_list = [rows[key] for key in keys if key in rows]
    return page
