"""特定相手以外との通信不可 (issue 21): the staff pages answer only to the ward's networks, external
organisations' trainees study only from ward facilities — judged on the address the trusted
proxy saw, not on what a client writes into X-Forwarded-For; a refusal is a Japanese page and an
audit event. DATA_RESIDENCY=JP refuses an SMTP server or storage outside the allow-list."""

from __future__ import annotations

import ipaddress
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from config.residency import residency_violations
from tests.trainees.factories import OrganisationFactory, TraineeFactory, UserFactory
from trainees.roles import Role

pytestmark = pytest.mark.django_db

INTRANET = "10.20.0.0/16"


@pytest.fixture
def allow_list(settings):
    settings.STAFF_ALLOWED_NETWORKS = [ipaddress.ip_network(INTRANET)]
    settings.EXTERNAL_LEARNING_NETWORKS = [ipaddress.ip_network("10.30.0.0/16")]
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1  # one proxy appends the client it saw


def get(client, path, client_address):
    return client.get(path, REMOTE_ADDR="10.99.0.1", HTTP_X_FORWARDED_FOR=client_address)


def test_staff_pages_answer_only_to_the_ward_network(client, allow_list, hr_admin):
    client.force_login(hr_admin)
    assert get(client, reverse("hr_home"), "10.20.3.4").status_code == 200
    refused = get(client, reverse("hr_home"), "203.0.113.5")
    assert refused.status_code == 403
    text = refused.content.decode()
    assert "区の庁内ネットワーク" in text and '<html lang="ja">' in text
    # A client writing an intranet address in front of the real one gains nothing.
    assert get(client, reverse("hr_home"), "10.20.3.4, 203.0.113.5").status_code == 403
    event = AuditEvent.objects.filter(kind="request.network_refused").earliest("id")
    assert event.user_id == hr_admin.pk and event.ip_address == "203.0.113.5"
    assert event.detail == {"rule": "staff", "path": "/hr/"}
    assert AuditEvent.objects.filter(kind="request.network_refused").count() == 2
    # Pages that are not staff pages answer from anywhere.
    assert get(client, reverse("inbox"), "203.0.113.5").status_code == 200


def test_auditor_and_admin_pages_are_staff_pages(client, allow_list, auditor):
    client.force_login(auditor)
    assert get(client, reverse("audit:home"), "203.0.113.5").status_code == 403
    assert get(client, "/admin/", "203.0.113.5").status_code == 403
    assert get(client, reverse("audit:home"), "10.20.0.9").status_code == 200


def test_external_trainees_study_only_at_ward_facilities(client, allow_list):
    outside_org = OrganisationFactory(code="900100", name="社会福祉協議会", is_external=True)
    ward_org = OrganisationFactory(code="140100", name="福祉課")
    people = {}
    for login, organisation in (("800001", outside_org), ("300002", ward_org)):
        user = UserFactory(username=login, roles=[Role.TRAINEE])
        TraineeFactory(staff_number=login, organisation=organisation, user=user)
        people[login] = user
    client.force_login(people["800001"])
    refused = get(client, reverse("learning"), "198.51.100.7")
    assert refused.status_code == 403 and "区の施設" in refused.content.decode()
    assert get(client, reverse("learning"), "10.30.1.2").status_code == 200
    client.force_login(people["300002"])  # ward staff study from home too
    assert get(client, reverse("learning"), "198.51.100.7").status_code == 200


def test_without_an_allow_list_nothing_is_refused(client, hr_admin):
    client.force_login(hr_admin)
    assert get(client, reverse("hr_home"), "203.0.113.5").status_code == 200


def test_data_residency_names_what_is_outside_japan():
    allowed = [".lg.jp", "smtp.example.co.jp"]
    assert residency_violations(email_host="smtp.example.co.jp", s3=None, allowed=allowed) == []
    assert residency_violations(email_host="mail.city.lg.jp", s3={"endpoint_url": None,
                                "region_name": "ap-northeast-1"}, allowed=allowed) == []  # fmt: skip
    problems = residency_violations(
        email_host="smtp.gmail.com",
        s3={"endpoint_url": "https://s3.us-west-2.amazonaws.com", "region_name": None},
        allowed=allowed,
    )
    assert problems == [
        "EMAIL_HOST smtp.gmail.com is not in RESIDENCY_ALLOWED_HOSTS",
        "MATERIALS_S3_ENDPOINT_URL s3.us-west-2.amazonaws.com is not in RESIDENCY_ALLOWED_HOSTS",
    ]
    assert (
        "not a region in Japan"
        in residency_violations(
            email_host=None, s3={"endpoint_url": None, "region_name": "us-east-1"}, allowed=allowed
        )[0]
    )


def start(**environ: str) -> subprocess.CompletedProcess:
    """The settings loaded in a fresh interpreter with these variables."""
    code = "import django; django.setup()"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.base", **environ}
    env.pop("DATABASE_URL", None)
    return subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).parents[2], env=env,
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip


def test_data_residency_stops_start_up():
    result = start( DATA_RESIDENCY="JP", EMAIL_HOST="smtp.gmail.com",
                        RESIDENCY_ALLOWED_HOSTS=".lg.jp")  # fmt: skip
    assert result.returncode != 0 and "EMAIL_HOST smtp.gmail.com" in result.stderr
    assert start(DATA_RESIDENCY="JP", EMAIL_HOST="mail.city.lg.jp",
                 RESIDENCY_ALLOWED_HOSTS=".lg.jp").returncode == 0  # fmt: skip
