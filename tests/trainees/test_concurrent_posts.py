"""兼務先 as links to organisations: the roster's words (however typed) linked to the organisation
they name, the 兼務先's coordinator seeing the person marked 兼務 (but not reviewing their
reports: those go where they belong), target rules that may count 兼務先, and a hand correction
re-linking."""

from __future__ import annotations

import pytest
from django.urls import reverse

from courses.models import TargetRule
from courses.selectors import target_queryset
from enrollments.models import Enrollment
from tests.courses.factories import CourseFactory, SessionFactory
from tests.enrollments.factories import enrol
from tests.trainees.factories import OrganisationFactory, TraineeFactory, UserFactory
from trainees.concurrent import concurrent_organisations_sync
from trainees.models import Trainee
from trainees.roles import Role
from trainees.roster_import import roster_import_commit, roster_import_preview

pytestmark = pytest.mark.django_db

ROSTER = (
    "職員番号,氏名,所属コード,兼務先,雇用区分\r\n"
    "004001,兼務 一郎,120100,区民部　区政情報課、存在しない課,正規\r\n"
    "004002,本務 二郎,130100,,正規\r\n"
)


@pytest.fixture
def ward():
    planning = OrganisationFactory(code="120100", name="企画政策部 企画政策課")
    info = OrganisationFactory(code="130100", name="区民部 区政情報課")
    return planning, info


def _import():
    preview = roster_import_preview(
        data=ROSTER.encode("cp932"), file_name="r.csv", mode="add", uploaded_by=None
    )
    assert preview.status == "previewed", preview.errors
    roster_import_commit(roster_import_id=preview.pk, committed_by=None)
    return Trainee.objects.get(staff_number="004001"), Trainee.objects.get(staff_number="004002")


def test_the_roster_links_the_posts_it_names_and_keeps_the_rest_as_words(ward):
    _planning, info = ward
    concurrent, own = _import()
    # The full-width space in the file does not stop the match; the unknown name stays words.
    assert list(concurrent.concurrent_organisations.all()) == [info]
    assert concurrent.concurrent_posts == ["区民部　区政情報課", "存在しない課"]
    assert not own.concurrent_organisations.exists()
    # Running the sync again changes nothing.
    assert concurrent_organisations_sync() == 0


def test_the_posts_coordinator_sees_the_person_marked_but_does_not_review(client, ward):
    _planning, info = ward
    concurrent, own = _import()
    coordinator = UserFactory(roles=[Role.COORDINATOR])
    coordinator.coordinated_organisations.add(info)
    client.force_login(coordinator)
    page = client.get(reverse("trainee_list")).content.decode()
    assert "兼務 一郎" in page and "本務 二郎" in page and "兼務" in page
    assert client.get(reverse("trainee_detail", args=[concurrent.pk])).status_code == 200
    # Filtering on the organisation keeps both its own staff and those with a post there.
    page = client.get(reverse("trainee_list"), {"organisation": info.pk, "status": "active"})
    assert "兼務 一郎" in page.content.decode()
    from trainees.selectors import trainee_scope

    assert set(trainee_scope(coordinator, concurrent=False)) == {own}


def test_a_target_rule_counts_the_posts_only_when_asked(ward):
    _planning, info = ward
    concurrent, own = _import()
    course = CourseFactory()
    rule = TargetRule.objects.create(course=course)
    rule.organisations.set([info])

    def chosen():
        queryset, _why = target_queryset(course, rule, completed=lambda *a, **k: [])
        return set(queryset)

    assert chosen() == {own}
    rule.include_concurrent_posts = True
    rule.save()
    assert chosen() == {own, concurrent}


def test_a_hand_correction_relinks(client, hr_admin, ward):
    planning, info = ward
    person = TraineeFactory(organisation=planning, concurrent_posts=[])
    client.force_login(hr_admin)
    form = client.get(reverse("trainee_edit", args=[person.pk])).context["form"]
    data = {k: v or "" for k, v in form.initial.items()}
    data.update(concurrent_posts="１３０１００", reason="兼務発令（コードで入力）")
    response = client.post(reverse("trainee_edit", args=[person.pk]), data)
    assert response.status_code == 302, response.context["form"].errors
    assert list(person.concurrent_organisations.all()) == [info]


def test_a_post_in_an_organisation_of_the_other_kind_is_not_linked(ward):
    _planning, _info = ward
    external = OrganisationFactory(code="EX09", name="社会福祉協議会", is_external=True)
    person = TraineeFactory(organisation=external, is_external=True,
                            concurrent_posts=["区民部 区政情報課"])  # fmt: skip
    concurrent_organisations_sync([person.pk])
    assert not person.concurrent_organisations.exists()


def test_the_scope_is_counted_once_a_person_whoever_holds_a_post_in_it(ward):
    """``trainee_scope_counted`` counts in two parts (the organisations' own staff, then the 兼務
    holders not already among them): a holder whose own organisation is also in the scope is
    counted once, a holder from outside once, an outsider not at all — the scope's own count,
    as HR's (everyone) and a trainee's (nobody) are."""
    from trainees.selectors import trainee_scope, trainee_scope_counted

    planning, info = ward
    sub_unit = OrganisationFactory(code="130101", name="区政情報係", parent=info)
    concurrent, own = _import()  # a post in 区政情報課 from 企画政策課; 区政情報課's own
    inside = TraineeFactory(organisation=sub_unit)
    inside.concurrent_organisations.add(info)  # own unit and post both in the scope
    outsider = TraineeFactory(organisation=planning)
    coordinator = UserFactory(roles=[Role.COORDINATOR])
    coordinator.coordinated_organisations.add(info)
    counted = trainee_scope_counted(coordinator)
    scope = counted.staff
    assert set(scope) == {concurrent, own, inside} == set(trainee_scope(coordinator))
    assert counted.headcount == 3 and outsider not in scope
    hr = UserFactory(roles=[Role.HR_ADMIN])
    everyone = trainee_scope_counted(hr)
    assert everyone.headcount == Trainee.objects.count() == 4
    nobody = trainee_scope_counted(UserFactory(roles=[Role.TRAINEE]))
    assert nobody.headcount == 0 and not nobody.staff.exists()
    # Each scope as a condition on the places' own trainee (as the nominations page joins it):
    # the same people.
    session = SessionFactory()
    for person in Trainee.objects.all():
        enrol(person, session)

    def placed(condition):
        return {place.trainee for place in Enrollment.objects.filter(condition)}

    assert placed(counted.on("trainee")) == {concurrent, own, inside}
    assert placed(everyone.on("trainee")) == set(Trainee.objects.all())
    assert placed(nobody.on("trainee")) == set()
