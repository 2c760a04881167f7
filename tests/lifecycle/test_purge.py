"""消去 (issue 21) on a hand-built ward: a leaver past retention, one not yet, one past it still
holding a place, the active, expired log rows, an old import's plan, an orphaned file. Exactly
the expired data goes, the statistics survive, the chains still verify, the deletion report's
PDF and CSV say so, the auditor finds the erased person by staff number, a dry run changes
nothing — and a person erased on request after re-authentication, once, with the same report;
a restored old copy is erased again from the journal."""

from __future__ import annotations

import csv
import datetime
import io
import json
import os
import time
import uuid

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from audit import chain
from audit.models import AccessLog, AuditEvent
from enrollments.models import Enrollment
from jobs.models import Job
from lifecycle import services
from lifecycle.models import DeletionReport, Erasure
from tests.courses.factories import SessionFactory
from tests.enrollments.factories import enrol
from tests.trainees.factories import PASSWORD, RosterImportFactory, TraineeFactory, UserFactory
from trainees.models import Trainee, TraineeChange, TraineeStatus
from trainees.roles import Role

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
PAST = datetime.date(2019, 5, 14)
FUTURE = TODAY + datetime.timedelta(days=30)


def _leaver(number: str, left: datetime.date, organisation, *, place_on=None) -> Trainee:
    user = UserFactory(username=number, full_name=f"退職 {number}", email=f"{number}@example.jp",
                       roles=[Role.TRAINEE])  # fmt: skip
    person = TraineeFactory(
        staff_number=number, name=f"退職 {number}", name_kana="タイショク", email=f"{number}@ex.jp",
        birth_date=datetime.date(1970, 4, 1), organisation=organisation, user=user,
        status=TraineeStatus.LEFT, status_changed_on=left,
    )  # fmt: skip
    TraineeChange.objects.create(trainee=person, kind="updated",
                                 changes={"name": ["旧姓", person.name]})  # fmt: skip
    enrol(person, SessionFactory(days=[place_on or PAST]))
    return person


@pytest.fixture
def ward(organisation, private_storage):
    years = lambda n: TODAY - datetime.timedelta(days=round(365.25 * n))  # noqa: E731
    people = {
        "gone": _leaver("000101", years(6), organisation),
        "recent": _leaver("000102", years(2), organisation),
        "holding": _leaver("000103", years(7), organisation, place_on=FUTURE),
        "active": TraineeFactory(
            staff_number="000104", name="在職 四郎", organisation=organisation
        ),
    }
    old = timezone.now() - datetime.timedelta(days=round(365.25 * 6))
    for n in range(4):
        AccessLog.objects.create(occurred_at=old + datetime.timedelta(minutes=n),
                                 request_id=uuid.uuid4(), method="GET", path="/", status_code=200,
                                 duration_ms=1)  # fmt: skip
    chain.seal_all(now=timezone.now() + datetime.timedelta(hours=1))
    AccessLog.objects.create(request_id=uuid.uuid4(), method="GET", path="/me/", status_code=200,
                             duration_ms=1)  # fmt: skip
    RosterImportFactory(uploaded_at=timezone.now() - datetime.timedelta(days=40), plan=b"rows")
    RosterImportFactory(uploaded_at=timezone.now(), plan=b"fresh")
    orphan = private_storage / "materials" / "2019" / "old.pdf"
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"%PDF-1.4 old")
    yesterday = time.time() - 3 * 86400
    os.utime(orphan, (yesterday, yesterday))
    # Background jobs' files: one past RETENTION_EXPORT_FILE_DAYS (7), one kept (its file is
    # older than a day, yet a job refers to it: not an orphan).
    owner = UserFactory(username="100009", roles=[Role.HR_ADMIN])
    for days, name in ((10, "old.zip"), (3, "recent.zip")):
        job = Job.objects.create(kind="certificates", owner=owner, title=name, state="done",
                                 created_at=timezone.now() - datetime.timedelta(days=days))  # fmt: skip
        job.file.save(f"jobs/{name}", ContentFile(b"PK"), save=True)
        os.utime(private_storage / job.file.name, (yesterday, yesterday))
        people[name] = job
    return people


def test_a_dry_run_counts_and_changes_nothing(ward):
    out = io.StringIO()
    call_command("purge_expired", "--dry-run", "--format", "json", stdout=out)
    result = json.loads(out.getvalue())
    assert result["counts"]["people"] == 1 and result["report"] is None
    assert result["counts"]["access_log"] == 4 and result["counts"]["import_plans"] == 1
    assert result["counts"]["orphan_files"] == 1 and result["counts"]["export_files"] == 1
    assert Trainee.objects.get(pk=ward["gone"].pk).name == "退職 000101"
    assert AccessLog.objects.count() == 5 and not DeletionReport.objects.exists()


