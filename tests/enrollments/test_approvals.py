"""所属長承認: who approves (the post in effect, up the tree, the deputy, never oneself), the
states an application goes through before HR may decide it, the notices (exactly once, to
exactly the right people), the deadline with its reminder and the no-answer rule, the queue page
and the 所属長 pages HR keeps."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from courses.models import ApprovalRoute, CourseKind, NoAnswer, Selection
from enrollments.models import Approval, EnrollmentEvent, Status
from enrollments.services import (
    EnrollmentRefused,
    approval_resubmit,
    approvals_answer,
    approvals_remind_and_expire,
    enrollment_apply,
    enrollments_decide,
    lottery_run,
)
from enrollments.services.approvals import approval_due
from notices.models import Delivery, Notice
from tests.courses.factories import CourseFactory, SessionFactory
from tests.enrollments.factories import enrol
from tests.trainees.factories import OrganisationFactory, TraineeFactory, UserFactory
from trainees.models import SupervisorPost
from trainees.roles import Role
from trainees.selectors import supervisors_for
from trainees.supervisors import supervisor_appoint

pytestmark = pytest.mark.django_db

NOW = timezone.now()
TODAY = timezone.localdate()
APRIL = datetime.date(TODAY.year - 1, 4, 1)


def person(organisation, roles=(Role.TRAINEE,), **kwargs):
    user = UserFactory(roles=list(roles))
    return TraineeFactory(organisation=organisation, user=user, **kwargs)


def approval_session(route=ApprovalRoute.SUPERVISOR, **course):
    course = CourseFactory(kind=CourseKind.OPEN, approval=route, **course)
    return SessionFactory(
        course=course, capacity=5,
        application_opens_at=NOW - datetime.timedelta(days=1),
        application_closes_at=NOW + datetime.timedelta(days=10),
    )  # fmt: skip


@pytest.fixture
def ward():
    """福祉部 > 福祉課 > 高齢者係, with the 課長 as 福祉課's 所属長 and the 係長 as deputy."""
    department = OrganisationFactory(code="310000", name="福祉部")
    section = OrganisationFactory(code="311000", name="福祉課", parent=department)
    unit = OrganisationFactory(code="311100", name="高齢者係", parent=section)
    chief = person(section, name="課長 一郎")
    deputy = person(unit, name="係長 二郎")
    head = person(department, name="部長 三郎")
    supervisor_appoint(organisation=section, holder=chief, deputy=deputy, starts_on=APRIL,
                       ends_on=None, note="", actor=None)  # fmt: skip
    supervisor_appoint(organisation=department, holder=head, deputy=None, starts_on=APRIL,
                       ends_on=None, note="", actor=None)  # fmt: skip
    return {"department": department, "section": section, "unit": unit, "chief": chief,
            "deputy": deputy, "head": head}  # fmt: skip


def deliveries(kind, trainee):
    return Delivery.objects.filter(kind=kind, trainee=trainee).count()


# --- Who approves -----------------------------------------------------------------------------


def test_the_post_in_effect_up_the_tree_with_its_deputy_and_never_oneself(ward):
    clerk = person(ward["unit"])
    other_department = person(OrganisationFactory(code="320000", name="土木部"))
    found = supervisors_for([clerk, ward["chief"], ward["deputy"], other_department], TODAY)
    # The unit has no post of its own: 福祉課's 所属長 and deputy act.
    assert found[clerk.pk] == [ward["chief"], ward["deputy"]]
    # The 課長's own application: the deputy acts (not the 課長 themself).
    assert found[ward["chief"].pk] == [ward["deputy"]]
    assert found[ward["deputy"].pk] == [ward["chief"]]
    assert found[other_department.pk] == []


def test_alone_in_the_post_one_asks_the_supervisor_above(ward):
    post = SupervisorPost.objects.get(organisation=ward["section"])
    post.deputy = None
    post.save()
    assert supervisors_for([ward["chief"]], TODAY)[ward["chief"].pk] == [ward["head"]]


def test_a_new_supervisor_from_a_day_ends_the_previous_post_the_day_before(ward):
    successor = person(ward["section"], name="新任 課長")
    start = TODAY + datetime.timedelta(days=10)
    _post, ended = supervisor_appoint(
        organisation=ward["section"], holder=successor, deputy=None, starts_on=start,
        ends_on=None, note="4月1日付異動", actor=None,
    )  # fmt: skip
    assert ended.holder == ward["chief"] and ended.ends_on == start - datetime.timedelta(days=1)
    clerk = person(ward["unit"])
    # Today the outgoing 課長 still approves; from the start day, the successor.
    assert supervisors_for([clerk], TODAY)[clerk.pk][0] == ward["chief"]
    assert supervisors_for([clerk], start)[clerk.pk] == [successor]
    # Another appointment overlapping a closed period is refused, naming who holds it.
    with pytest.raises(ValidationError, match="新任 課長"):
        supervisor_appoint(organisation=ward["section"], holder=ward["deputy"], deputy=None,
                           starts_on=start, ends_on=start, note="", actor=None)  # fmt: skip


