"""lib.pages.page_of: the page Django's Paginator would give — the same rows in the same order,
the same numbering for a number out of range or not a number — read as keys first, then the
page's rows with their joins."""

from __future__ import annotations

import pytest
from django.core.paginator import Paginator

from lib.pages import page_of
from tests.trainees.factories import OrganisationFactory, TraineeFactory
from trainees.models import Trainee

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("counted_with_keys", [False, True])
def test_a_page_chosen_on_keys_is_django_s_page(django_assert_num_queries, counted_with_keys):
    # Organisations whose codes run against the staff numbers: the order is the join's.
    units = [OrganisationFactory(code=code) for code in ("300000", "100000", "200000")]
    for n in range(11):
        TraineeFactory(staff_number=f"{500 - n:06d}", organisation=units[n % 3])
    listed = Trainee.objects.select_related("organisation").order_by(
        "organisation__code", "staff_number", "pk"
    )
    # Full-width digits as typed with the IME; 0 and below give the last page, as Django's.
    # A number no list reaches, beyond a 64-bit OFFSET: the last page, not a database error.
    for number in ("1", "2", "3", "\uff12", "99", "0", "-1", "x", "2.5", None, 2, "9" * 30):
        django_s = Paginator(listed, 4).get_page(number)
        ours = page_of(listed, number, 4, counted_with_keys=counted_with_keys)
        assert [t.pk for t in ours] == [t.pk for t in django_s], number
        assert (ours.number, ours.paginator.num_pages, ours.paginator.count) == (
            django_s.number, django_s.paginator.num_pages, 11)  # fmt: skip
        assert (
            ours.has_next() == django_s.has_next() and ours.start_index() == django_s.start_index()
        )
    # The count, the page's keys (or the keys with the count: one query, the filters run
    # once), then its rows with what select_related joins: nothing more when it is shown.
    with django_assert_num_queries(2 if counted_with_keys else 3):
        page = page_of(listed, "2", 4, counted_with_keys=counted_with_keys)
        codes = [t.organisation.code for t in page]
    assert codes == ["200000", "200000", "200000", "300000"]
    assert (page.paginator.count, page.paginator.num_pages, page.end_index()) == (11, 3, 8)
    # Past the last page the keys with their count find nothing: then the count on its own
    # and the last page's keys, as Django's Paginator reads them.
    last = [t.pk for t in Paginator(listed, 4).page(3)]
    with django_assert_num_queries(4 if counted_with_keys else 3):
        assert [t.pk for t in page_of(listed, "99", 4, counted_with_keys=counted_with_keys)] == last


@pytest.mark.parametrize("counted_with_keys", [False, True])
def test_an_empty_list_is_one_empty_first_page(counted_with_keys):
    page = page_of(Trainee.objects.order_by("pk"), "3", 10, counted_with_keys=counted_with_keys)
    assert (list(page), page.number, page.paginator.count, page.paginator.num_pages) == (
        [], 1, 0, 1)  # fmt: skip


def test_a_row_gone_between_the_two_reads_is_left_out(monkeypatch):
    people = [TraineeFactory(staff_number=f"{n:06d}") for n in range(1, 4)]
    listed = Trainee.objects.order_by("staff_number")
    real = type(listed).filter

    def filter_after_a_delete(self, *args, **kwargs):  # the page's rows are read after it
        if "pk__in" in kwargs:
            Trainee.objects.filter(pk=people[1].pk).delete()
        return real(self, *args, **kwargs)

    monkeypatch.setattr(type(listed), "filter", filter_after_a_delete)
    assert [t.pk for t in page_of(listed, 1, 10)] == [people[0].pk, people[2].pk]


@pytest.mark.parametrize("counted_with_keys", [False, True])
def test_the_rows_can_be_read_by_their_keys_alone(counted_with_keys):
    """``rows_from``: the list's filters choose the page's keys; its rows come from the
    queryset given, by those keys only (the filters are not asked again), in the list's order
    and with what that queryset reads."""
    from django.db import connection
    from django.db.models import Value
    from django.test.utils import CaptureQueriesContext

    units = [OrganisationFactory(code=code) for code in ("100100", "100200", "900000")]
    for n in range(9):
        TraineeFactory(staff_number=f"{900 - n:06d}", organisation=units[n % 3])
    listed = Trainee.objects.filter(organisation__code__startswith="100").order_by(
        "-staff_number", "pk"
    )
    shown = Trainee.objects.select_related("organisation").annotate(shown=Value("yes"))
    with CaptureQueriesContext(connection) as queries:
        page = page_of(listed, "2", 4, counted_with_keys=counted_with_keys, rows_from=shown)
        codes = [(t.organisation.code, t.shown) for t in page]
    assert [t.pk for t in page] == [t.pk for t in Paginator(listed, 4).page(2)]
    assert codes == [("100100", "yes"), ("100200", "yes")]
    assert "LIKE" not in queries.captured_queries[-1]["sql"]
    # By default the rows are read from the list itself, its filters asked again.
    with CaptureQueriesContext(connection) as queries:
        page_of(listed, "2", 4, counted_with_keys=counted_with_keys)
    assert "LIKE" in queries.captured_queries[-1]["sql"]
