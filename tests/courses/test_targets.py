"""研修対象者: conditions, preview with reasons, frozen list, manual additions and removals."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from courses.models import TargetMember, TargetRule
from courses.selectors import target_matches
from courses.services import target_member_add, target_member_remove
from enrollments.selectors import completed_trainee_ids
from enrollments.services import target_list_freeze
from tests.courses.factories import CourseFactory
from tests.enrollments.factories import completed
from tests.trainees.factories import OrganisationFactory, TraineeFactory
from trainees.models import EmploymentType, TraineeStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def ward():
    welfare = OrganisationFactory(code="140000", name="福祉部")
    section = OrganisationFactory(code="140100", name="福祉部 福祉政策課", parent=welfare)
    other = OrganisationFactory(code="110100", name="総務部 総務課")
    external = OrganisationFactory(code="EX02", name="社会福祉協議会", is_external=True)
    people = {
        "new_welfare": TraineeFactory(organisation=section, hire_date=datetime.date(2026, 4, 1)),
        "old_welfare": TraineeFactory(organisation=section, hire_date=datetime.date(2001, 4, 1),
                                      promotion_date=datetime.date(2026, 4, 1)),
        "new_other": TraineeFactory(organisation=other, hire_date=datetime.date(2026, 4, 1)),
        "fiscal": TraineeFactory(organisation=section, hire_date=datetime.date(2026, 4, 1),
                                 employment_type=EmploymentType.FISCAL_YEAR),
        "left": TraineeFactory(organisation=section, hire_date=datetime.date(2026, 4, 1),
                               status=TraineeStatus.LEFT),
        "external": TraineeFactory(organisation=external, is_external=True,
                                   hire_date=datetime.date(2026, 4, 1)),
    }  # fmt: skip
    return welfare, people


def matched(course):
    return {m.trainee_id for m in target_matches(course, completed=completed_trainee_ids)}


def test_new_hires_of_an_organisation_and_its_sub_units(ward):
    welfare, people = ward
    course = CourseFactory(fiscal_year=2026)
    rule = TargetRule.objects.create(course=course, hired_this_fiscal_year=True)
    rule.organisations.add(welfare)
    assert matched(course) == {people["new_welfare"].pk, people["fiscal"].pk}
    rule.employment_types = [EmploymentType.REGULAR]
    rule.save()
    assert matched(course) == {people["new_welfare"].pk}
    assert target_matches(course, completed=completed_trainee_ids)[0].reasons == [
        "organisation", "employment_type", "hired_this_fiscal_year",
    ]  # fmt: skip
    rule.include_sub_organisations = False
    rule.save()
    assert matched(course) == set()


def test_promoted_this_year_and_years_of_service(ward):
    _welfare, people = ward
    course = CourseFactory(fiscal_year=2026)
    TargetRule.objects.create(course=course, promoted_this_fiscal_year=True)
    assert matched(course) == {people["old_welfare"].pk}
    course2 = CourseFactory(fiscal_year=2026)
    TargetRule.objects.create(course=course2, min_years_of_service=20)
    assert matched(course2) == {people["old_welfare"].pk}
    course3 = CourseFactory(fiscal_year=2026)
    TargetRule.objects.create(course=course3, max_years_of_service=0, include_external=True)
    assert matched(course3) == {
        people["new_welfare"].pk, people["new_other"].pk, people["fiscal"].pk, people["external"].pk,
    }  # fmt: skip


def test_freeze_keeps_manual_additions_and_removals(ward):
    welfare, people = ward
    course = CourseFactory(fiscal_year=2026)
    rule = TargetRule.objects.create(course=course, hired_this_fiscal_year=True)
    rule.organisations.add(welfare)
    assert target_list_freeze(course=course, actor=None) == 2
    target_member_add(course=course, staff_number=people["new_other"].staff_number, actor=None)
    fiscal = TargetMember.objects.get(course=course, trainee=people["fiscal"])
    target_member_remove(member=fiscal, actor=None)
    # Freezing again: the manual addition stays, the removal sticks.
    assert target_list_freeze(course=course, actor=None) == 2
    listed = set(
        TargetMember.objects.filter(course=course, excluded=False).values_list(
            "trainee_id", flat=True
        )
    )
    assert listed == {people["new_welfare"].pk, people["new_other"].pk}


def test_target_page_previews_and_freezes(client, hr_admin, ward, page_queries):
    welfare, people = ward
    course = CourseFactory(fiscal_year=2026)
    client.force_login(hr_admin)
    response = client.post(
        reverse("course_targets", args=[course.pk]),
        {"organisations": [welfare.pk], "include_sub_organisations": "on", "hired_this_fiscal_year": "on",
         "employment_types": ["正規"], "job_titles": "", "job_categories": ""},
    )  # fmt: skip
    assert response.status_code == 302
    page = client.get(reverse("course_targets", args=[course.pk]))
    assert page.context["match_count"] == 1
    assert "今年度の採用" in page.content.decode()
    client.post(reverse("course_targets_freeze", args=[course.pk]))
    assert TargetMember.objects.filter(course=course).count() == 1
    response = client.post(
        reverse("course_targets_add", args=[course.pk]), {"staff_number": "999999"}, follow=True
    )
    assert "999999" in response.content.decode()  # "no staff member in post has the number"
    TraineeFactory.create_batch(
        30, organisation=people["new_welfare"].organisation, hire_date=datetime.date(2026, 5, 1)
    )
    client.post(reverse("course_targets_freeze", args=[course.pk]))
    client.get(reverse("course_targets", args=[course.pk]))  # shows (removes) the message
    # The page's queries do not grow with the people matched or listed. The order form's
    # sessions are read twice: Django reads a select's options for rendering and for its
    # "required" attribute.
    with page_queries("the course", "its rule", "the rule's organisations", "the organisation "
                      "tree", "the matches", "the list: count", "the list: the page",
                      "organisation choices", "organisation choices (excluded)",
                      "the order form's sessions", "the order form's sessions (required)",
                      "the order form's organisations"):  # fmt: skip
        page = client.get(reverse("course_targets", args=[course.pk]))
    assert page.status_code == 200 and page.context["match_count"] == 31


def test_a_new_rules_empty_lists_are_shown_empty(client, hr_admin):
    """Regression: the empty job-title list of a new rule was rendered as the text "[]", and
    saving the form unchanged then matched nobody."""
    from courses.forms import TargetRuleForm
    from courses.models import TargetRule

    course = CourseFactory()
    form = TargetRuleForm(instance=TargetRule(course=course))
    assert form["job_titles"].value() == "" and form["job_categories"].value() == ""


def test_those_who_completed_an_annual_course_are_left_out():
    """情報セキュリティ研修 every year: last year's completers are left out when the rule says so."""
    from tests.courses.factories import SessionFactory
    from tests.enrollments.factories import enrol

    last_year = SessionFactory(course=CourseFactory(fiscal_year=2025, code="S01"))
    this_year = CourseFactory(fiscal_year=2026, code="S01")
    done, half, never = TraineeFactory(), TraineeFactory(), TraineeFactory()
    from enrollments.models import Enrollment

    enrol(done, last_year)
    enrol(half, last_year)
    for place in Enrollment.objects.filter(trainee__in=[done, half]):
        completed(place, "completed" if place.trainee_id == done.pk else "incomplete")
    rule = TargetRule.objects.create(course=this_year, exclude_completed_years=1)

    matches = {
        m.trainee_id: m.reasons
        for m in target_matches(this_year, rule=rule, completed=completed_trainee_ids)
    }
    assert set(matches) == {half.pk, never.pk}
    assert matches[never.pk] == ["not_completed"]
    rule.exclude_completed_years = 0  # this fiscal year only: last year's run does not count
    assert {m.trainee_id for m in target_matches(this_year, rule=rule, completed=completed_trainee_ids)} == {
        done.pk, half.pk, never.pk,
    }  # fmt: skip


