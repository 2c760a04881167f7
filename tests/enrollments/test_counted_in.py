"""Where a place counts (Enrollment.counted_in): the dashboards group places by it without
reading the staff table, so every writer must leave it equal to the organisation at the time
once stamped, else the trainee's organisation now. Each way a place is made (order, 申込) and
each way a person moves (transfer, merger, roster import) is checked, with people whose old
and new departments give different numbers."""

from __future__ import annotations

import datetime

import pytest
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone

from courses.models import CourseKind, Selection
from enrollments.models import Enrollment
from enrollments.services import enrollment_apply, enrollments_stamp_organisation, history
from enrollments.services.orders import order_issue
from reports import dashboards
from tests.courses.factories import CourseFactory, SessionFactory
from tests.trainees.factories import OrganisationFactory
from trainees import organisations, records
from trainees.models import RosterImport, Trainee
from trainees.roster_import import roster_import_commit, roster_import_preview

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
NOW = timezone.now()
HEADER = "職員番号,氏名,氏名カナ,所属コード,所属,雇用区分,生年月日,採用年月日,メールアドレス"
PEOPLE = {
    "000001": "青木 一郎,アオキ イチロウ",
    "000002": "井上 二郎,イノウエ ジロウ",
    "000003": "上田 三郎,ウエダ サブロウ",
}


def roster(**codes: str) -> None:
    """A full roster naming everyone, each in the organisation (code) given."""
    lines = [
        f"{number},{names},{codes[number]},,正規,1980/1/1,2005/4/1,"
        for number, names in PEOPLE.items()
    ]
    data = ("\r\n".join([HEADER, *lines]) + "\r\n").encode("cp932")
    record = roster_import_preview(data=data, file_name="r.csv", mode="full", uploaded_by=None)
    assert record.status == RosterImport.Status.PREVIEWED, record.problems
    roster_import_commit(roster_import_id=record.pk, committed_by=None)


def where_counted() -> dict[tuple[str, int], str]:
    """(staff number, session id) → the name of the organisation the place counts in."""
    return {
        (place.trainee.staff_number, place.session_id): place.counted_in.name
        for place in Enrollment.objects.select_related("trainee", "counted_in")
    }


def assert_the_rule_holds() -> None:
    """What the dashboards computed on every read before the column: COALESCE(organisation at
    the time, the trainee's now)."""
    astray = Enrollment.objects.exclude(
        counted_in_id=Coalesce("organisation_id", F("trainee__organisation_id"))
    )
    assert list(astray.values_list("pk", flat=True)) == []


@pytest.fixture
def ward():
    departments = {
        code: OrganisationFactory(code=f"{code}0000", name=name)
        for code, name in (("11", "総務部"), ("12", "福祉部"), ("13", "企画部"))
    }
    sections = {
        code: OrganisationFactory(code=f"{code}0100", name=f"{name}課", parent=departments[code])
        for code, name in (("11", "総務"), ("12", "福祉"), ("13", "企画"))
    }
    roster(**{"000001": "110100", "000002": "110100", "000003": "110100"})
    begun = SessionFactory(days=[TODAY - datetime.timedelta(days=10)])
    ahead = SessionFactory(days=[TODAY + datetime.timedelta(days=20)])
    open_course = CourseFactory(kind=CourseKind.OPEN, selection=Selection.HR_DECISION)
    applied = SessionFactory(
        course=open_course,
        days=[TODAY + datetime.timedelta(days=30)],
        application_opens_at=NOW - datetime.timedelta(days=1),
        application_closes_at=NOW + datetime.timedelta(days=1),
    )
    people = {t.staff_number: t for t in Trainee.objects.all()}
    everyone = [t.pk for t in people.values()]
    order_issue(session=begun, trainee_ids=everyone, actor=None)
    order_issue(session=ahead, trainee_ids=everyone, actor=None)
    enrollment_apply(session=applied, trainee=people["000001"], actor=None)
    enrollments_stamp_organisation(today=TODAY)  # the nightly stamp: `begun` is fixed
    return {"departments": departments, "sections": sections, "people": people,
            "begun": begun, "ahead": ahead, "applied": applied}  # fmt: skip