def test_only_active_ward_staff_with_an_account_can_hold_the_post(ward):
    no_account = TraineeFactory(organisation=ward["section"])
    with pytest.raises(ValidationError) as refused:
        supervisor_appoint(organisation=ward["unit"], holder=no_account, deputy=None,
                           starts_on=TODAY, ends_on=None, note="", actor=None)  # fmt: skip
    assert "holder" in refused.value.message_dict
    external = OrganisationFactory(code="900001", name="社会福祉協議会", is_external=True)
    with pytest.raises(ValidationError) as refused:
        supervisor_appoint(organisation=external, holder=ward["chief"], deputy=None,
                           starts_on=TODAY, ends_on=None, note="", actor=None)  # fmt: skip
    assert "organisation" in refused.value.message_dict


# --- The application's way to HR -----------------------------------------------------------


def test_apply_waits_for_the_supervisor_who_is_asked_once_then_hr_decides(ward):
    session = approval_session()
    clerk = person(ward["unit"], name="申込 花子")
    place = enrollment_apply(session=session, trainee=clerk, actor=clerk.user,
                             note="窓口で高齢者対応が多いため")  # fmt: skip
    approval = place.approval
    assert place.status == Status.REQUESTED and approval.state == Approval.State.SUPERVISOR
    assert approval.due_at == session.application_closes_at - datetime.timedelta(days=3)
    # 承認依頼: the 所属長 and the deputy, once each; nobody else (the 部長 is not asked).
    assert deliveries("approval", ward["chief"]) == 1
    assert deliveries("approval", ward["deputy"]) == 1
    assert deliveries("approval", ward["head"]) == 0
    assert Notice.objects.filter(kind="approval", user=ward["chief"].user).count() == 1
    hr = UserFactory(roles=[Role.HR_ADMIN])
    # HR may neither decide it nor draw it while it waits.
    with pytest.raises(EnrollmentRefused, match="申込 花子"):
        enrollments_decide(session=session, enrollment_ids=[place.pk], decision="confirmed",
                           actor=hr)  # fmt: skip
    with pytest.raises(EnrollmentRefused):
        lottery_run(session=session, actor=hr, before_close=True)
    # Someone else's 所属長 may not answer it.
    stranger = person(OrganisationFactory(code="330000", name="区民部"), name="他部 課長")
    with pytest.raises(EnrollmentRefused, match="申込 花子"):
        approvals_answer(approval_ids=[approval.pk], decision="approve", reason="",
                         actor=stranger.user)  # fmt: skip
    # The deputy approves; the applicant is told; now HR decides.
    approvals_answer(approval_ids=[approval.pk], decision="approve", reason="",
                     actor=ward["deputy"].user)  # fmt: skip
    approval.refresh_from_db()
    assert approval.state == Approval.State.APPROVED
    assert approval.supervisor_by == ward["deputy"].user
    assert deliveries("verdict", clerk) == 1
    result = enrollments_decide(session=session, enrollment_ids=[place.pk],
                                decision="confirmed", actor=hr)  # fmt: skip
    assert result["changed"] == 1
    # A second answer is refused: it has been answered.
    with pytest.raises(EnrollmentRefused):
        approvals_answer(approval_ids=[approval.pk], decision="decline", reason="x",
                         actor=ward["chief"].user)  # fmt: skip


def test_supervisor_then_coordinator(ward):
    session = approval_session(ApprovalRoute.SUPERVISOR_COORDINATOR)
    coordinator = UserFactory(roles=[Role.COORDINATOR])
    coordinator.coordinated_organisations.add(ward["department"])
    clerk = person(ward["unit"])
    approval = enrollment_apply(session=session, trainee=clerk, actor=None).approval
    with pytest.raises(EnrollmentRefused):  # not the coordinator's turn yet
        approvals_answer(approval_ids=[approval.pk], decision="approve", reason="",
                         actor=coordinator)  # fmt: skip
    approvals_answer(approval_ids=[approval.pk], decision="approve", reason="",
                     actor=ward["chief"].user)  # fmt: skip
    approval.refresh_from_db()
    assert approval.state == Approval.State.COORDINATOR
    assert Notice.objects.filter(kind="approval", user=coordinator).count() == 1
    assert deliveries("verdict", clerk) == 0  # not decided yet: nothing to tell
    approvals_answer(approval_ids=[approval.pk], decision="approve", reason="",
                     actor=coordinator)  # fmt: skip
    approval.refresh_from_db()
    assert approval.state == Approval.State.APPROVED
    assert approval.supervisor_by == ward["chief"].user and approval.decided_by == coordinator


