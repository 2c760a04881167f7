from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from courses.models import Category


class HistoryFilterForm(forms.Form):
    fiscal_year = forms.IntegerField(
        label=_("Fiscal year"), required=False, min_value=1989, max_value=2100
    )
    category = forms.ChoiceField(
        label=_("category"), required=False, choices=[("", _("All")), *Category.choices]
    )