def test_age_on_1_april_and_duty():
    """40歳到達者研修: aged exactly 40 on 1 April 2026 — by the birth date, or by the age the roster
    gave (as of the day it was imported); a birthday on 2 April is not yet 40 on 1 April."""
    forty = TraineeFactory(birth_date=datetime.date(1986, 4, 1), duty="窓口")  # 40 on 1 April
    not_yet = TraineeFactory(birth_date=datetime.date(1986, 4, 2), duty="窓口")  # 39 then
    older = TraineeFactory(birth_date=datetime.date(1985, 4, 1))  # 41
    # The roster gave only an age — 40 on 2026-03-01 — so 40 on 1 April 2026 as well.
    by_age = TraineeFactory(birth_date=None, age=40, age_as_of=datetime.date(2026, 3, 1))
    course = CourseFactory(fiscal_year=2026)
    rule = TargetRule.objects.create(course=course, min_age=40, max_age=40)
    assert matched(course) == {forty.pk, by_age.pk}
    assert not_yet.pk not in matched(course) and older.pk not in matched(course)
    assert target_matches(course, completed=completed_trainee_ids)[0].reasons == ["age"]
    rule.duties = ["窓口"]
    rule.save()
    assert matched(course) == {forty.pk}
    # Next fiscal year the same rule takes who turns 40 by 1 April 2027.
    later = CourseFactory(fiscal_year=2027)
    TargetRule.objects.create(course=later, min_age=40, max_age=40)
    assert matched(later) == {not_yet.pk}