def test_declined_with_a_reason_or_returned_and_sent_again(ward):
    session = approval_session()
    first, second = person(ward["unit"]), person(ward["unit"])
    a = enrollment_apply(session=session, trainee=first, actor=None).approval
    b = enrollment_apply(session=session, trainee=second, actor=None).approval
    with pytest.raises(EnrollmentRefused):  # declining needs a reason
        approvals_answer(approval_ids=[a.pk], decision="decline", reason="  ",
                         actor=ward["chief"].user)  # fmt: skip
    approvals_answer(approval_ids=[a.pk], decision="decline", reason="繁忙期のため次年度に",
                     actor=ward["chief"].user)  # fmt: skip
    a.enrollment.refresh_from_db()
    assert a.enrollment.status == Status.CANCELLED
    told = Delivery.objects.get(kind="verdict", trainee=first)
    assert "繁忙期のため次年度に" in told.body
    approvals_answer(approval_ids=[b.pk], decision="return", reason="申込理由を具体的に",
                     actor=ward["chief"].user)  # fmt: skip
    b.refresh_from_db()
    assert b.state == Approval.State.RETURNED and b.enrollment.status == Status.REQUESTED
    approval_resubmit(enrollment=b.enrollment, note="高齢者虐待対応の実務に必要", actor=None)
    b.refresh_from_db()
    assert (b.state, b.round, b.note) == (
        Approval.State.SUPERVISOR,
        2,
        "高齢者虐待対応の実務に必要",
    )
    # The second round asks the 所属長 again: a second request, not a repeat of the first.
    assert deliveries("approval", ward["chief"]) == 3  # a's, b's first round, b's second
    with pytest.raises(EnrollmentRefused):
        approval_resubmit(enrollment=b.enrollment, note="again", actor=None)


def test_answering_several_is_all_or_nothing(ward):
    session = approval_session()
    mine = enrollment_apply(session=session, trainee=person(ward["unit"]), actor=None).approval
    elsewhere = OrganisationFactory(code="340000", name="環境部")
    other_chief = person(elsewhere)
    supervisor_appoint(organisation=elsewhere, holder=other_chief, deputy=None,
                       starts_on=APRIL, ends_on=None, note="", actor=None)  # fmt: skip
    theirs = enrollment_apply(session=session, trainee=person(elsewhere), actor=None).approval
    with pytest.raises(EnrollmentRefused):
        approvals_answer(approval_ids=[mine.pk, theirs.pk], decision="approve", reason="",
                         actor=ward["chief"].user)  # fmt: skip
    mine.refresh_from_db()
    assert mine.state == Approval.State.SUPERVISOR  # nothing written
    assert not EnrollmentEvent.objects.filter(enrollment=mine.enrollment, reason="承認").exists()


def test_approved_on_a_first_come_course_takes_a_seat_then(ward):
    session = approval_session(selection=Selection.FIRST_COME)
    session.capacity = 1
    session.save()
    first, second = person(ward["unit"]), person(ward["unit"])
    a = enrollment_apply(session=session, trainee=first, actor=None)
    b = enrollment_apply(session=session, trainee=second, actor=None)
    session.refresh_from_db()
    assert session.confirmed_count == 0  # no seat taken before approval
    approvals_answer(approval_ids=[b.approval.pk, a.approval.pk], decision="approve", reason="",
                     actor=ward["chief"].user)  # fmt: skip
    a.refresh_from_db()
    b.refresh_from_db()
    # Answered in application order (a first): a has the seat, b waits.
    assert (a.status, b.status) == (Status.CONFIRMED, Status.WAITLISTED)


def test_no_supervisor_anywhere_goes_to_hr_marked_unapproved():
    lonely = OrganisationFactory(code="350000", name="会計室")
    session = approval_session()
    place = enrollment_apply(session=session, trainee=person(lonely), actor=None)
    assert place.approval.state == Approval.State.UNANSWERED
    assert "所属長" in place.approval.reason
    hr = UserFactory(roles=[Role.HR_ADMIN])
    assert enrollments_decide(session=session, enrollment_ids=[place.pk], decision="confirmed",
                              actor=hr)["changed"] == 1  # fmt: skip


