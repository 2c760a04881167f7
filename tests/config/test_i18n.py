from __future__ import annotations

from pathlib import Path

import polib
import pytest
from django import forms
from django.utils import translation

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "config" / "locale"


def test_japanese_catalogue_is_complete():
    po = polib.pofile(LOCALE / "ja" / "LC_MESSAGES" / "django.po")
    untranslated = [entry.msgid for entry in po.untranslated_entries()]
    fuzzy = [entry.msgid for entry in po.fuzzy_entries()]
    assert not untranslated, f"untranslated: {untranslated}"
    assert not fuzzy, f"fuzzy: {fuzzy}"


@pytest.mark.parametrize("language", ["ja", "en"])
def test_compiled_catalogues_match_the_sources(language):
    po = polib.pofile(LOCALE / language / "LC_MESSAGES" / "django.po")
    mo = polib.mofile(LOCALE / language / "LC_MESSAGES" / "django.mo")
    compiled = {entry.msgid: entry.msgstr or entry.msgstr_plural for entry in mo}
    for entry in po.translated_entries():
        assert entry.msgid in compiled, f"{language}: {entry.msgid!r} not compiled (make messages)"


class DateForm(forms.Form):
    day = forms.DateField()


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize("typed", ["2025/04/01", "2025-04-01", "2025年4月1日"])
def test_japanese_date_input_formats(language, typed):
    with translation.override(language):
        form = DateForm({"day": typed})
        assert form.is_valid(), form.errors
        assert form.cleaned_data["day"].isoformat() == "2025-04-01"


def test_dates_are_shown_the_japanese_way():
    import datetime

    from django.utils.formats import date_format

    with translation.override("ja"):
        assert date_format(datetime.date(2025, 4, 1)) == "2025年4月1日"
