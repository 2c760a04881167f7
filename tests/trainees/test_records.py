"""職員情報登録・管理 (issue 22): HR adds a mid-year hire or an external organisation's staff
member, corrects fields, transfers (with the day it took effect), marks a leaver and re-activates
— through the roster import's own checks, each change kept with who and why, nothing half
written; the next roster import sees the hand-made values."""

from __future__ import annotations

import datetime

import pytest
from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from enrollments.models import Enrollment
from enrollments.services import enrollments_stamp_organisation
from lib.imports import StaleImportError
from tests.courses.factories import SessionFactory
from tests.enrollments.factories import enrol
from tests.trainees.factories import OrganisationFactory, TraineeFactory
from trainees import records
from trainees.models import EmploymentType, RosterImport, Trainee, TraineeChange, User
from trainees.roster_import import changes_for_display, roster_import_commit, roster_import_preview

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 12, 4)


def _form(**values):
    data = {
        "staff_number": "０１２３４５", "name": "中途　採子", "name_kana": "ちゅうと さいこ",
        "employment_type": EmploymentType.REGULAR, "job_title": "主事", "job_category": "事務",
        "duty": "", "concurrent_posts": "", "gender": "", "birth_date": "平成10年5月6日",
        "hire_date": "R8.10.1", "promotion_date": "", "email": "saiko@city.example.jp",
        "reason": "10月1日付の中途採用（人事課からの連絡）",
    }  # fmt: skip
    data.update(values)
    return data


def test_hr_adds_a_mid_year_hire_with_the_roster_imports_checks(client, hr_admin):
    section = OrganisationFactory(code="120100", name="戸籍住民課")
    client.force_login(hr_admin)
    response = client.post(reverse("trainee_add"), _form(organisation=section.pk))
    person = Trainee.objects.get(staff_number="012345")  # full-width digits folded
    assert response.status_code == 302 and response["Location"] == reverse(
        "trainee_detail", args=[person.pk]
    )
    assert person.name_kana == "チュウト サイコ"  # hiragana → katakana, as the roster does
    assert person.hire_date == datetime.date(2026, 10, 1)  # 和暦
    assert person.birth_date == datetime.date(1998, 5, 6)
    assert person.organisation == section and not person.is_external
    account = person.user
    assert account.username == "012345" and not account.has_usable_password()
    assert EmailAddress.objects.get(user=account).verified
    change = TraineeChange.objects.get(trainee=person)
    assert (change.kind, change.changed_by, change.reason) == (
        "added",
        hr_admin,
        "10月1日付の中途採用（人事課からの連絡）",
    )
    assert change.changes["hire_date"] == [None, "2026-10-01"]
    assert AuditEvent.objects.filter(kind="trainee.added", user=hr_admin).count() == 1
    page = client.get(reverse("trainee_detail", args=[person.pk])).content.decode()
    assert "手作業で登録" in page and "人事課からの連絡" in page


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"staff_number": "001000"}, "staff_number", "この職員番号は既に登録されています"),
        ({"email": "taken@city.example.jp"}, "email", "別の人のメールアドレス"),
        ({"hire_date": "令和8年2月30日"}, "hire_date", "存在しない日付"),
        ({"birth_date": "2030-01-01"}, "birth_date", "生年月日が未来"),
        ({"employment_type": EmploymentType.EXTERNAL}, "employment_type", "他団体"),
        ({"reason": " "}, "reason", None),
    ],
)
def test_a_bad_value_is_named_on_its_field_and_nothing_is_written(
    client, hr_admin, values, field, message
):
    section = OrganisationFactory(code="120100")
    TraineeFactory(staff_number="001000", organisation=section, email="taken@city.example.jp")
    people, accounts = Trainee.objects.count(), User.objects.count()
    client.force_login(hr_admin)
    response = client.post(reverse("trainee_add"), _form(organisation=section.pk, **values))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    if message:
        assert message in " ".join(errors[field])
    assert (Trainee.objects.count(), User.objects.count()) == (people, accounts)
    assert not TraineeChange.objects.exists()


def test_an_external_organisations_staff_member_gets_the_code_number_login(hr_admin):
    council = OrganisationFactory(code="900100", name="社会福祉協議会", is_external=True)
    raw = {"staff_number": "77", "name": "協議　会子", "organisation_code": council.code,
           "employment_type": EmploymentType.EXTERNAL}  # fmt: skip
    person = records.trainee_add(raw=raw, organisation=council, actor=hr_admin, reason="派遣")
    assert person.is_external and person.user.username == "900100-77"
    # The same number in another external organisation is another person.
    other = OrganisationFactory(code="900200", is_external=True)
    records.trainee_add(raw={**raw, "organisation_code": other.code}, organisation=other,
                        actor=hr_admin, reason="派遣")  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        records.trainee_add(raw=raw, organisation=council, actor=hr_admin, reason="二重")
    assert "staff_number" in refused.value.message_dict