# --- Deadline, reminder, no answer ----------------------------------------------------------


def test_the_deadline_is_before_the_close_but_leaves_a_late_applicant_a_day():
    session = approval_session()
    closes = session.application_closes_at
    assert approval_due(session, 3, NOW) == closes - datetime.timedelta(days=3)
    late = closes - datetime.timedelta(hours=5)
    assert approval_due(session, 3, late) == late + datetime.timedelta(days=1)
    session.application_closes_at = None
    assert approval_due(session, 3, NOW) == NOW + datetime.timedelta(days=7)


@pytest.mark.parametrize("rule", [NoAnswer.PASS, NoAnswer.DECLINE])
def test_a_reminder_the_day_before_once_then_the_courses_rule(ward, rule):
    session = approval_session(approval_no_answer=rule)
    clerk = person(ward["unit"])
    approval = enrollment_apply(session=session, trainee=clerk, actor=None).approval
    due = approval.due_at
    # Two days before: nothing yet. The day before: the reminder, once however often it runs.
    assert approvals_remind_and_expire(now=due - datetime.timedelta(days=2)) == {
        "reminded": 0, "expired": 0}  # fmt: skip
    assert approvals_remind_and_expire(now=due - datetime.timedelta(hours=20))["reminded"] == 1
    assert approvals_remind_and_expire(now=due - datetime.timedelta(hours=10))["reminded"] == 0
    assert deliveries("approval", ward["chief"]) == 2  # the request and one reminder
    assert approvals_remind_and_expire(now=due + datetime.timedelta(minutes=1))["expired"] == 1
    approval.refresh_from_db()
    approval.enrollment.refresh_from_db()
    if rule == NoAnswer.PASS:
        assert approval.state == Approval.State.UNANSWERED
        assert approval.enrollment.status == Status.REQUESTED
        assert deliveries("verdict", clerk) == 0
    else:
        assert approval.state == Approval.State.DECLINED
        assert approval.enrollment.status == Status.CANCELLED
        assert deliveries("verdict", clerk) == 1
    # Run again: nothing more happens.
    assert approvals_remind_and_expire(now=due + datetime.timedelta(hours=2)) == {
        "reminded": 0, "expired": 0}  # fmt: skip


# --- Pages ----------------------------------------------------------------------------------


def test_the_queue_page_answers_several_at_once_with_the_applicants_history(
    client, ward, page_queries
):
    session = approval_session()
    clerks = [person(ward["unit"], name=f"職員 {n}") for n in range(3)]
    past = SessionFactory(course=CourseFactory(title="接遇研修"))
    enrol(clerks[0], past)
    approvals = [enrollment_apply(session=session, trainee=c, actor=None,
                                  note=f"理由{n}").approval for n, c in enumerate(clerks)]  # fmt: skip
    client.force_login(ward["chief"].user)
    page = client.get(reverse("approval_queue")).content.decode()
    assert all(c.name in page for c in clerks) and "接遇研修" in page and "理由1" in page
    own = ["is a 所属長 today", "their posts", "the units under them", "approvals waiting",
           "the organisation tree", "the posts in effect", "recent training"]  # fmt: skip
    with page_queries(*own, mfa=False):
        assert client.get(reverse("approval_queue")).status_code == 200
    response = client.post(reverse("approval_queue"), {
        "approvals": [approvals[0].pk, approvals[2].pk], "decision": "approve", "reason": "",
    })  # fmt: skip
    assert response.status_code == 302
    states = [Approval.objects.get(pk=a.pk).state for a in approvals]
    assert states == ["approved", "supervisor", "approved"]
    # Declining without a comment: refused on the page, nothing written.
    page = client.post(reverse("approval_queue"), {
        "approvals": [approvals[1].pk], "decision": "decline", "reason": "",
    }).content.decode()  # fmt: skip
    assert "理由を書いてください" in page
    assert Approval.objects.get(pk=approvals[1].pk).state == "supervisor"
    # The trainee's home shows the 所属長 the count; an ordinary trainee gets a 403 here.
    assert "承認" in client.get(reverse("trainee_home")).content.decode()
    client.force_login(clerks[1].user)
    assert client.get(reverse("approval_queue")).status_code == 403


