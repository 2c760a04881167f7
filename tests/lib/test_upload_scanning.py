"""ウイルス対策 (issue 21): with a real clamd, the EICAR test file is refused on every path that
accepts a file — before the view runs, so nothing is written — with a Japanese page and an audit
event; a clean file goes through; a scanner that does not answer refuses uploads (fail closed)
unless CLAMD_FAIL_OPEN; the checklist shows the scanner and its signatures."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEvent
from learning.models import Material
from lib import scanning
from reports.models import IssuingAuthority
from tests.assessments.factories import make_test
from tests.conftest import EICAR
from tests.courses.factories import SessionFactory
from trainees.models import RosterImport

pytestmark = pytest.mark.django_db

CLEAN_ROSTER = "職員番号,氏名\r\n000777,区民 花子\r\n".encode("cp932")


def _every_upload(session, test):
    """(url, the form's fields with the file under its own name) for every upload form."""
    return [
        (reverse("roster_imports"), {"file": "roster.csv", "encoding": "auto", "mode": "full"}),
        (reverse("history_imports"), {"file": "history.csv", "encoding": "auto"}),
        (reverse("question_bank_import", args=[test.pk]), {"file": "bank.csv"}),
        (reverse("certificate_authority"), {"seal": "seal.png", "name": "人材育成センター所長"}),
        (reverse("material_create", args=[session.course_id]),
         {"upload": "handout.pdf", "title": "資料"}),
    ]  # fmt: skip


def _post(client, url, fields, content):
    data = {}
    for name, value in fields.items():
        is_file = "." in value and name in {"file", "seal", "upload"}
        data[name] = SimpleUploadedFile(value, content) if is_file else value
    return client.post(url, data)


def test_eicar_is_refused_on_every_upload_path(client, hr_admin, clamd):
    session = SessionFactory()
    test = make_test(session.course)
    client.force_login(hr_admin)
    for url, fields in _every_upload(session, test):
        response = _post(client, url, fields, EICAR)
        assert response.status_code == 400, url
        text = response.content.decode()
        assert "ウイルス" in text and "保存されていません" in text, url
    assert not RosterImport.objects.exists()
    assert not Material.objects.exists()
    assert not IssuingAuthority.objects.exists()
    events = AuditEvent.objects.filter(kind="upload.infected")
    assert events.count() == 5
    assert {e.detail["signature"] for e in events} == {"Kenshu.Test.EICAR.UNOFFICIAL"}
    assert all(".csv" not in str(e.detail) for e in events)  # names of files are not kept


def test_a_clean_file_goes_through(client, hr_admin, clamd):
    client.force_login(hr_admin)
    response = client.post(reverse("roster_imports"), {
        "file": SimpleUploadedFile("roster.csv", CLEAN_ROSTER), "encoding": "auto", "mode": "full",
    })  # fmt: skip
    assert response.status_code in (200, 302)
    assert not AuditEvent.objects.filter(kind__startswith="upload.").exists()


def test_a_scanner_that_does_not_answer_refuses_uploads(client, hr_admin, settings, tmp_path):
    settings.CLAMD_SOCKET = str(tmp_path / "nobody-listens.sock")
    client.force_login(hr_admin)
    upload = {"file": SimpleUploadedFile("roster.csv", CLEAN_ROSTER), "encoding": "auto"}
    response = client.post(reverse("roster_imports"), upload)
    assert response.status_code == 503
    assert "ウイルス対策ソフトが応答していない" in response.content.decode()
    assert AuditEvent.objects.filter(kind="upload.not_scanned").count() == 1
    assert not RosterImport.objects.exists()
    settings.CLAMD_FAIL_OPEN = True  # development only (refused in production)
    scanning.scan(io.BytesIO(CLEAN_ROSTER))  # no exception


def test_the_checklist_shows_the_scanner_and_its_signatures(client, auditor, clamd):
    client.force_login(auditor)
    page = client.get(reverse("audit:checklist")).content.decode()
    assert "ClamAV" in page and "/" in page.split("ClamAV", 1)[1][:40]  # version/signatures/date