def test_a_correction_keeps_old_and_new_and_moves_the_login_address(client, hr_admin):
    person = TraineeFactory(email="old@city.example.jp", job_title="主事")
    records_user = User.objects.create(username=person.staff_number, email=person.email)
    EmailAddress.objects.create(user=records_user, email=person.email, verified=True, primary=True)
    Trainee.objects.filter(pk=person.pk).update(user=records_user)
    person.refresh_from_db()
    client.force_login(hr_admin)
    form = client.get(reverse("trainee_edit", args=[person.pk])).context["form"]
    data = {k: v or "" for k, v in form.initial.items()}
    data.update(job_title="主任", email="new@city.example.jp", promotion_date="R8.4.1",
                reason="昇任の反映漏れ")  # fmt: skip
    response = client.post(reverse("trainee_edit", args=[person.pk]), data)
    assert response.status_code == 302, response.context["form"].errors
    person.refresh_from_db()
    assert (person.job_title, person.promotion_date) == ("主任", datetime.date(2026, 4, 1))
    change = TraineeChange.objects.get(trainee=person)
    assert change.kind == "edited" and change.reason == "昇任の反映漏れ"
    assert change.changes == {
        "job_title": ["主事", "主任"],
        "promotion_date": [None, "2026-04-01"],
        "email": ["old@city.example.jp", "new@city.example.jp"],
    }
    assert list(EmailAddress.objects.filter(user=records_user).values_list("email", flat=True)) == [
        "new@city.example.jp"
    ]
    # A ward employee cannot become 他団体 by a correction (nor the reverse): nothing written.
    response = client.post(reverse("trainee_edit", args=[person.pk]),
                           {**data, "employment_type": EmploymentType.EXTERNAL})  # fmt: skip
    assert "employment_type" in response.context["form"].errors
    assert TraineeChange.objects.filter(trainee=person).count() == 1
    # Saving the same values again is refused: a change log without a change helps nobody.
    response = client.post(reverse("trainee_edit", args=[person.pk]), data)
    assert "変更はありませんでした" in response.content.decode()
    assert TraineeChange.objects.filter(trainee=person).count() == 1


def _place_on(person, day):
    session = SessionFactory(days=[day])
    return enrol(person, session)


def test_a_transfer_entered_late_recounts_only_the_places_since_it_took_effect(hr_admin):
    old, new = OrganisationFactory(name="福祉課"), OrganisationFactory(name="保育課")
    person = TraineeFactory(organisation=old)
    before = _place_on(person, datetime.date(2026, 9, 20))
    since = _place_on(person, datetime.date(2026, 10, 5))
    later = _place_on(person, datetime.date(2027, 1, 20))  # not begun: not stamped yet
    enrollments_stamp_organisation(today=datetime.date(2026, 10, 15))
    recounted = records.trainee_transfer(
        trainee=person, organisation=new, effective_on=datetime.date(2026, 10, 1),
        actor=hr_admin, reason="10月1日付異動", today=datetime.date(2026, 10, 15),
    )  # fmt: skip
    assert recounted == 1
    stamped = dict(Enrollment.objects.values_list("pk", "organisation_name"))
    assert (stamped[before.pk], stamped[since.pk], stamped[later.pk]) == ("福祉課", "保育課", "")
    person.refresh_from_db()
    assert person.organisation == new
    change = TraineeChange.objects.get(trainee=person, kind="transferred")
    assert change.changes == {"organisation_id": [old.pk, new.pk],
                              "effective_on": [None, "2026-10-01"]}  # fmt: skip
    with pytest.raises(ValidationError) as refused:  # a move next April is the annual import's
        records.trainee_transfer(trainee=person, organisation=old, actor=hr_admin, reason="x",
                                 effective_on=datetime.date(2027, 4, 1), today=TODAY)  # fmt: skip
    assert "effective_on" in refused.value.message_dict
    external = OrganisationFactory(is_external=True)
    with pytest.raises(ValidationError):
        records.trainee_transfer(trainee=person, organisation=external, actor=hr_admin,
                                 reason="x", effective_on=TODAY, today=TODAY)  # fmt: skip


def test_a_leaver_loses_the_login_and_comes_back(client, hr_admin):
    person = TraineeFactory(hire_date=datetime.date(2000, 4, 1))
    account = User.objects.create(username=person.staff_number)
    Trainee.objects.filter(pk=person.pk).update(user=account)
    client.force_login(hr_admin)
    url = reverse("trainee_status", args=[person.pk])
    assert client.post(url, {"on": "令和8年11月30日", "reason": "退職"}).status_code == 302
    person.refresh_from_db()
    account.refresh_from_db()
    assert (person.status, person.status_changed_on, account.is_active) == (
        "left",
        datetime.date(2026, 11, 30),
        False,
    )
    assert client.post(url, {"on": "R8.12.1", "reason": "再任用"}).status_code == 302
    person.refresh_from_db()
    account.refresh_from_db()
    assert (person.status, account.is_active) == ("active", True)
    assert list(TraineeChange.objects.filter(trainee=person).values_list("kind", "reason")) == [
        ("reactivated", "再任用"), ("left", "退職"),
    ]  # fmt: skip
    # HR cannot lock themselves out by marking their own record.
    own = TraineeFactory(user=hr_admin)
    with pytest.raises(ValidationError):
        records.trainee_set_active(trainee=own, active=False, on=TODAY, actor=hr_admin, reason="x")


