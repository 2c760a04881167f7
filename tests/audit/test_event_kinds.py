"""One registry of audit event kinds (audit/kinds.py): every kind the code writes is registered by
the app that writes it (so the auditors' filter offers it and shows its label), an unknown kind is
refused, and a new kind needs no migration."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from audit import kinds
from audit.models import AuditEvent
from audit.services import audit_event_record

ROOT = Path(__file__).resolve().parents[2]
APPS = (
    "audit", "trainees", "notices", "courses", "learning", "enrollments", "assessments", "reports",
    "portal",
)  # fmt: skip


def written_kinds() -> set[str]:
    found = set()
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            found |= set(re.findall(r'kind="([a-z_]+\.[a-z_.]+)"', path.read_text()))
            found |= set(re.findall(r'else "([a-z_]+\.[a-z_.]+)"', path.read_text()))
    return found


def test_every_kind_written_is_registered():
    kinds_written = written_kinds()
    assert len(kinds_written) > 25  # the scan finds the writers
    registered = {code for code, _label in kinds.choices()}
    assert kinds_written <= registered, sorted(kinds_written - registered)


@pytest.mark.django_db
def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown audit event kind"):
        audit_event_record(kind="something.new")


@pytest.mark.django_db
def test_the_auditors_filter_offers_every_kind(client, auditor):
    client.force_login(auditor)
    for kind in ("trainees.exported", "enrollment.forged_request"):
        response = client.get("/audit/events/", {"kind": kind})
        assert response.status_code == 200
        assert not response.context["form"].errors, response.context["form"].errors


@pytest.mark.django_db
def test_an_absurd_page_number_is_not_an_error(client, auditor):
    client.force_login(auditor)
    for page in ("999999999999999999999", "-5", "x"):
        assert client.get("/audit/access-log/", {"page": page}).status_code == 200
        assert client.get("/audit/events/", {"page": page}).status_code == 200


def test_kinds_are_declared_by_their_apps_and_need_no_migration():
    """The column has no choices: an app adding a kind changes no migration of the audit app."""
    assert not AuditEvent._meta.get_field("kind").choices
    owners = {code.split(".")[0] for code, _label in kinds.choices()}
    assert {"enrollment", "survey", "certificate", "login"} <= owners
    from django.db import models
    from django.utils.translation import gettext_lazy as _

    class Later(models.TextChoices):
        SOMETHING = "later.something", _("Something new")

    kinds.register_event_kinds(Later)
    try:
        assert kinds.is_registered("later.something")
    finally:  # leave the registry as the apps made it
        kinds._labels.pop("later.something")
        kinds._owners.pop("later.something")
    assert str(kinds.label_of("later.unknown")) == "later.unknown"  # old rows still show


def test_two_apps_cannot_claim_one_kind():
    from django.core.exceptions import ImproperlyConfigured
    from django.db import models

    class Impostor(models.TextChoices):
        LOGIN = "login.succeeded", "x"

    with pytest.raises(ImproperlyConfigured, match=r"login\.succeeded"):
        kinds.register_event_kinds(Impostor)
