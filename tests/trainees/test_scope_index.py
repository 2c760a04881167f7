"""A coordinator's staff ("members of my organisations, not me") are read from an index alone
on PostgreSQL (trainees migration 0012, ``trainee_org_cover``): the reports to review, the
target lists' compliance and the places of one's staff all narrow to them first."""

from __future__ import annotations

import pytest

from tests.plans import plan
from tests.trainees.factories import OrganisationFactory, TraineeFactory, UserFactory
from trainees.models import Trainee

pytestmark = pytest.mark.usefixtures("requires_postgres")


def test_the_staff_of_a_coordinators_organisations_come_from_the_index_alone():
    mine, other = OrganisationFactory.create_batch(2)
    coordinator = UserFactory()
    TraineeFactory.create_batch(3, organisation=mine)
    TraineeFactory(organisation=mine, user=coordinator)
    TraineeFactory.create_batch(2, organisation=other)
    # As the pages ask for them: inside another query, so in no order.
    staff = (
        Trainee.objects.filter(organisation_id__in=[mine.pk]).exclude(user=coordinator).order_by()
    )

    # The index holds the id and the login, so the table is not read.
    assert "Index Only Scan using trainee_org_cover" in plan(staff.values("pk"))
    # And the answer is the same: the coordinator's own record is not among their staff.
    assert staff.count() == 3
    # What the index does not hold (the name) is read from the table, by the same index.
    assert "Index Scan using" in plan(staff.values("pk", "name"))
