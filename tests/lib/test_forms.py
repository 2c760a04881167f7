"""lib.forms: the quick checkbox list and drop-down render Django's own markup."""

from __future__ import annotations

from django import forms
from django.test.html import parse_html

from lib.forms import QuickCheckboxSelectMultiple, QuickSelect


def test_the_quick_checkbox_list_is_djangos_markup():
    """Same HTML as Django's CheckboxSelectMultiple (whitespace and attribute order aside),
    escaped the same, ticked the same — only written without a template per option."""
    choices = [(1, "山田 <太郎>"), (2, 'B & "C"'), ("x", "三")]
    for value in ([], ["2", "x"]):
        attrs = {"class": "checklist", "data-filter-label": "絞り込み"}
        django_html = forms.CheckboxSelectMultiple(attrs=attrs, choices=choices).render(
            "people", value, {"id": "id_people"}
        )
        quick = QuickCheckboxSelectMultiple(attrs=attrs, choices=choices).render(
            "people", value, {"id": "id_people"}
        )
        assert parse_html(quick) == parse_html(django_html)
        assert "&lt;太郎&gt;" in quick and "<太郎>" not in quick
    # Attributes on either side of the box's own id and its tick, valued and bare (the list
    # writes the shared ones once around those two): still Django's, attribute for attribute.
    around = {"aria-describedby": "id_people_helptext", "title": "所属", "required": True,
              "autofocus": True, "disabled": False}  # fmt: skip
    for value in ([], ["1", "x"]):
        django_html = forms.CheckboxSelectMultiple(choices=choices).render(
            "people", value, {"id": "id_people", **around}
        )
        quick = QuickCheckboxSelectMultiple(choices=choices).render(
            "people", value, {"id": "id_people", **around}
        )
        assert parse_html(quick) == parse_html(django_html)
    assert 'id="id_people_2" title="所属" autofocus checked required>' in quick
    grouped = [(1, "一"), ("総務部 <本庁>", [(2, "二"), (3, "三")])]
    for value in ([], ["3"]):
        django_html = forms.CheckboxSelectMultiple(choices=grouped).render("o", value, {"id": "o"})
        quick = QuickCheckboxSelectMultiple(choices=grouped).render("o", value, {"id": "o"})
        assert parse_html(quick) == parse_html(django_html)


def test_the_quick_drop_down_is_djangos_markup():
    """Same HTML as Django's Select, option groups, the empty choice and the selected one
    included, escaped the same."""
    choices = [("", "---------"), (1, "A01 <研修> 第1回"),
               ("B 講座 & \"2\"", [(2, 'x & "y"'), (3, "三")])]  # fmt: skip
    for value in (None, "1", "3"):
        attrs = {"required": True, "data-x": "1"}
        django_html = forms.Select(attrs=attrs, choices=choices).render("s", value, {"id": "id_s"})
        quick = QuickSelect(attrs=attrs, choices=choices).render("s", value, {"id": "id_s"})
        assert parse_html(quick) == parse_html(django_html)
        assert "&lt;研修&gt;" in quick and "<研修>" not in quick
    assert 'value="3" selected' in quick
