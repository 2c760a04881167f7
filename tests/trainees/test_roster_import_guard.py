"""A full roster import never disables the HR administrator confirming it nor the last HR
administrator or auditor; other accounts with a role need an explicit tick, and the page lists
who will be disabled — those with a role first — before the confirm button."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.trainees.factories import OrganisationFactory, TraineeFactory, UserFactory
from trainees.models import RosterImport, Trainee, TraineeStatus, User
from trainees.roles import Role
from trainees.roster_import import roster_import_preview

pytestmark = pytest.mark.django_db
HEADER = "職員番号,氏名,氏名カナ,所属コード,所属,雇用区分,生年月日,採用年月日,メールアドレス"


def roster(*staff_numbers: str) -> bytes:
    lines = [f"{n},職員 {n},ショクイン,110100,総務課,正規,,," for n in staff_numbers]
    return ("\r\n".join([HEADER, *lines]) + "\r\n").encode("cp932")


def on_the_registry(user: User) -> Trainee:
    return TraineeFactory(
        staff_number=user.username, user=user, organisation=OrganisationFactory(code="110100")
    )


@pytest.fixture
def ward(hr_admin, auditor):
    """The registry: the HR administrator, a second one, a coordinator, a trainee, an auditor
    with a registry record; the new file knows only the trainee."""
    other_hr = UserFactory(username="100002", roles=[Role.HR_ADMIN], totp=True)
    coordinator = UserFactory(username="200001", roles=[Role.COORDINATOR, Role.TRAINEE])
    staff = UserFactory(username="300001", roles=[Role.TRAINEE])
    for user in (hr_admin, other_hr, coordinator, staff):
        on_the_registry(user)
    return {"other_hr": other_hr, "coordinator": coordinator, "staff": staff}


def preview(data: bytes, user: User) -> RosterImport:
    return roster_import_preview(data=data, file_name="roster.csv", mode="full", uploaded_by=user)


@pytest.fixture
def commit(django_capture_on_commit_callbacks, eager_celery):
    """Confirm on the page: the job runs after commit (eager here); the page followed to is
    the job's, which says what came out."""

    def confirm(client, record, **data):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("roster_import_commit", args=[record.pk]), data)
        return client.get(response["Location"], follow=True)

    return confirm


def test_the_import_never_disables_the_person_confirming_it(client, hr_admin, ward, commit):
    record = preview(roster("300001", "100002", "200001"), hr_admin)
    client.force_login(hr_admin)
    response = commit(client, record, confirm_privileged="on")
    assert "あなた自身" in response.content.decode()
    record.refresh_from_db()
    assert record.status == RosterImport.Status.PREVIEWED  # nothing written
    assert User.objects.get(pk=hr_admin.pk).is_active


def test_accounts_with_a_role_are_listed_first_and_need_a_tick(client, hr_admin, ward, commit):
    record = preview(roster("100001", "300001"), hr_admin)
    client.force_login(hr_admin)
    page = client.get(reverse("roster_import_detail", args=[record.pk])).content.decode()
    warning, button = page.index("役割"), page.index("この内容で反映する")
    assert warning < button and page.index("100002") < button and page.index("200001") < button
    assert 'name="confirm_privileged"' in page
    # Without the tick: refused, nothing written.
    commit(client, record)
    assert User.objects.get(username="100002").is_active
    assert Trainee.objects.get(staff_number="200001").status == TraineeStatus.ACTIVE
    # With it: applied.
    commit(client, record, confirm_privileged="on")
    assert not User.objects.get(username="100002").is_active
    assert not User.objects.get(username="200001").is_active
    assert User.objects.get(pk=hr_admin.pk).is_active


def test_the_last_hr_administrator_is_never_disabled(client, hr_admin, ward, settings, commit):
    """Another HR administrator confirms a file that has neither of them — disabling the
    other would leave the portal without an active HR administrator once they leave too."""
    ward["other_hr"].is_active = False
    ward["other_hr"].save()
    record = preview(roster("300001", "200001"), ward["staff"])
    root = UserFactory(username="root01", totp=True)
    root.is_superuser = root.is_staff = True
    root.save()
    client.force_login(root)
    response = commit(client, record, confirm_privileged="on")
    assert (
        "人材育成センター管理者" in response.content.decode() or "HR" in response.content.decode()
    )
    assert User.objects.get(pk=hr_admin.pk).is_active
