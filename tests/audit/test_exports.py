"""The one export writer: small files in memory, large ones streamed (CSV in chunks, XLSX
through a temporary file) — read back the same, formulas neutralised, codes kept as text,
CP932's replacement policy applied, one audit event with the row count."""

from __future__ import annotations

import csv
import io

import pytest
from django.http import StreamingHttpResponse
from django.test import RequestFactory
from openpyxl import load_workbook

from audit.exports import STREAM_ABOVE, export_response
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db
HEADER = ["職員番号", "氏名"]


def table(n):
    for i in range(n):
        yield [f"{i:06d}", "=cmd()" if i == 7 else ("髙橋 𠮷子" if i == 8 else f"職員{i}")]


def export(file_format, n, user):
    request = RequestFactory().get("/x/")
    request.user = user
    return export_response(request, name="t", sheet="表", header=HEADER, rows=table(n),
                           count=n, file_format=file_format, kind="trainees.exported",
                           detail={})  # fmt: skip


def body(response) -> bytes:
    if isinstance(response, StreamingHttpResponse):
        return b"".join(response.streaming_content)
    return response.content


@pytest.mark.parametrize("n", [10, STREAM_ABOVE + 501])
def test_csv_read_back_whether_streamed_or_not(hr_admin, n):
    response = export("csv", n, hr_admin)
    assert isinstance(response, StreamingHttpResponse) == (n > STREAM_ABOVE)
    data = body(response)
    assert data.startswith("\ufeff".encode()) and data.count("\ufeff".encode()) == 1
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) == n + 1 and rows[1][0] == "000000" and rows[8][1] == "'=cmd()"
    assert rows[9][1] == "髙橋 𠮷子"
    assert AuditEvent.objects.get(kind="trainees.exported").detail["rows"] == n


@pytest.mark.parametrize("n", [10, STREAM_ABOVE + 1])
def test_cp932_replaces_what_it_cannot_hold(hr_admin, n):
    rows = list(csv.reader(io.StringIO(body(export("csv-cp932", n, hr_admin)).decode("cp932"))))
    assert rows[9][1] == "髙橋 〓子"  # 髙 is in CP932 (NEC/IBM extensions), 𠮷 is not


@pytest.mark.parametrize("n", [10, STREAM_ABOVE + 1])
def test_xlsx_read_back_with_codes_as_text(hr_admin, n):
    workbook = load_workbook(io.BytesIO(body(export("xlsx", n, hr_admin))))
    values = [[c.value for c in row] for row in workbook.active.iter_rows()]
    assert len(values) == n + 1 and values[1][0] == "000000" and values[8][1] == "'=cmd()"


@pytest.mark.parametrize(
    "value", ["＝SUM(A1)", "＋81-3", "－1+1", "＠cmd", '　=HYPERLINK("x")', " +1", "﹦1"]
)
def test_full_width_and_spaced_formula_starts_are_neutralised(value):
    """Issue 18, item 14: Excel with the IME reads a full-width ＝ as =."""
    from audit.exports import neutralise

    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["山田", "０３-1234", "−5（マイナス記号）", "a=b"])
def test_text_that_is_not_a_formula_is_left_alone(value):
    from audit.exports import neutralise

    assert neutralise(value) == value


def test_the_admin_organisation_export_is_formula_safe(db):
    from tests.trainees.factories import OrganisationFactory
    from trainees.resources import OrganisationResource

    OrganisationFactory(code="990000", name='＝HYPERLINK("http://x")')
    dataset = OrganisationResource().export()
    assert dataset.dict[0]["name"].startswith("'")
