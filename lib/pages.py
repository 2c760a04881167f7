"""A page of a long list, chosen on the rows' keys before their joins are read.

Django's Paginator counts and slices the queryset as it stands: a list of a city's completion
reports with each report's place, session, trainee and organisation joined in joins all 1,245
of a department's reports to sort them and keep 50. ``page_of`` counts and picks the page's
primary keys from the list's own filters and order (the select_related joins are left out of
both), then reads those rows with everything the page shows and puts them back in order.

``counted_with_keys`` counts the list in the query that picks the keys (``COUNT(*) OVER ()``),
so that its filters run once rather than once for the count and once for the page. It pays
where every row must be read to order them anyway, and the filters are the cost — a
coordinator's completion reports, their scope's staff hashed for each of the two queries
(the page 78–113 → 55–76 ms at 100,000 staff). Where an index gives the order, the page's keys
alone stop after fifty rows and the window would read them all: the nominations page's staff
× courses 106 → 450 ms in that order, a test's results 84 → 147 ms. So it is asked for, not
the default.

An index that gives the order pays only when the page's rows come early in it. The nominations
page's staff × courses are in their organisations' code order, and a coordinator's organisations
are a run of codes: PostgreSQL walked the codes from the first, reading every member of staff of
the organisations before theirs, so the page's keys took 8 ms for the first 部 in code order
and 73 ms for the eleventh. ``by_code`` orders a code by its bytes, an order no index gives: the
rows in scope are hashed, counted and sorted in one query (41–43 ms for any 部, where the count
alone took 22)."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Count, F, Model, QuerySet, Window
from django.db.models.functions import Collate

# Far beyond any list (a million pages), and well inside an OFFSET's 64-bit integer.
_LAST_PAGE_ASKED = 1_000_000


def page_of(
    queryset: QuerySet[Any],
    number: Any,
    per_page: int,
    *,
    counted_with_keys: bool = False,
    rows_from: QuerySet[Any] | None = None,
) -> Page:
    """Paginator(queryset, per_page).get_page(number), the same page (a number out of range
    or not a number gives the last or first page), read as keys first. ``queryset`` must be
    ordered to the last tie (a key makes it so), as for any page; with ``counted_with_keys``
    it must also list each row once (no DISTINCT: the window counts the rows before it).

    ``rows_from``: where the page's rows are read by their keys, with what the page shows; by
    default the list itself, its filters asked again. A list whose filters are a scope (a
    department's hundreds of organisations, its staff as a subquery) passes the model's rows
    instead: the keys were chosen by those filters in this call, and asking them again of
    fifty keys cost more to build and plan than to run (the nominations page's 50 places 14–19
    → 9–13 ms at 100,000 staff)."""
    paginator = Paginator(queryset.values_list("pk", flat=True), per_page)
    keys: list[Any] = []
    page: Page | None = None
    wanted = _page_number(number)
    # A page number past any list (typed, or hostile: ?page=999…9) goes to get_page, which
    # compares it with the count; as an OFFSET it would overflow the database's integer.
    if counted_with_keys and 1 <= wanted <= _LAST_PAGE_ASKED:
        start = (wanted - 1) * per_page
        listed = queryset.annotate(_listed=Window(Count("*"))).values_list("pk", "_listed")
        if rows := list(listed[start : start + per_page]):
            paginator.count = rows[0][1]  # counted with the keys (a cached property)
            keys = [key for key, _ in rows]
            page = Page(keys, wanted, paginator)
    if page is None:  # past the last page, an empty list, not a page number: as Django does
        page = paginator.get_page(number)
        keys = list(page.object_list)
    read = queryset if rows_from is None else rows_from
    rows_by_key: dict[Any, Model] = {row.pk: row for row in read.filter(pk__in=keys)}
    # A row deleted between the two reads is left out rather than shown half.
    page.object_list = [rows_by_key[key] for key in keys if key in rows_by_key]
    return page


def by_code(field: str) -> Collate | F:
    """``field`` (a code of digits and letters) in the order of its bytes, as a list's sort key
    that no index gives (the module's docstring says why). PostgreSQL's "C"; SQLite compares
    bytes already."""
    if connection.vendor == "postgresql":
        return Collate(F(field), "C")
    return F(field)


def _page_number(number: Any) -> int:
    """The page asked for, read as Paginator.get_page reads it but without counting the list:
    anything but a whole number (none given, "x", "2.5") is page 1; 0 and below are left to
    get_page (which gives the last page)."""
    if isinstance(number, float) and not number.is_integer():
        return 1
    try:
        return int(number)
    except (TypeError, ValueError):
        return 1
