"""Every request body has a size limit, checked before anything reads the body: an anonymous
300 MB POST to the login page writes nothing to disk."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AccessLog
from tests.courses.factories import SessionFactory

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


@pytest.fixture
def upload_dir(settings, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0  # every uploaded file would go to disk
    return tmp_path


def test_a_large_body_to_the_login_page_is_refused_unread(client, upload_dir):
    blob = SimpleUploadedFile("big.bin", b"x" * (3 * MB))
    response = client.post(reverse("account_login"), {"login": "a", "password": "b", "f": blob})
    assert response.status_code == 413
    assert "2 MB" in response.content.decode()
    assert list(upload_dir.iterdir()) == []  # nothing reached the temporary directory
    assert AccessLog.objects.get(path="/accounts/login/").status_code == 413


def test_a_claimed_300_mb_body_is_refused_without_reading_it(client, upload_dir):
    response = client.generic(
        "POST", "/accounts/login/", b"tiny", CONTENT_LENGTH=str(300 * MB),
        content_type="multipart/form-data; boundary=x",
    )  # fmt: skip
    assert response.status_code == 413
    assert list(upload_dir.iterdir()) == []


def test_a_nonsense_length_is_a_bad_request(client):
    response = client.generic("POST", "/accounts/login/", b"", CONTENT_LENGTH="-1")
    assert response.status_code == 400


def test_the_material_upload_takes_a_large_file(client, hr_admin, settings, upload_dir):
    """The upload page's own limit applies (the content check then refuses a non-video)."""
    session = SessionFactory()
    client.force_login(hr_admin)
    blob = SimpleUploadedFile("lecture.mp4", b"\x00" * (3 * MB))
    url = reverse("material_create", args=[session.course_id])
    response = client.post(url, {"title": "講義", "upload": blob})
    assert response.status_code == 200  # the form, with the file-type refusal
    assert "MP4" in response.content.decode()
