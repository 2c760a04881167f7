"""One registry of audit event kinds: every kind the code writes is in AuditEventKind (so the
auditors' filter offers it and shows its label), and an unknown kind is refused."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from audit.models import AuditEventKind
from audit.services import audit_event_record

ROOT = Path(__file__).resolve().parents[2]
APPS = ("audit", "trainees", "notices", "courses", "learning", "enrollments", "portal")


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
    kinds = written_kinds()
    assert len(kinds) > 25  # the scan finds the writers
    assert kinds <= set(AuditEventKind.values), sorted(kinds - set(AuditEventKind.values))


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
