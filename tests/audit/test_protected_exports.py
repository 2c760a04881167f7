"""ファイルにパスワード (issue 21): personal data leaves as an Excel file that opens only with a
one-time password shown on the page (never in the link, the file name or the log), the link
works once; the ward can make protection mandatory; and every export of personal data asks for
the password again first (allauth's re-authentication), honoured for its timeout."""

from __future__ import annotations

import io
import re

import msoffcrypto
import msoffcrypto.exceptions
import openpyxl
import pytest
from django.urls import reverse

from audit.models import AccessLog, AuditEvent
from tests.trainees.factories import PASSWORD, TraineeFactory

pytestmark = pytest.mark.django_db


def _password_page(client, url):
    page = client.get(url, {"format": "xlsx-protected"})
    assert page.status_code == 200
    text = page.content.decode()
    password = re.search(r'<p class="one-time-password"[^>]*><code>([^<]+)</code>', text)[1]
    link = re.search(r'<a class="button button--primary" href="([^"]+)" download>', text)[1]
    return password, link.replace("&amp;", "&")


def _open(body: bytes, password: str):
    office = msoffcrypto.OfficeFile(io.BytesIO(body))
    office.load_key(password=password)
    plain = io.BytesIO()
    office.decrypt(plain)
    return openpyxl.load_workbook(plain).active


def test_a_protected_registry_export_opens_only_with_its_one_time_password(
    client, hr_admin, organisation
):
    TraineeFactory(staff_number="000777", name="区民 花子", organisation=organisation)
    client.force_login(hr_admin)
    url = reverse("trainee_export")
    password, link = _password_page(client, url)
    assert password not in link and re.fullmatch(r"\w{5}-\w{5}-\w{5}", password)
    response = client.get(link)
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    body = response.content
    sheet = _open(body, password)
    assert any(
        row[0] == "000777" and "区民 花子" in row for row in sheet.iter_rows(values_only=True)
    )
    with pytest.raises(msoffcrypto.exceptions.InvalidKeyError):
        _open(body, "wrong-password-12")
    with pytest.raises(Exception):  # noqa: B017 - without a password it is no workbook at all
        openpyxl.load_workbook(io.BytesIO(body))
    assert client.get(link).status_code == 410  # once
    event = AuditEvent.objects.get(kind="trainees.exported")
    assert event.detail["format"] == "xlsx-protected" and event.detail["subjects"] == 1
    # The password is in no log row, no URL.
    logged = list(AccessLog.objects.values_list("path", "query_keys"))
    assert all(password not in f"{path} {keys}" for path, keys in logged)
    assert password not in str(AuditEvent.objects.values_list("detail", flat=True))


def test_a_second_password_page_makes_another_password(client, hr_admin):
    client.force_login(hr_admin)
    url = reverse("trainee_export")
    first, first_link = _password_page(client, url)
    second, second_link = _password_page(client, url)
    assert first != second
    assert _open(client.get(first_link).content, first) is not None
    assert _open(client.get(second_link).content, second) is not None


def test_protection_can_be_made_mandatory_for_personal_data(client, hr_admin, settings):
    settings.EXPORT_PROTECTION_REQUIRED = True
    client.force_login(hr_admin)
    refused = client.get(reverse("trainee_export"), {"format": "xlsx"})
    assert refused.status_code == 403
    assert "format=xlsx-protected" in refused.content.decode()
    assert not AuditEvent.objects.filter(kind="trainees.exported").exists()
    # A table about nobody in particular (yearly hours by course) still leaves as it is.
    aggregate = client.get(reverse("dashboard_hours"), {"format": "csv"})
    assert aggregate.status_code == 200


def test_an_export_of_personal_data_asks_for_the_password_again(client, hr_admin, settings,
                                                                 organisation):  # fmt: skip
    settings.EXPORT_REAUTHENTICATION = True
    TraineeFactory(staff_number=hr_admin.username, organisation=organisation, user=hr_admin)
    client.force_login(hr_admin)
    # One's own history asks nothing.
    assert client.get(reverse("my_history_export"), {"format": "csv"}).status_code == 200
    url = reverse("trainee_export")
    asked = client.get(url, {"format": "csv"})
    assert asked.status_code == 302
    assert asked["Location"].startswith(reverse("account_reauthenticate"))
    assert not AuditEvent.objects.filter(kind="trainees.exported").exists()
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert client.get(url, {"format": "csv"}).status_code == 200  # honoured for a while
    assert client.get(url, {"format": "csv"}).status_code == 200