ROSTER = "職員番号,氏名,所属コード,雇用区分\r\n{number},{name},{code},正規\r\n"


def test_the_next_roster_import_sees_the_hand_made_change(client, hr_admin):
    client.force_login(hr_admin)
    old = OrganisationFactory(code="120100")
    new = OrganisationFactory(code="120200")
    person = TraineeFactory(staff_number="004321", name="異動 太郎", organisation=old)
    data = ROSTER.format(number="004321", name="異動 太郎", code="120100").encode("cp932")
    waiting = roster_import_preview(data=data, file_name="r.csv", mode="full", uploaded_by=None)
    records.trainee_transfer(trainee=person, organisation=new, effective_on=TODAY,
                             actor=hr_admin, reason="異動", today=TODAY)  # fmt: skip
    # A preview made before the hand-made change is stale: nothing silently overwritten.
    with pytest.raises(StaleImportError):
        roster_import_commit(roster_import_id=waiting.pk, committed_by=None)
    # A new preview of the same (older) file shows the organisation change as a change.
    again = roster_import_preview(data=data, file_name="r.csv", mode="full", uploaded_by=None)
    assert again.status == RosterImport.Status.PREVIEWED and again.updated == 1
    (row,) = changes_for_display(again)
    assert row["changes"] == [("organisation_id", new.pk, old.pk)]
    assert row["by_hand"].kind == "transferred" and row["by_hand"].changed_by == hr_admin
    page = client.get(reverse("roster_import_detail", args=[again.pk])).content.decode()
    assert "手作業で変更" in page and "この取込で上書きされます" in page


def test_the_record_pages_have_fixed_query_budgets(client, hr_admin, page_queries):
    person = TraineeFactory()
    OrganisationFactory.create_batch(3)
    client.force_login(hr_admin)
    client.get(reverse("trainee_add"))  # the first page after signing in starts the session
    organisations = "the organisations to choose from"
    pages = [
        (reverse("trainee_add"), ("organisations",)),
        (reverse("trainee_edit", args=[person.pk]), ("the person", organisations)),
        (reverse("trainee_transfer", args=[person.pk]), ("the person", organisations)),
        (reverse("trainee_status", args=[person.pk]), ("the person",)),
    ]
    for url, own in pages:
        with page_queries(*own):
            assert client.get(url).status_code == 200


def test_a_transfer_ahead_is_planned_and_made_on_its_day(client, hr_admin):
    """A move entered ahead (10月1日付, entered in September) waits, shows on the person's page,
    and is made by the morning job on its day — with the same history as one entered on the
    day; a second plan replaces the first; one whose person left is cancelled, saying why."""
    old, new, other = (OrganisationFactory(name=n) for n in ("福祉課", "保育課", "環境課"))
    person = TraineeFactory(organisation=old)
    leaver = TraineeFactory(organisation=old)
    september, october = datetime.date(2026, 9, 15), datetime.date(2026, 10, 1)
    first = records.transfer_plan(trainee=person, organisation=other, effective_on=october,
                                  actor=hr_admin, reason="内示", today=september)  # fmt: skip
    plan = records.transfer_plan(trainee=person, organisation=new, effective_on=october,
                                 actor=hr_admin, reason="10月1日付異動", today=september)  # fmt: skip
    first.refresh_from_db()
    assert first.cancelled_at is not None and plan.pending
    records.transfer_plan(trainee=leaver, organisation=new, effective_on=october,
                          actor=hr_admin, reason="異動", today=september)  # fmt: skip
    Trainee.objects.filter(pk=leaver.pk).update(status="left")
    client.force_login(hr_admin)
    page = client.get(reverse("trainee_detail", args=[person.pk])).content.decode()
    assert "保育課" in page and "10月1日付異動" in page
    # The day before: nothing happens.
    assert records.transfers_apply_due(today=datetime.date(2026, 9, 30)) == {
        "applied": 0, "cancelled": 0}  # fmt: skip
    assert records.transfers_apply_due(today=october) == {"applied": 1, "cancelled": 1}
    person.refresh_from_db()
    assert person.organisation == new
    change = TraineeChange.objects.filter(trainee=person, kind="transferred").get()
    assert change.reason == "10月1日付異動" and change.changed_by == hr_admin
    assert TraineeChange.objects.filter(trainee=leaver, kind="plan_cancelled").exists()
    # Run again: nothing more.
    assert records.transfers_apply_due(today=october) == {"applied": 0, "cancelled": 0}
    # The page form plans a day ahead instead of refusing it.
    later = timezone.localdate() + datetime.timedelta(days=20)
    response = client.post(reverse("trainee_transfer", args=[person.pk]), {
        "organisation": old.pk, "effective_on": later.strftime("%Y/%m/%d"), "reason": "再異動",
    })  # fmt: skip
    assert response.status_code == 302
    assert person.planned_transfers.filter(applied_at=None, cancelled_at=None).count() == 1
