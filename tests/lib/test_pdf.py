"""The PDF blocks (lib.pdf): every value prints exactly as typed — markup, control characters
and all — in the Japanese font, and a table's header repeats on every page."""

from __future__ import annotations

import io

from pypdf import PdfReader

from lib.pdf import document_bytes, lines, ruled_table, styles, text


def _pages(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def test_values_are_never_markup():
    style = styles()["body"]
    values = ['<img src="/etc/hostname"/>', "x<br>y", "研修 & 演習", "ESC\x1bNUL\x00"]
    content = document_bytes([text(v, style) for v in values] + [lines(values, style)],
                             title="題<名>")  # fmt: skip
    reader = PdfReader(io.BytesIO(content))
    assert reader.metadata.title == "題<名>"
    page = reader.pages[0]
    assert not (page.get("/Resources") or {}).get("/XObject")  # no image opened from a value
    printed = page.extract_text()
    for value in ['<img src="/etc/hostname"/>', "x<br>y", "研修 & 演習", "ESCNUL"]:
        assert value in printed.replace("\n", "")


def test_a_long_table_repeats_its_header_on_each_page():
    rows = [["職員番号", "氏名"]] + [[f"{i:06d}", f"職員{i}"] for i in range(120)]
    pages = _pages(document_bytes([ruled_table(rows, col_widths=[80, 200])], title="名簿"))
    assert len(pages) > 1
    assert all("職員番号" in page for page in pages)
    assert "000119" in pages[-1]
