"""Set-based writes (lib.bulk): COPY on PostgreSQL, bulk_create/bulk_update elsewhere — the
same rows either way, JSON columns included, and values are data, never SQL."""

from __future__ import annotations

import pytest

from lib.bulk import insert_rows, update_rows
from tests.trainees.factories import OrganisationFactory, TraineeFactory
from trainees.models import Organisation, Trainee

pytestmark = pytest.mark.django_db

HOSTILE = "総務課'); DROP TABLE trainees_trainee; --\t\\N"


def test_inserted_rows_read_back_exactly():
    parent = OrganisationFactory(code="100000")
    rows = [
        (f"{200000 + i}", f"課{i}" if i != 3 else HOSTILE, parent.pk, False, True)
        for i in range(2500)
    ]  # fmt: skip  (more than one batch)
    insert_rows(Organisation, ["code", "name", "parent_id", "is_external", "is_active"], rows)
    assert Organisation.objects.filter(parent=parent).count() == 2500
    assert Organisation.objects.get(code="200003").name == HOSTILE


def test_updated_rows_write_only_the_named_fields_json_included():
    people = [TraineeFactory(job_title="主事") for _ in range(3)]
    for person, posts in zip(people, [["福祉部"], [], [HOSTILE, "区長室"]], strict=True):
        person.concurrent_posts = posts
        person.job_title = "主任"  # not named: stays 主事
    update_rows(Trainee, ["concurrent_posts"], people)
    stored = {t.pk: t for t in Trainee.objects.filter(pk__in=[p.pk for p in people])}
    assert [stored[p.pk].concurrent_posts for p in people] == [["福祉部"], [], [HOSTILE, "区長室"]]
    assert {t.job_title for t in stored.values()} == {"主事"}


def test_nothing_to_update_is_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        update_rows(Trainee, ["job_title"], [])