def test_a_place_counts_where_its_trainee_is_until_the_session_begins(ward):
    begun, ahead, applied = ward["begun"].pk, ward["ahead"].pk, ward["applied"].pk
    assert set(where_counted().values()) == {"総務課"}
    people, sections = ward["people"], ward["sections"]
    # 井上: transferred to 福祉課 from today (the service, as HR's page does).
    records.trainee_transfer(
        trainee=people["000002"], organisation=sections["12"], effective_on=TODAY,
        actor=None, reason="異動",
    )  # fmt: skip
    # 青木: moved to 企画課 by the next roster import.
    roster(**{"000001": "130100", "000002": "120100", "000003": "110100"})
    counted = where_counted()
    assert counted[("000001", begun)] == "総務課"  # begun before the move: where he was
    assert counted[("000001", ahead)] == "企画課"
    assert counted[("000001", applied)] == "企画課"  # an application follows too
    assert counted[("000002", begun)] == "総務課"
    assert counted[("000002", ahead)] == "福祉課"
    assert counted[("000003", ahead)] == "総務課"  # nobody moved him
    assert_the_rule_holds()
    # The dashboards read it: `ahead` in three departments, `begun` all in 総務部.
    matrix = dashboards.completion_matrix(ward["ahead"].course.fiscal_year, None)
    held = {(c, d): cell.held for (c, d), cell in matrix.cells.items()}
    departments = ward["departments"]
    assert held[(ward["ahead"].course_id, departments["11"].pk)] == 1
    assert held[(ward["ahead"].course_id, departments["12"].pk)] == 1
    assert held[(ward["ahead"].course_id, departments["13"].pk)] == 1
    assert held[(ward["begun"].course_id, departments["11"].pk)] == 3
    scoped = dashboards.completion_matrix(
        ward["ahead"].course.fiscal_year, {departments["12"].pk, sections["12"].pk}
    )
    assert {(c, d): cell.held for (c, d), cell in scoped.cells.items()} == {
        (ward["ahead"].course_id, departments["12"].pk): 1
    }


def test_a_roster_moving_many_moves_their_places_in_batches(ward, monkeypatch):
    monkeypatch.setattr(history, "FOLLOW_BATCH", 1)
    roster(**{"000001": "130100", "000002": "120100", "000003": "110100"})
    counted = where_counted()
    assert [counted[(n, ward["ahead"].pk)] for n in PEOPLE] == ["企画課", "福祉課", "総務課"]
    assert {counted[(n, ward["begun"].pk)] for n in PEOPLE} == {"総務課"}
    assert_the_rule_holds()


def test_a_merger_takes_the_places_not_yet_begun_along(ward):
    sections = ward["sections"]
    organisations.organisation_merge(
        organisation=sections["11"], into=sections["13"], effective_on=TODAY,
        reason="組織改正", actor=None,
    )  # fmt: skip
    counted = where_counted()
    assert {counted[(n, ward["ahead"].pk)] for n in PEOPLE} == {"企画課"}
    assert {counted[(n, ward["begun"].pk)] for n in PEOPLE} == {"総務課"}
    assert_the_rule_holds()


def test_the_nightly_stamp_realigns_a_place_a_move_left_behind(ward):
    """A move that bypassed the writers (as one racing the making of a place would): the
    nightly stamp puts the places not yet begun right, and leaves the begun ones alone."""
    Trainee.objects.filter(staff_number="000003").update(organisation=ward["sections"]["12"])
    assert where_counted()[("000003", ward["ahead"].pk)] == "総務課"  # left behind
    enrollments_stamp_organisation(today=TODAY)
    counted = where_counted()
    assert counted[("000003", ward["ahead"].pk)] == "福祉課"
    assert counted[("000003", ward["begun"].pk)] == "総務課"
    assert_the_rule_holds()
