"""Every download of personal data is an audit event (audit.exports.export_response): one
event of the caller's kind with its detail, the format and the row count — also when the file
streams. How the file itself reads back is tests/lib/test_exports.py."""

from __future__ import annotations

import pytest
from django.http import StreamingHttpResponse
from django.test import RequestFactory

from audit.exports import export_response
from audit.models import AuditEvent
from lib.exports import STREAM_ABOVE

pytestmark = pytest.mark.django_db


def export(file_format, n, user):
    request = RequestFactory().get("/x/")
    request.user = user
    rows = ([f"{i:06d}", f"職員{i}"] for i in range(n))
    return export_response(request, name="t", sheet="表", header=["職員番号", "氏名"], rows=rows,
                           count=n, file_format=file_format, kind="trainees.exported",
                           detail={"filter": "all"})  # fmt: skip


@pytest.mark.parametrize(("file_format", "n"), [("csv", 10), ("csv", STREAM_ABOVE + 1),
                                                ("xlsx", STREAM_ABOVE + 1)])  # fmt: skip
def test_each_export_is_one_audit_event_with_its_rows(hr_admin, file_format, n):
    response = export(file_format, n, hr_admin)
    assert isinstance(response, StreamingHttpResponse) == (n > STREAM_ABOVE)
    event = AuditEvent.objects.get(kind="trainees.exported")
    assert event.username == hr_admin.username
    assert event.detail == {"filter": "all", "format": file_format, "rows": n}


def test_an_unregistered_kind_writes_no_file(hr_admin):
    with pytest.raises(ValueError):
        request = RequestFactory().get("/x/")
        request.user = hr_admin
        export_response(request, name="t", sheet="s", header=["a"], rows=[["1"]],
                        file_format="csv", kind="nobody.invented", detail={})  # fmt: skip
    assert not AuditEvent.objects.exists()


def test_the_admin_organisation_export_is_formula_safe(db):
    from tests.trainees.factories import OrganisationFactory
    from trainees.resources import OrganisationResource

    OrganisationFactory(code="990000", name='＝HYPERLINK("http://x")')
    dataset = OrganisationResource().export()
    assert dataset.dict[0]["name"].startswith("'")