def test_exactly_the_expired_data_goes_and_the_report_says_so(ward, private_storage, client,
                                                              auditor):  # fmt: skip
    outcome, report = services.purge_expired(ran_by="command")
    gone = Trainee.objects.get(pk=ward["gone"].pk)
    assert (gone.name, gone.name_kana, gone.email, gone.birth_date) == (
        "（消去済み）",
        "",
        "",
        None,
    )
    assert gone.staff_number != "000101" and gone.user is None
    assert not TraineeChange.objects.filter(trainee=gone).exists()
    erased_user = ward["gone"].user
    erased_user.refresh_from_db()
    assert not erased_user.is_active and erased_user.username.startswith("erased-")
    assert erased_user.email == "" and not erased_user.has_usable_password()
    # The statistics they contributed survive.
    assert Enrollment.objects.filter(trainee=gone).count() == 1
    for key in ("recent", "holding", "active"):
        kept = Trainee.objects.get(pk=ward[key].pk)
        assert kept.name == ward[key].name and kept.staff_number == ward[key].staff_number
    assert AccessLog.objects.count() == 1  # the recent row stays
    assert chain.verify().intact
    assert not (private_storage / "materials" / "2019" / "old.pdf").exists()
    assert outcome.counts == {"people": 1, "access_log": 4, "import_plans": 1,
                              "export_files": 1, "orphan_files": 1}  # fmt: skip
    old, recent = (Job.objects.get(pk=ward[n].pk) for n in ("old.zip", "recent.zip"))
    assert not old.file and not (private_storage / ward["old.zip"].file.name).exists()
    assert recent.file and (private_storage / recent.file.name).exists()
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(bytes(report.pdf))).pages)
    assert "電子データの消去報告書" in text and "保存期間の経過" in text
    assert services.person_hash("000101") in text.replace("\n", "")
    assert "退職 000101" not in text
    rows = list(csv.reader(io.StringIO(bytes(report.csv).decode("utf-8-sig"))))
    assert ["消去した件数", "アクセスログ（保存期間経過）", "4"] in rows
    assert Erasure.objects.get().person_hash == services.person_hash("000101")
    assert AuditEvent.objects.filter(kind="lifecycle.purged", detail__report=report.pk).exists()
    # The auditor confirms the named person was erased, by staff number typed with the IME.
    client.force_login(auditor)
    page = client.get(reverse("deletion_reports"), {"staff_number": "０００１０１"})
    assert report.number in page.content.decode()
    other = client.get(reverse("deletion_reports"), {"staff_number": "000102"}).content.decode()
    assert "消去の記録はありません" in other
    assert (
        client.get(reverse("deletion_report_download", args=[report.pk, "pdf"])).status_code == 200
    )
    # Run again: nothing left to erase, and a report that says so.
    again, second = services.purge_expired(ran_by="command")
    assert again.counts == {} and second.counts == {}


def test_hr_erases_one_person_on_request_after_reauthentication(client, hr_admin, organisation):
    person = TraineeFactory(staff_number="000201", name="申出 太郎", organisation=organisation)
    busy = TraineeFactory(staff_number="000202", name="受講 花子", organisation=organisation)
    enrol(busy, SessionFactory(days=[FUTURE]))
    client.force_login(hr_admin)
    url = reverse("trainee_erase", args=[person.pk])
    asked = client.post(url, {"reason": "本人からの申出（12月1日受付）"})
    assert asked.status_code == 302 and asked["Location"].startswith(
        reverse("account_reauthenticate")
    )
    assert Trainee.objects.get(pk=person.pk).name == "申出 太郎"
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    client.post(url, {"reason": "本人からの申出（12月1日受付）"})
    assert Trainee.objects.get(pk=person.pk).name == "（消去済み）"
    report = DeletionReport.objects.get()
    assert report.basis == "request" and report.ran_by == hr_admin.username
    assert report.counts == {"person_on_request": 1}
    assert AuditEvent.objects.get(kind="lifecycle.erased").user_id == hr_admin.pk
    client.post(reverse("trainee_erase", args=[busy.pk]), {"reason": "申出"})
    assert Trainee.objects.get(pk=busy.pk).name == "受講 花子"  # refused: a place to come
    client.post(url, {"reason": "二度目"})
    assert DeletionReport.objects.count() == 1  # once


def test_a_restored_old_copy_is_erased_again_from_the_journal(organisation, hr_admin, settings,
                                                              tmp_path):  # fmt: skip
    settings.ERASURE_JOURNAL = str(tmp_path / "journal.jsonl")
    person = TraineeFactory(staff_number="000301", name="復元 次郎", organisation=organisation)
    backup_taken = timezone.now()
    services.trainee_erase(trainee=person, actor=hr_admin, reason="申出")
    # A backup from before the erasure is restored: the person's row is back as it was.
    Trainee.objects.filter(pk=person.pk).update(name="復元 次郎", staff_number="000301")
    assert services.erasures_reapply(since=backup_taken) == 1
    assert Trainee.objects.get(pk=person.pk).name == "（消去済み）"
    assert services.erasures_reapply(since=timezone.now()) == 0


def test_log_rows_the_application_role_may_not_remove_are_reported_not_done(ward, monkeypatch):
    """On PostgreSQL only the tables' owner may remove audit rows: run as the application's
    role, the people are still erased and the report says the log rows were not."""
    from django.db import DatabaseError

    def refused(*args, **kwargs):
        raise DatabaseError("only the table owner may purge audit rows")

    monkeypatch.setattr(chain, "cut", refused)
    outcome, report = services.purge_expired(ran_by="nightly")
    assert outcome.counts["people"] == 1 and "access_log" not in outcome.counts
    assert "access_log" in outcome.not_done and AccessLog.objects.count() == 5
    rows = list(csv.reader(io.StringIO(bytes(report.csv).decode("utf-8-sig"))))
    assert ["未実施", "アクセスログ（保存期間経過）",
            "テーブル所有者の権限で purge_expired を実行してください"] in rows  # fmt: skip
