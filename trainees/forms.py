from __future__ import annotations

import unicodedata

from allauth.account.forms import LoginForm as AllauthLoginForm
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class LoginForm(AllauthLoginForm):
    """allauth's login form, tolerant of how Japanese keyboards type a staff number.

    Full-width digits and letters (０１２３４５, typed with the IME on) are folded to ASCII
    before the account is looked up.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["login"].label = _("Login ID (staff number) or e-mail")
        self.fields["login"].widget.attrs.pop("placeholder", None)
        self.fields["login"].widget.attrs["autocomplete"] = "username"
        self.fields["password"].widget.attrs.pop("placeholder", None)
        # allauth puts the "forgotten password" link in the help text; the page shows it below.
        self.fields["password"].help_text = ""

    def clean_login(self) -> str:
        login = super().clean_login()
        return unicodedata.normalize("NFKC", login).strip()


class LanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    next = forms.CharField(required=False, widget=forms.HiddenInput)
