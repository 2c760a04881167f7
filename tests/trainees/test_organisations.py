"""組織の管理 in HR's pages: add, rename from a day (places since then renamed, earlier ones keep
the name at the time), move in the tree, merge (staff transferred with their history, sub-units,
coordinators and 所属長 follow), close only when empty, re-open; each change kept and audited,
refusals named on their field with nothing written."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.models import AuditEvent
from enrollments.models import Enrollment
from enrollments.services import enrollments_stamp_organisation
from tests.courses.factories import SessionFactory
from tests.enrollments.factories import enrol
from tests.trainees.factories import OrganisationFactory, TraineeFactory, UserFactory
from trainees import organisations
from trainees.models import Organisation, OrganisationChange, SupervisorPost, TraineeChange
from trainees.roles import Role
from trainees.supervisors import supervisor_appoint

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 10, 15)


def _place_on(person, day):
    return enrol(person, SessionFactory(days=[day]))


def test_a_renaming_entered_late_renames_only_the_places_since(hr_admin):
    section = OrganisationFactory(name="福祉課")
    person = TraineeFactory(organisation=section)
    before = _place_on(person, datetime.date(2026, 9, 20))
    since = _place_on(person, datetime.date(2026, 10, 5))
    enrollments_stamp_organisation(today=TODAY)
    renamed = organisations.organisation_rename(
        organisation=section, name="福祉総務課", effective_on=datetime.date(2026, 10, 1),
        reason="組織改正", actor=hr_admin, today=TODAY,
    )  # fmt: skip
    assert renamed == 1
    names = dict(Enrollment.objects.values_list("pk", "organisation_name"))
    assert (names[before.pk], names[since.pk]) == ("福祉課", "福祉総務課")
    change = OrganisationChange.objects.get(organisation=section)
    assert (change.kind, change.changes["name"]) == ("renamed", ["福祉課", "福祉総務課"])
    assert AuditEvent.objects.filter(kind="organisation.renamed").count() == 1
    with pytest.raises(ValidationError) as refused:  # a day ahead: not yet true
        organisations.organisation_rename(
            organisation=section, name="別名", effective_on=TODAY + datetime.timedelta(days=1),
            reason="x", actor=hr_admin, today=TODAY,
        )  # fmt: skip
    assert "effective_on" in refused.value.message_dict


def test_a_merger_moves_staff_sub_units_coordinators_and_ends_the_posts(hr_admin):
    department = OrganisationFactory(code="140000", name="福祉部")
    old = OrganisationFactory(code="140300", name="高齢福祉課", parent=department)
    new = OrganisationFactory(code="140200", name="地域福祉課", parent=department)
    unit = OrganisationFactory(code="140310", name="介護保険係", parent=old)
    staff = [TraineeFactory(organisation=old) for _ in range(3)]
    gone = TraineeFactory(organisation=old, status="inactive")
    before = _place_on(staff[0], datetime.date(2026, 9, 20))
    since = _place_on(staff[0], datetime.date(2026, 10, 5))
    enrollments_stamp_organisation(today=TODAY)
    coordinator = UserFactory(roles=[Role.COORDINATOR])
    coordinator.coordinated_organisations.add(old)
    chief = TraineeFactory(organisation=old, user=UserFactory())
    supervisor_appoint(organisation=old, holder=chief, deputy=None,
                       starts_on=datetime.date(2026, 4, 1), ends_on=None, note="", actor=None)  # fmt: skip
    counts = organisations.organisation_merge(
        organisation=old, into=new, effective_on=datetime.date(2026, 10, 1),
        reason="組織改正", actor=hr_admin, today=TODAY,
    )  # fmt: skip
    assert counts == {"staff": 4, "sub_units": 1, "coordinators": 1, "posts_ended": 1}
    old.refresh_from_db()
    unit.refresh_from_db()
    gone.refresh_from_db()
    assert (old.is_active, old.merged_into, old.valid_to) == (
        False, new, datetime.date(2026, 9, 30))  # fmt: skip
    assert unit.parent == new and gone.organisation == old  # a leaver stays where they left
    assert all(t.organisation == new for t in (type(t).objects.get(pk=t.pk) for t in staff))
    assert (
        TraineeChange.objects.filter(kind="transferred", reason__contains="高齢福祉課").count() == 4
    )
    assert set(coordinator.coordinated_organisations.all()) == {old, new}
    assert SupervisorPost.objects.get(holder=chief).ends_on == datetime.date(2026, 9, 30)
    # History: the place before the merger stays under the old organisation (shown as the one
    # it became); the one since counts under the new.
    stamped = {e.pk: (e.organisation_id, e.organisation_name) for e in Enrollment.objects.all()}
    assert stamped[before.pk] == (old.pk, "高齢福祉課") and stamped[since.pk][0] == new.pk
    assert Organisation.objects.get(pk=old.pk).current == new
    with pytest.raises(ValidationError) as refused:  # already merged
        organisations.organisation_merge(organisation=old, into=new, reason="x", actor=hr_admin,
                                         effective_on=TODAY, today=TODAY)  # fmt: skip
    assert "into" in refused.value.message_dict


def test_a_merger_into_itself_a_sub_unit_or_another_kind_is_refused(hr_admin):
    parent = OrganisationFactory()
    child = OrganisationFactory(parent=parent)
    external = OrganisationFactory(is_external=True)
    for into in (parent, child, external):
        with pytest.raises(ValidationError):
            organisations.organisation_merge(organisation=parent, into=into, reason="x",
                                             actor=hr_admin, effective_on=TODAY, today=TODAY)  # fmt: skip
    parent.refresh_from_db()
    assert parent.is_active and not OrganisationChange.objects.exists()


def test_close_only_when_empty_and_reopen(hr_admin):
    section = OrganisationFactory()
    person = TraineeFactory(organisation=section)
    with pytest.raises(ValidationError, match="1"):
        organisations.organisation_close(organisation=section, on=TODAY, reason="廃止",
                                         actor=hr_admin)  # fmt: skip
    person.status = "inactive"
    person.save()
    organisations.organisation_close(organisation=section, on=TODAY, reason="廃止", actor=hr_admin)
    section.refresh_from_db()
    assert not section.is_active and section.valid_to == TODAY
    organisations.organisation_reopen(organisation=section, reason="誤り", actor=hr_admin)
    section.refresh_from_db()
    assert section.is_active and section.valid_to is None


def test_moving_under_its_own_sub_unit_is_refused(hr_admin):
    parent = OrganisationFactory()
    child = OrganisationFactory(parent=parent)
    with pytest.raises(ValidationError) as refused:
        organisations.organisation_move(organisation=parent, parent=child, effective_on=TODAY,
                                        reason="x", actor=hr_admin)  # fmt: skip
    assert "parent" in refused.value.message_dict


def test_hr_pages_add_rename_and_list(client, hr_admin, page_queries):
    client.force_login(hr_admin)
    department = OrganisationFactory(code="140000", name="福祉部")
    response = client.post(reverse("organisation_list"), {
        "code": "１４０４００", "name": "  子ども 福祉課 ", "parent": department.pk,
        "valid_from": "R8.4.1", "reason": "組織改正",
    })  # fmt: skip
    added = Organisation.objects.get(code="140400")
    assert response["Location"] == reverse("organisation_detail", args=[added.pk])
    assert (added.name, added.parent, added.valid_from) == (
        "子ども 福祉課", department, datetime.date(2026, 4, 1))  # fmt: skip
    page = client.post(reverse("organisation_list"), {
        "code": "140400", "name": "重複", "valid_from": "2026-04-01", "reason": "x",
    }).content.decode()  # fmt: skip
    assert "140400" in page and Organisation.objects.filter(name="重複").count() == 0
    response = client.post(reverse("organisation_detail", args=[added.pk]), {
        "action": "rename", "rename-name": "こども福祉課",
        "rename-effective_on": "2026-04-01", "rename-reason": "表記の統一",
    })  # fmt: skip
    assert response.status_code == 302
    added.refresh_from_db()
    assert added.name == "こども福祉課"
    page = client.get(reverse("organisation_detail", args=[added.pk])).content.decode()
    assert "表記の統一" in page and "子ども 福祉課 → こども福祉課" in page
    with page_queries("the tree", "active staff per organisation", "the form's parents",
                      mfa=True):  # fmt: skip
        assert client.get(reverse("organisation_list")).status_code == 200
    with page_queries("the organisation", "its changes", "active staff", "sub-units",
                      "its 所属長", "parents for the move form", "the merge form's choices",
                      mfa=True):  # fmt: skip
        assert client.get(reverse("organisation_detail", args=[added.pk])).status_code == 200
    assert client.get(reverse("organisation_history")).status_code == 200


def test_a_coordinator_s_scope_is_their_organisations_with_every_sub_unit():
    """Both readings of a coordinator's scope (the organisations for their pages, the ids that
    filter every list) hold the same units: their own and every unit below, once each even
    where they coordinate a unit and one of its sections; nothing beside or above."""
    from trainees.selectors import organisation_ids_in_scope, organisations_in_scope

    welfare = OrganisationFactory(code="200000", name="福祉部")
    section = OrganisationFactory(code="201000", name="福祉課", parent=welfare)
    team = OrganisationFactory(code="201100", name="福祉係", parent=section)
    sibling = OrganisationFactory(code="202000", name="介護保険課", parent=welfare)
    OrganisationFactory(code="300000", name="子ども家庭部")
    coordinator = UserFactory(roles=[Role.COORDINATOR])
    coordinator.coordinated_organisations.add(section, team)
    assert organisation_ids_in_scope(coordinator) == {section.pk, team.pk}
    shown = organisations_in_scope(coordinator)
    assert [(o.name, o.depth) for o in shown] == [("福祉課", 0), ("福祉係", 1)]
    coordinator.coordinated_organisations.add(welfare)
    expected = {welfare.pk, section.pk, team.pk, sibling.pk}
    assert organisation_ids_in_scope(coordinator) == expected
    assert {o.pk for o in organisations_in_scope(coordinator)} == expected
    assert organisation_ids_in_scope(UserFactory(roles=[Role.COORDINATOR])) == set()
