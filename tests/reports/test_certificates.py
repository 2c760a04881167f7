"""修了証: the PDF read back, verification (genuine, tampered, revoked), the trainee's own,
the session's certificates as ZIP and one PDF in the background, the seal upload."""

from __future__ import annotations

import datetime
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfReader

from audit.models import AccessLog, AuditEvent
from jobs.models import Job
from reports import services
from reports.certificates import certificates_pdf, signature, verification_code
from reports.models import Certificate
from tests.courses.factories import SessionFactory
from tests.enrollments.factories import completed, enrol
from tests.reports.factories import SEAL_PNG
from tests.trainees.factories import TraineeFactory, UserFactory
from trainees.roles import Role

pytestmark = pytest.mark.django_db


def text_of(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def completed_place(trainee=None, session=None):
    place = enrol(trainee or TraineeFactory(), session or SessionFactory(
        course__title="情報セキュリティ研修", days=[datetime.date(2026, 5, 12),
                                                   datetime.date(2026, 5, 13)]))  # fmt: skip
    return completed(place)


@pytest.fixture
def person():
    trainee = TraineeFactory(name="修了 花子")
    trainee.user = UserFactory(username="300030", roles=[Role.TRAINEE])
    trainee.save(update_fields=["user"])
    return trainee


def test_the_certificate_says_who_what_when_in_wareki_and_how_to_verify(person):
    services.authority_save(name="新宿区人材育成センター所長", seal=SEAL_PNG, actor=None)
    certificate = services.certificate_issue(enrollment=completed_place(person), actor=None)
    assert certificate.number == f"2026-{certificate.pk:06d}"
    Certificate.objects.filter(pk=certificate.pk).update(issued_on=datetime.date(2019, 5, 1))
    certificate.refresh_from_db()
    content = certificates_pdf([certificate], services.authority_current())
    text = text_of(content)
    assert "修了 花子" in text and "情報セキュリティ研修" in text
    assert "令和元年5月1日" in text and "2019年5月1日" in text  # issue date, 和暦 and 西暦
    assert "令和8年5月12日" in text and "15.0時間" in text
    assert verification_code(certificate) in text.replace("\n", "")
    assert b"/Subtype /Image" in content  # the seal
    assert b"IPAexMincho" in content or b"IPAexGothic" in content  # embedded Japanese font
    assert AuditEvent.objects.filter(kind="certificate.issued").count() == 1
    # Asking again gives the same certificate.
    again = services.certificate_issue(enrollment=certificate.enrollment, actor=None)
    assert again.pk == certificate.pk


def test_verification_genuine_tampered_revoked(client, hr_admin, person):
    certificate = services.certificate_issue(enrollment=completed_place(person), actor=None)
    url = reverse("certificate_verify", args=[verification_code(certificate)])
    page = client.get(url)
    text = page.content.decode()
    assert page.status_code == 200 and "本物で有効" in text and "修了 花子" in text
    assert person.staff_number not in text and person.email not in text  # nothing more
    stored = AccessLog.objects.filter(path__startswith="/verify/").latest("id").path
    assert stored == "/verify/[redacted]" and verification_code(certificate) not in stored
    # Another number with this one's signature: refused without a lookup.
    other = services.certificate_issue(enrollment=completed_place(), actor=None)
    forged = f"{other.number}.{signature(certificate.number)}"
    page = client.get(reverse("certificate_verify", args=[forged]))
    assert page.status_code == 404 and "本物の修了証番号ではありません" in page.content.decode()
    assert other.trainee_name not in page.content.decode()
    client.force_login(hr_admin)
    client.post(reverse("certificate_revoke", args=[certificate.pk]), {"reason": "受講記録の誤り"})
    client.logout()
    text = client.get(url).content.decode()
    assert "取り消されています" in text and "受講記録の誤り" not in text
    event = AuditEvent.objects.get(kind="certificate.revoked")
    assert event.detail["number"] == certificate.number
    # HR reaches it from the person's history.
    client.force_login(hr_admin)
    page = client.get(reverse("trainee_history", args=[person.pk])).content.decode()
    assert reverse("certificate_detail", args=[certificate.pk]) in page


def test_the_trainee_downloads_their_own_only_when_completed(client, person):
    place = completed_place(person)
    client.force_login(person.user)
    response = client.get(reverse("my_certificate", args=[place.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert "修了 花子" in text_of(response.content)
    unfinished = enrol(person, SessionFactory())
    response = client.get(reverse("my_certificate", args=[unfinished.pk]), follow=True)
    assert "修了した研修についてのみ" in response.content.decode()
    services.certificate_revoke(certificate=place.certificate, reason="誤り", actor=None)
    response = client.get(reverse("my_certificate", args=[place.pk]), follow=True)
    assert "取り消されています" in response.content.decode()
    # Someone else's place: not found.
    other = completed_place()
    assert client.get(reverse("my_certificate", args=[other.pk])).status_code == 404


def test_a_sessions_certificates_as_zip_and_as_one_pdf(
    client, hr_admin, private_storage, django_capture_on_commit_callbacks, eager_celery
):
    session = SessionFactory(course__code="S09")
    for _n in range(3):
        completed_place(session=session)
    enrol(TraineeFactory(), session)  # not completed: no certificate
    client.force_login(hr_admin)
    # The job is handed to a worker after commit (eager here): the page then shows the result.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("session_certificates", args=[session.pk]), {"kind": "zip"})
    job = Job.objects.get()
    assert response["Location"] == reverse("job_detail", args=[job.pk])
    assert (job.kind, job.state, job.done, job.total, job.percent) == ("certificates", "done",
                                                                     3, 3, 100)  # fmt: skip
    assert AuditEvent.objects.filter(kind="certificate.batch", detail__job=job.pk).exists()
    page = client.get(reverse("job_detail", args=[job.pk])).content.decode()
    assert "3件の修了証" in page and 'http-equiv="refresh"' not in page
    assert job.link == reverse("session_certificates", args=[session.pk])  # 依頼した画面に戻る
    assert f'href="{job.link}"' in page
    download = client.get(reverse("job_download", args=[job.pk]))
    assert download["Content-Disposition"].endswith(f'certificates-S09-{session.number}.zip"')
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    assert sorted(archive.namelist()) == sorted(
        f"{c.number}.pdf" for c in Certificate.objects.all()
    )
    # The session's page lists the files asked for; the owner has a notice in the inbox.
    listing = client.get(reverse("session_certificates", args=[session.pk])).content.decode()
    assert reverse("job_detail", args=[job.pk]) in listing
    assert hr_admin.notices.filter(link=reverse("job_detail", args=[job.pk])).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        one = services.certificate_batch_start(session=session, file_format="pdf", actor=hr_admin)
    one.refresh_from_db()
    pages = PdfReader(one.file.open("rb")).pages
    assert len(pages) == 3 and Certificate.objects.count() == 3  # none issued twice


def test_the_seal_upload_refuses_what_is_not_an_image(client, hr_admin):
    client.force_login(hr_admin)
    url = reverse("certificate_authority")
    fake = SimpleUploadedFile("seal.png", b"<script>alert(1)</script>", content_type="image/png")
    page = client.post(url, {"name": "所長", "seal": fake})
    assert "PNG または JPEG" in page.content.decode()
    assert services.authority_current() is None
    good = SimpleUploadedFile("seal.png", SEAL_PNG, content_type="image/png")
    assert client.post(url, {"name": "所長", "seal": good}).status_code == 302
    assert services.authority_current().seal_png
    assert client.get(reverse("certificate_authority_seal"))["Content-Type"] == "image/png"


def test_certificate_pages_cost_the_same_with_more_rows(client, hr_admin,
                                                       page_queries):  # fmt: skip
    session = SessionFactory()
    places = [completed_place(session=session) for _n in range(2)]
    certificate = services.certificate_issue(enrollment=places[0], actor=None)
    client.force_login(hr_admin)
    pages = [
        (reverse("session_certificates", args=[session.pk]),
         ["the session", "places with their certificates", "batches"]),
        (reverse("certificate_detail", args=[certificate.pk]),
         ["the certificate with its place and trainee", "who saw whose data (閲覧記録)"]),
        (reverse("certificate_verify", args=[verification_code(certificate)]),
         ["the certificate with its place"]),
        (reverse("certificate_authority"), ["the issuer"]),
    ]  # fmt: skip
    for url, _own in pages:
        client.get(url)
    for url, own in pages:
        with page_queries(*own):
            assert client.get(url).status_code == 200
    for _n in range(10):
        services.certificate_issue(enrollment=completed_place(session=session), actor=None)
    url, own = pages[0]
    with page_queries(*own):
        assert client.get(url).status_code == 200


def test_codes_survive_a_secret_key_rotation_and_the_certificate_key_has_fallbacks(
    client, settings, person
):
    """Issue 18, item 13: the code is keyed by CERTIFICATE_KEY, not SECRET_KEY."""
    certificate = services.certificate_issue(enrollment=completed_place(person), actor=None)
    code = verification_code(certificate)
    url = reverse("certificate_verify", args=[code])
    settings.SECRET_KEY = "a rotated secret key that is long enough to be accepted by Django 1234"
    assert "本物で有効" in client.get(url).content.decode()
    # The certificate key itself rotated: printed codes stay valid through the fallback ...
    settings.CERTIFICATE_KEY_FALLBACKS = [settings.CERTIFICATE_KEY]
    settings.CERTIFICATE_KEY = "the new certificate key"
    assert "本物で有効" in client.get(url).content.decode()
    assert verification_code(certificate) != code  # new prints use the new key
    # ... and not once the fallback is dropped.
    settings.CERTIFICATE_KEY_FALLBACKS = []
    assert client.get(url).status_code == 404
