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


def test_a_page_chosen_on_keys_is_django_s_page(django_assert_num_queries):
    # Organisations whose codes run against the staff numbers: the order is the join's.
    units = [OrganisationFactory(code=code) for code in ("300000", "100000", "200000")]
    for n in range(11):
        TraineeFactory(staff_number=f"{500 - n:06d}", organisation=units[n % 3])
    listed = Trainee.objects.select_related("organisation").order_by(
        "organisation__code", "staff_number", "pk"
    )
    for number in ("1", "2", "3", "99", "x", None):
        django_s = Paginator(listed, 4).get_page(number)
        ours = page_of(listed, number, 4)
        assert [t.pk for t in ours] == [t.pk for t in django_s], number
        assert (ours.number, ours.paginator.num_pages, ours.paginator.count) == (
            django_s.number, django_s.paginator.num_pages, 11)  # fmt: skip
        assert (
            ours.has_next() == django_s.has_next() and ours.start_index() == django_s.start_index()
        )
    # The count, the page's keys, then its rows with what select_related joins: nothing more
    # when the page is shown.
    with django_assert_num_queries(3):
        page = page_of(listed, "2", 4)
        codes = [t.organisation.code for t in page]
    assert codes == ["200000", "200000", "200000", "300000"]


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
