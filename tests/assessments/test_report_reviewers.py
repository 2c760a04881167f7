"""Who reviews a completion report (issue 18, items 2–4): the coordinators of the trainee's
organisation or of any unit above it are told; nobody reviews their own report; where no
coordinator can review, HR does and HR's home lists the report."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from assessments import services
from assessments.models import CompletionReport
from assessments.selectors import reports_without_reviewer
from notices.models import Notice
from portal.selectors import hr_work_queue
from tests.assessments.factories import make_form, values
from tests.courses.factories import SessionFactory
from tests.enrollments.factories import enrol
from tests.trainees.factories import OrganisationFactory, TraineeFactory, UserFactory
from trainees.roles import Role
from trainees.selectors import coordinators_of

pytestmark = pytest.mark.django_db


def _place(organisation, user=None):
    session = SessionFactory(course__requires_attendance=False, course__requires_report=True)
    trainee = TraineeFactory(organisation=organisation)
    trainee.user = user or UserFactory(username=trainee.staff_number, roles=[Role.TRAINEE])
    trainee.save(update_fields=["user"])
    return enrol(trainee, session)


def _submit(place):
    form = make_form(place.course)
    return services.report_save(
        form=form, enrollment=place, answers=values(form), submit=True, actor=None
    )


def test_the_department_coordinator_hears_of_a_report_from_a_sub_unit(organisation, coordinator):
    section = OrganisationFactory(code="140100", name="福祉課", parent=organisation)
    unit = OrganisationFactory(code="140110", name="福祉係", parent=section)
    elsewhere = OrganisationFactory(code="150000", name="区民部")
    other_coordinator = UserFactory(roles=[Role.COORDINATOR])
    other_coordinator.coordinated_organisations.add(elsewhere)
    place = _place(unit)

    assert coordinators_of(place.trainee) == {coordinator.pk}
    report = _submit(place)
    assert Notice.objects.filter(user=coordinator, kind="report").count() == 1
    assert not Notice.objects.filter(user=other_coordinator).exists()
    services.report_review(report=report, acknowledge=True, comment="", actor=coordinator)
    report.refresh_from_db()
    assert report.state == CompletionReport.State.ACKNOWLEDGED


def test_a_coordinator_outside_the_chain_may_not_review(organisation, coordinator):
    stranger = UserFactory(roles=[Role.COORDINATOR])
    stranger.coordinated_organisations.add(OrganisationFactory(code="150000"))
    report = _submit(_place(organisation))
    with pytest.raises(ValidationError):
        services.report_review(report=report, acknowledge=True, comment="", actor=stranger)


def test_nobody_acknowledges_their_own_report(client, organisation, coordinator):
    place = _place(organisation, user=coordinator)
    report = _submit(place)
    # the only coordinator is the author: nobody is notified, HR is asked
    assert not Notice.objects.filter(user=coordinator, kind="report").exists()
    assert [pk for pk, _course in reports_without_reviewer()] == [report.pk]
    with pytest.raises(ValidationError, match="自分"):
        services.report_review(report=report, acknowledge=True, comment="", actor=coordinator)
    client.force_login(coordinator)
    assert len(client.get(reverse("report_review_list")).context["page"].object_list) == 0
    response = client.post(
        reverse("report_review", args=[report.pk]), {"decision": "acknowledge", "comment": ""}
    )
    assert response.status_code == 403
    report.refresh_from_db()
    assert report.state == CompletionReport.State.SUBMITTED and report.reviewed_by is None

    # A second coordinator of the same department reviews it, and is the one told.
    second = UserFactory(roles=[Role.COORDINATOR, Role.TRAINEE])
    second.coordinated_organisations.add(organisation)
    assert reports_without_reviewer() == []
    services.report_review(report=report, acknowledge=True, comment="", actor=second)
    report.refresh_from_db()
    assert report.reviewed_by == second


def test_without_a_coordinator_hr_reviews_and_the_trainee_completes(client, hr_admin):
    lonely = OrganisationFactory(code="160000", name="区民部")
    place = _place(lonely)
    report = _submit(place)
    assert [(course.pk, n) for course, n in hr_work_queue().unreviewed] == [(place.course_id, 1)]

    client.force_login(hr_admin)
    home = client.get(reverse("hr_home")).content.decode()
    assert reverse("report_list", args=[place.course_id]) in home
    listing = client.get(reverse("report_list", args=[place.course_id])).content.decode()
    assert reverse("hr_report", args=[report.pk]) in listing and "人事課が確認" in listing
    response = client.post(
        reverse("hr_report", args=[report.pk]), {"decision": "acknowledge", "comment": ""}
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.state == CompletionReport.State.ACKNOWLEDGED and report.reviewed_by == hr_admin
    place.refresh_from_db()
    assert place.completion == "completed"
    assert hr_work_queue().unreviewed == []


def test_a_course_routes_the_review_to_the_supervisor_not_the_coordinator(
    client, organisation, coordinator
):
    """所属長確認: the form's reviewer is the 所属長 — told, listed, allowed; the coordinator is
    none of these; with no 所属長 above the trainee, HR reviews."""
    import datetime

    from assessments.models import Reviewer
    from trainees.supervisors import supervisor_appoint

    chief_user = UserFactory(roles=[Role.TRAINEE])
    chief = TraineeFactory(organisation=organisation, user=chief_user, name="課長 一郎")
    supervisor_appoint(organisation=organisation, holder=chief, deputy=None,
                       starts_on=datetime.date(2026, 4, 1), ends_on=None, note="", actor=None)  # fmt: skip
    place = _place(organisation)
    form = make_form(place.course)
    form.reviewer = Reviewer.SUPERVISOR
    form.save()
    report = services.report_save(
        form=form, enrollment=place, answers=values(form), submit=True, actor=None
    )
    assert Notice.objects.filter(user=chief_user, kind="report").count() == 1
    assert not Notice.objects.filter(user=coordinator, kind="report").exists()
    assert reports_without_reviewer() == []
    with pytest.raises(ValidationError):
        services.report_review(report=report, acknowledge=True, comment="", actor=coordinator)
    client.force_login(coordinator)
    assert len(client.get(reverse("report_review_list")).context["page"].object_list) == 0
    client.force_login(chief_user)
    page = client.get(reverse("supervisor_report_list")).content.decode()
    assert place.trainee.name in page
    response = client.post(reverse("supervisor_report_review", args=[report.pk]),
                           {"decision": "acknowledge", "comment": ""})  # fmt: skip
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.state == CompletionReport.State.ACKNOWLEDGED and report.reviewed_by == chief_user
    # The post ended: nobody above — the report would go to HR.
    other = enrol(TraineeFactory(organisation=organisation), place.session)
    chief.supervisor_posts.update(ends_on=datetime.date(2026, 4, 2))
    second = services.report_save(form=form, enrollment=other, answers=values(form),
                                  submit=True, actor=None)  # fmt: skip
    assert [pk for pk, _course in reports_without_reviewer()] == [second.pk]


def test_hr_is_asked_exactly_where_no_other_coordinator_acts(organisation, coordinator):
    """reports_without_reviewer reads only the reports that could lack a reviewer (organisations
    nobody coordinates, authors who coordinate alone), then applies the rule to them: every case
    where reading too few would change the answer, and the near misses that must not reach HR,
    all waiting at once."""
    section = OrganisationFactory(code="140100", name="福祉課", parent=organisation)
    pair = OrganisationFactory(code="150000", name="区民部")
    for _ in range(2):
        UserFactory(roles=[Role.COORDINATOR, Role.TRAINEE]).coordinated_organisations.add(pair)
    lonely = OrganisationFactory(code="160000", name="環境部")
    partner = UserFactory(roles=[Role.COORDINATOR, Role.TRAINEE])
    partner.coordinated_organisations.add(pair)
    solo = UserFactory(roles=[Role.COORDINATOR, Role.TRAINEE])
    solo_unit = OrganisationFactory(code="170000", name="都市整備部")
    solo.coordinated_organisations.add(solo_unit)
    elsewhere = UserFactory(roles=[Role.COORDINATOR, Role.TRAINEE])
    elsewhere.coordinated_organisations.add(OrganisationFactory(code="180000", name="教育部"))

    to_hr = [
        _submit(_place(section, user=coordinator)),  # the sub-unit's only coordinator (above it) wrote it
        _submit(_place(lonely)),  # nobody coordinates
        _submit(_place(solo_unit, user=solo)),  # the organisation's only coordinator wrote it
    ]  # fmt: skip
    reviewed = [
        _submit(_place(section)),  # the coordinator above the sub-unit reviews it
        _submit(_place(pair, user=partner)),  # one of three coordinators wrote it: two others
        # A sole coordinator writing as a member of an organisation somebody else coordinates.
        _submit(_place(organisation, user=elsewhere)),
        _submit(_place(organisation)),
    ]
    assert {pk for pk, _course in reports_without_reviewer()} == {r.pk for r in to_hr}
    assert not {r.pk for r in reviewed} & {pk for pk, _c in reports_without_reviewer()}
    course = to_hr[1].form.course_id
    assert reports_without_reviewer(course) == [(to_hr[1].pk, course)]
