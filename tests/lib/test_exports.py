"""The shared export writer (lib.exports): small files in memory, large ones streamed (CSV in
chunks, XLSX through a temporary file) — read back the same, formulas neutralised, codes kept
as text, CP932's replacement policy applied. It records nothing itself (tests/audit/
test_exports.py: the audited download)."""

from __future__ import annotations

import csv
import io

import pytest
from django.http import StreamingHttpResponse
from django.test import RequestFactory
from openpyxl import load_workbook

from lib.exports import STREAM_ABOVE, download, neutralise, requested_format

HEADER = ["職員番号", "氏名"]


def table(n):
    for i in range(n):
        yield [f"{i:06d}", "=cmd()" if i == 7 else ("髙橋 𠮷子" if i == 8 else f"職員{i}")]


def export(file_format, n):
    response, count = download(name="t", sheet="表", header=HEADER, rows=table(n), count=n,
                               file_format=file_format)  # fmt: skip
    assert count == n
    return response


def body(response) -> bytes:
    if isinstance(response, StreamingHttpResponse):
        return b"".join(response.streaming_content)
    return response.content


@pytest.mark.parametrize("n", [10, STREAM_ABOVE + 501])
def test_csv_read_back_whether_streamed_or_not(n):
    response = export("csv", n)
    assert isinstance(response, StreamingHttpResponse) == (n > STREAM_ABOVE)
    assert response["Content-Disposition"].startswith('attachment; filename="t-')
    data = body(response)
    assert data.startswith("\ufeff".encode()) and data.count("\ufeff".encode()) == 1
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) == n + 1 and rows[1][0] == "000000" and rows[8][1] == "'=cmd()"
    assert rows[9][1] == "髙橋 𠮷子"


@pytest.mark.parametrize("n", [10, STREAM_ABOVE + 1])
def test_cp932_replaces_what_it_cannot_hold(n):
    rows = list(csv.reader(io.StringIO(body(export("csv-cp932", n)).decode("cp932"))))
    assert rows[9][1] == "髙橋 〓子"  # 髙 is in CP932 (NEC/IBM extensions), 𠮷 is not


def test_the_count_of_replaced_characters_is_told():
    assert export("csv-cp932", 10)["X-Replaced-Characters"] == "1"
    assert export("csv", 10)["X-Replaced-Characters"] == "0"


@pytest.mark.parametrize("n", [10, STREAM_ABOVE + 1])
def test_xlsx_read_back_with_codes_as_text(n):
    workbook = load_workbook(io.BytesIO(body(export("xlsx", n))))
    values = [[c.value for c in row] for row in workbook.active.iter_rows()]
    assert len(values) == n + 1 and values[1][0] == "000000" and values[8][1] == "'=cmd()"
    assert workbook.active.title == "表"


def test_a_list_is_counted_when_no_count_is_given():
    response, count = download(name="t", sheet="s", header=HEADER, rows=[["1", "a"], ["2", "b"]],
                               file_format="csv")  # fmt: skip
    assert count == 2 and body(response).decode("utf-8-sig").count("\r\n") == 3


@pytest.mark.parametrize(
    "value", ["＝SUM(A1)", "＋81-3", "－1+1", "＠cmd", '　=HYPERLINK("x")', " +1", "﹦1"]
)
def test_full_width_and_spaced_formula_starts_are_neutralised(value):
    """Issue 18, item 14: Excel with the IME reads a full-width ＝ as =."""
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["山田", "０３-1234", "−5（マイナス記号）", "a=b"])
def test_text_that_is_not_a_formula_is_left_alone(value):
    assert neutralise(value) == value


@pytest.mark.parametrize(
    ("asked", "given"), [("xlsx", "xlsx"), ("csv-cp932", "csv-cp932"), ("pdf", "csv"), ("", "csv")]
)
def test_an_unknown_format_falls_back_to_csv(asked, given):
    assert requested_format(RequestFactory().get("/x/", {"format": asked})) == given
