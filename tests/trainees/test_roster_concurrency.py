"""Two HR officers confirm two previews at the same moment: one wins, the other is stale."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from lib.imports import StaleImportError
from trainees.models import RosterImport, Trainee
from trainees.roster_import import roster_import_commit, roster_import_preview


@pytest.mark.django_db(transaction=True)
def test_concurrent_commits_apply_exactly_one_preview(requires_postgres, fixtures):
    data = (fixtures / "roster_sample_cp932.csv").read_bytes()
    for _ in range(5):
        Trainee.objects.all().delete()
        previews = [
            roster_import_preview(data=data, file_name=f"{n}.csv", mode="full", uploaded_by=None)
            for n in range(2)
        ]
        barrier = threading.Barrier(2)
        outcomes: list[str] = []

        def commit(record_id: int, barrier=barrier, outcomes=outcomes) -> None:
            try:
                barrier.wait()
                roster_import_commit(roster_import_id=record_id, committed_by=None)
                outcomes.append("committed")
            except StaleImportError:
                outcomes.append("stale")
            finally:
                connection.close()

        threads = [threading.Thread(target=commit, args=(p.pk,)) for p in previews]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(outcomes) == ["committed", "stale"]
        assert Trainee.objects.count() == 12
        statuses = set(
            RosterImport.objects.filter(pk__in=[p.pk for p in previews]).values_list(
                "status", flat=True
            )
        )
        assert statuses == {RosterImport.Status.COMMITTED, RosterImport.Status.STALE}