def test_the_applicant_sees_the_state_and_sends_a_returned_application_again(client, ward):
    session = approval_session()
    clerk = person(ward["unit"])
    client.force_login(clerk.user)
    client.post(reverse("apply", args=[session.pk]), {"note": "業務で必要"})
    place = clerk.enrollments.get()
    page = client.get(reverse("enrollment_detail", args=[place.pk])).content.decode()
    assert "業務で必要" in page
    approvals_answer(approval_ids=[place.approval.pk], decision="return", reason="具体的に",
                     actor=ward["chief"].user)  # fmt: skip
    page = client.get(reverse("enrollment_detail", args=[place.pk])).content.decode()
    assert "具体的に" in page and reverse("enrollment_resubmit", args=[place.pk]) in page
    client.post(reverse("enrollment_resubmit", args=[place.pk]), {"note": "相談業務で使う"})
    place.approval.refresh_from_db()
    assert place.approval.state == "supervisor" and place.approval.note == "相談業務で使う"


def test_hr_keeps_the_supervisors_page(client, hr_admin, ward, page_queries):
    client.force_login(hr_admin)
    successor = person(ward["section"], name="後任 課長")
    start = TODAY + datetime.timedelta(days=30)
    response = client.post(reverse("supervisor_posts"), {
        "organisation": ward["section"].pk,
        "holder": "".join(chr(ord(c) + 0xFEE0) for c in successor.staff_number),  # full width
        "deputy": "", "starts_on": f"R{start.year - 2018}.{start.month}.{start.day}",
        "ends_on": "", "note": "人事異動",
    })  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    page = client.get(reverse("supervisor_posts")).content.decode()
    assert "後任 課長" in page and "課長 一郎" in page
    with page_queries("posts with people", "organisations", "the form's organisations", mfa=True):
        assert client.get(reverse("supervisor_posts")).status_code == 200
    # An unknown staff number is named on its field; nothing is written.
    page = client.post(reverse("supervisor_posts"), {
        "organisation": ward["unit"].pk, "holder": "999999", "starts_on": "2026-04-01",
    }).content.decode()  # fmt: skip
    assert (
        "999999" in page and not SupervisorPost.objects.filter(organisation=ward["unit"]).exists()
    )
    post = SupervisorPost.objects.get(holder=successor)
    client.post(reverse("supervisor_post_end", args=[post.pk]), {"ends_on": "2099-03-31"})
    post.refresh_from_db()
    assert post.ends_on == datetime.date(2099, 3, 31)


def test_each_approver_sees_their_own_share(ward):
    """The queue reads only what is under the person's posts, and the one answer decides: the
    部長 does not see a 係 member's application (福祉課's 所属長 answers it), but does see the
    課長's own when the 課長 has no deputy."""
    from enrollments.selectors import approvals_waiting_for

    session = approval_session()
    clerk = enrollment_apply(session=session, trainee=person(ward["unit"]), actor=None).approval
    assert [a.pk for a in approvals_waiting_for(ward["chief"].user)] == [clerk.pk]
    assert [a.pk for a in approvals_waiting_for(ward["deputy"].user)] == [clerk.pk]
    assert approvals_waiting_for(ward["head"].user) == []
    SupervisorPost.objects.filter(organisation=ward["section"]).update(deputy=None)
    own = enrollment_apply(session=session, trainee=ward["chief"], actor=None).approval
    assert [a.pk for a in approvals_waiting_for(ward["head"].user)] == [own.pk]
    assert own.pk not in [a.pk for a in approvals_waiting_for(ward["chief"].user)]


def test_a_withdrawn_application_is_neither_answered_nor_chased(ward):
    """The applicant cancels while the 所属長 has not answered: approving it later is refused
    (on a first-come course it would otherwise take a seat), and the deadline job leaves it."""
    from enrollments.services import enrollment_cancel

    session = approval_session(selection=Selection.FIRST_COME)
    clerk = person(ward["unit"], name="取消 花子")
    place = enrollment_apply(session=session, trainee=clerk, actor=None)
    enrollment_cancel(enrollment=place, actor=None)
    with pytest.raises(EnrollmentRefused, match="取消 花子"):
        approvals_answer(approval_ids=[place.approval.pk], decision="approve", reason="",
                         actor=ward["chief"].user)  # fmt: skip
    place.refresh_from_db()
    session.refresh_from_db()
    assert place.status == Status.CANCELLED and session.confirmed_count == 0
    due = place.approval.due_at
    assert approvals_remind_and_expire(now=due - datetime.timedelta(hours=20)) == {
        "reminded": 0, "expired": 0}  # fmt: skip
    assert approvals_remind_and_expire(now=due + datetime.timedelta(hours=1)) == {
        "reminded": 0, "expired": 0}  # fmt: skip
