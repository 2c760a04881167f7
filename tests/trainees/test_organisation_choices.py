"""Choosing organisations and sessions: the drop-downs and tick lists are read as rows (a city
has over 600 organisations, a course a hundred sessions) and must offer exactly what Django's
own fields offer — the same options, labels, order, empty choice and chosen one — and accept
only what their queryset holds."""

from __future__ import annotations

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.test.html import parse_html
from django.urls import reverse
from django.utils import translation

from courses.forms import TargetRuleForm
from courses.models import TargetRule
from enrollments.forms import SessionChoiceField
from tests.courses.factories import CourseFactory, SessionFactory
from tests.trainees.factories import OrganisationFactory, TraineeFactory
from trainees.forms import OrganisationChoiceField, TraineeSearchForm
from trainees.models import Organisation

pytestmark = pytest.mark.django_db


def _options(field: forms.ModelChoiceField) -> list[tuple[str, str]]:
    return [(str(value), str(label)) for value, label in field.choices]


@pytest.fixture
def city():
    """Codes out of name order (the options follow the queryset's order, not the names), a
    name that must be escaped, a closed unit and an affiliated organisation."""
    return {
        "welfare": OrganisationFactory(code="140000", name="福祉部"),
        "general": OrganisationFactory(code="110000", name='総務部 <本庁> & "分室"'),
        "closed": OrganisationFactory(code="120000", name="旧 区民課", is_active=False),
        "council": OrganisationFactory(code="900001", name="社会福祉協議会", is_external=True),
    }


def test_the_organisation_drop_down_offers_what_django_s_would_from_one_query(
    city, django_assert_num_queries
):
    queryset = Organisation.objects.filter(is_active=True).order_by("-is_external", "code")
    quick = OrganisationChoiceField(queryset=queryset, required=False, empty_label="すべて")
    django_s = forms.ModelChoiceField(queryset=queryset, required=False, empty_label="すべて")
    with django_assert_num_queries(1):
        offered = _options(quick)
    assert offered == _options(django_s)
    assert offered == [("", "すべて"), (str(city["council"].pk), "社会福祉協議会"),
                       (str(city["general"].pk), '総務部 <本庁> & "分室"'),
                       (str(city["welfare"].pk), "福祉部")]  # fmt: skip
    # The same markup as Django's drop-down, the chosen one selected, the name escaped.
    chosen = city["welfare"].pk
    assert parse_html(quick.widget.render("organisation", chosen, {"id": "id_o"})) == parse_html(
        forms.Select(choices=django_s.choices).render("organisation", chosen, {"id": "id_o"})
    )
    # Chosen by another field (to_field_name): its values, as Django's own field gives them.
    by_code = OrganisationChoiceField(queryset=queryset, to_field_name="code")
    assert _options(by_code) == _options(
        forms.ModelChoiceField(queryset=queryset, to_field_name="code")
    )
    assert ("140000", "福祉部") in _options(by_code) and by_code.clean("140000") == city["welfare"]
    # A value outside the queryset (a closed unit, a made-up id) is refused, by Django's rule.
    assert quick.clean(str(chosen)) == city["welfare"]
    for refused in (str(city["closed"].pk), "999999", "x"):
        with pytest.raises(ValidationError) as error:
            quick.clean(refused)
        assert error.value.code == "invalid_choice"


def test_the_registry_search_keeps_the_organisation_chosen(client, hr_admin, city):
    TraineeFactory(name="福祉 一郎", organisation=city["welfare"])
    TraineeFactory(name="総務 二郎", organisation=city["general"])
    client.force_login(hr_admin)
    page = client.get(
        reverse("trainee_list"), {"organisation": city["welfare"].pk, "status": "active"}
    ).content.decode()
    assert f'<option value="{city["welfare"].pk}" selected>福祉部</option>' in page
    assert "総務部 &lt;本庁&gt; &amp; &quot;分室&quot;" in page and "<本庁>" not in page
    assert "福祉 一郎" in page and "総務 二郎" not in page
    # A coordinator is offered their own organisations only.
    form = TraineeSearchForm(organisations=Organisation.objects.filter(pk=city["welfare"].pk))
    assert _options(form.fields["organisation"]) == [("", "すべて"), (str(city["welfare"].pk),
                                                                    "福祉部")]  # fmt: skip


def test_the_target_rule_s_organisations_are_ticked_and_saved_from_rows(city):
    course = CourseFactory()
    rule = TargetRule.objects.create(course=course)
    rule.organisations.set([city["general"]])
    form = TargetRuleForm(instance=rule)
    field = form.fields["organisations"]
    # Active organisations by code, as Django's own field would list them; the saved one ticked.
    assert _options(field) == [(str(o.pk), o.name) for o in (city["general"], city["welfare"],
                                                             city["council"])]  # fmt: skip
    html = str(form["organisations"])
    assert html.count('type="checkbox"') == 3
    assert f'value="{city["general"].pk}" class="checklist" id="id_organisations_0" checked' in html
    assert f'value="{city["welfare"].pk}" class="checklist" id="id_organisations_1">' in html
    posted = TargetRuleForm(
        {"organisations": [city["welfare"].pk, city["council"].pk]}, instance=rule
    )
    assert posted.is_valid(), posted.errors
    posted.save()
    assert set(rule.organisations.all()) == {city["welfare"], city["council"]}
    closed = TargetRuleForm({"organisations": [city["closed"].pk]}, instance=rule)
    assert not closed.is_valid() and "organisations" in closed.errors


def test_a_course_s_sessions_are_offered_as_numbers_in_the_reader_s_language():
    course = CourseFactory()
    for number in (3, 1, 2):
        SessionFactory(course=course, number=number)
    SessionFactory(number=9)  # another course's
    queryset = course.sessions.order_by("number")
    field = SessionChoiceField(queryset=queryset, empty_label=None)
    for language, label in (("ja", "第{}回"), ("en", "Session {}")):
        with translation.override(language):
            offered = _options(field)
            assert offered == [(str(s.pk), label.format(s.number)) for s in queryset]
            assert offered == [(str(s.pk), field.label_from_instance(s)) for s in queryset]
