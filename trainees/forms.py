from __future__ import annotations

import unicodedata
from typing import Any

from allauth.account.forms import AddEmailForm as AllauthAddEmailForm
from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import ResetPasswordForm as AllauthResetPasswordForm
from allauth.account.models import EmailAddress
from allauth.core import context
from allauth.mfa.totp.forms import ActivateTOTPForm
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY as TOTP_SECRET_SESSION_KEY
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from lib.forms import JapaneseDateField, QuickCheckboxSelectMultiple, QuickSelect, RowChoices
from lib.japanese import fold
from trainees.models import EmploymentType, Gender, ImportMode, Organisation, Trainee, TraineeStatus
from trainees.roles import HR_CONSOLE
from trainees.selectors import organisation_ids_in_scope


class _OrganisationRows:
    """Options read as (id, name) rows and labelled with the name, as an Organisation prints."""

    iterator: type[forms.models.ModelChoiceIterator] = RowChoices
    label_columns = ("name",)

    def label_from_row(self, name: str) -> str:
        return name

    def label_from_instance(self, obj: Organisation) -> str:
        return obj.name


class OrganisationChoiceField(_OrganisationRows, forms.ModelChoiceField):
    """An organisation chosen from a drop-down. A city has over 600: Django's drop-down renders
    a template for each option and builds an Organisation for each label (the registry
    search spent 30 of its 37 ms rendering on it); this one writes the same markup from rows."""

    widget = QuickSelect


class OrganisationMultipleChoiceField(_OrganisationRows, forms.ModelMultipleChoiceField):
    """Organisations ticked in a list (narrowed by typing, static/js/app.js), written the
    same quick way."""

    widget = QuickCheckboxSelectMultiple


class LoginForm(AllauthLoginForm):
    """allauth's login form, tolerant of how Japanese keyboards type a staff number.

    Full-width digits and letters (０１２３４５, typed with the IME on) are folded to ASCII
    before the account is looked up.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
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


class RosterOwnedAddEmailForm(AllauthAddEmailForm):
    """Nobody adds an e-mail address in the portal. Staff addresses come from the HR system's
    roster, affiliated organisations' staff from the list HR imports; orders and reset links go
    there, so a session someone else got hold of must not be able to point them elsewhere. A
    missing or wrong address is corrected at the source (ask the HR training centre)."""

    def clean_email(self) -> str:
        raise forms.ValidationError(
            _(
                "E-mail addresses come from the staff roster and cannot be added here. "
                "Ask the HR training centre to correct yours."
            ),
            code="roster_owned",
        )


class VerifiedResetPasswordForm(AllauthResetPasswordForm):
    """Reset links go only to verified addresses (those from the roster or HR): an address
    never verified reaches no account."""

    def clean_email(self) -> str:
        email = super().clean_email()
        verified = set(
            EmailAddress.objects.filter(email__iexact=email, verified=True).values_list(
                "user_id", flat=True
            )
        )
        self.users: list[Any] = [user for user in self.users if user.pk in verified]
        return email


class SameSecretActivateTOTPForm(ActivateTOTPForm):
    """allauth's TOTP set-up form, keeping the secret (and so the QR code) of this session
    until the set-up is confirmed: reloading the page used to replace it silently, so a code
    from the app scanned a moment ago no longer matched."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kept = context.request.session.get(TOTP_SECRET_SESSION_KEY)
        super().__init__(*args, **kwargs)
        if not self.is_bound and kept:
            self.secret = context.request.session[TOTP_SECRET_SESSION_KEY] = kept


class LanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    next = forms.CharField(required=False, widget=forms.HiddenInput)


class TableUploadForm(forms.Form):
    """A CSV or XLSX file (at most ROSTER_MAX_UPLOAD_MB) and its encoding: the roster import's
    upload, and the history import's."""

    file = forms.FileField(
        label=_("Roster file"),
        help_text=_(
            "CSV (UTF-8 or Shift_JIS/CP932) or Excel (.xlsx), as exported by the HR system."
        ),
    )
    encoding = forms.ChoiceField(
        label=_("Encoding"),
        choices=[
            ("auto", _("Detect (UTF-8, then Shift_JIS)")),
            ("utf-8", "UTF-8"),
            ("cp932", "Shift_JIS (CP932)"),
        ],
        initial="auto",
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit = settings.ROSTER_MAX_UPLOAD_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is larger than %(mb)s MB.") % {"mb": limit // (1024 * 1024)}
            )
        return upload


class RosterUploadForm(TableUploadForm):
    field_order = ["file", "mode", "organisation", "encoding"]

    mode = forms.ChoiceField(label=_("Mode"), choices=ImportMode.choices, initial=ImportMode.FULL)
    organisation = OrganisationChoiceField(
        label=_("Organisation (add mode)"),
        queryset=Organisation.objects.filter(is_active=True).order_by("-is_external", "code"),
        required=False,
        help_text=_("For an affiliated organisation's list: every row is for this organisation."),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("mode") == ImportMode.FULL and cleaned.get("organisation"):
            self.add_error(
                "organisation", _("The full roster covers all ward staff: leave this empty.")
            )
        return cleaned


class TraineeSearchForm(forms.Form):
    q = forms.CharField(label=_("Staff number, name or kana"), required=False, max_length=100)
    organisation = OrganisationChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("All"),
    )
    employment_type = forms.ChoiceField(
        label=_("Employment type"),
        required=False,
        choices=[("", _("All")), *EmploymentType.choices],
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), *TraineeStatus.choices],
        initial=TraineeStatus.ACTIVE,
    )

    def __init__(
        self, *args: Any, organisations: QuerySet[Organisation] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        organisation_field = self.fields["organisation"]
        assert isinstance(organisation_field, forms.ModelChoiceField)  # noqa: S101 - declared
        organisation_field.queryset = (
            organisations if organisations is not None else Organisation.objects.order_by("code")
        )


# --- 職員情報登録・管理: one record by hand (trainees.records) ---------------------------------

_DATE_HINT = _("2026-10-01, 2026/10/01, R8.10.1 or 令和8年10月1日")


def _date_field(label: Any) -> forms.CharField:
    return forms.CharField(label=label, required=False, max_length=30, help_text=_DATE_HINT)


def trainee_search_form(user: Any, query: Any) -> tuple[TraineeSearchForm, dict, set[int] | None]:
    """The registry search's form and filters for this person and query, and a coordinator's
    own organisations (HR: None) — the people listed from elsewhere hold a 兼務 post in them.
    The list page, its export and the export's background job read the query the same way."""
    scope_orgs, ids = None, None
    if not user.has_perm(HR_CONSOLE):
        ids = organisation_ids_in_scope(user)
        scope_orgs = Organisation.objects.filter(id__in=ids).order_by("code")
    form = TraineeSearchForm(query or {"status": "active"}, organisations=scope_orgs)
    filters = form.cleaned_data if form.is_valid() else {"status": "active"}
    return form, filters, ids


class StaffRecordForm(forms.Form):
    """A person's fields as typed; trainees.records checks them the way the roster import
    checks a line (kana, 和暦, full-width digits) and names the field of every problem."""

    staff_number = forms.CharField(label=_("staff number"), max_length=40)
    name = forms.CharField(label=_("full name"), max_length=200)
    name_kana = forms.CharField(label=_("name (kana)"), max_length=200, required=False,
                                help_text=_("Hiragana is turned into katakana."))  # fmt: skip
    organisation = OrganisationChoiceField(
        label=_("organisation"),
        queryset=Organisation.objects.filter(is_active=True, merged_into=None).order_by(
            "is_external", "code"
        ),
    )
    employment_type = forms.ChoiceField(
        label=_("employment type"), choices=[("", "---------"), *EmploymentType.choices]
    )
    job_title = forms.CharField(label=_("job title"), max_length=200, required=False)
    job_category = forms.CharField(label=_("job category"), max_length=200, required=False)
    duty = forms.CharField(label=_("duty"), max_length=200, required=False)
    concurrent_posts = forms.CharField(
        label=_("concurrent posts"), max_length=400, required=False,
        help_text=_("兼務先: separate several with 、"),
    )  # fmt: skip
    gender = forms.ChoiceField(
        label=_("gender"), required=False, choices=[("", "---------"), *Gender.choices]
    )
    birth_date = _date_field(_("birth date"))
    hire_date = _date_field(_("hire date"))
    promotion_date = _date_field(_("promotion date"))
    email = forms.CharField(label=_("e-mail"), max_length=254, required=False)
    reason = forms.CharField(
        label=_("Reason (kept in the change history)"), max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip

    def __init__(self, *args: Any, trainee: Trainee | None = None, **kwargs: Any) -> None:
        if trainee is not None:
            kwargs.setdefault("initial", {
                "staff_number": trainee.staff_number, "name": trainee.name,
                "name_kana": trainee.name_kana, "organisation": trainee.organisation_id,
                "employment_type": trainee.employment_type, "job_title": trainee.job_title,
                "job_category": trainee.job_category, "duty": trainee.duty,
                "concurrent_posts": "、".join(trainee.concurrent_posts or []),
                "gender": trainee.gender, "email": trainee.email,
                **{f: getattr(trainee, f).isoformat() if getattr(trainee, f) else ""
                   for f in ("birth_date", "hire_date", "promotion_date")},
            })  # fmt: skip
        super().__init__(*args, **kwargs)
        if trainee is not None:  # the key and the organisation have their own actions
            for name in ("staff_number", "organisation"):
                self.fields[name].disabled = True
                self.fields[name].required = False

    def raw(self) -> dict[str, str]:
        """The typed values under the roster's field names, for trainees.records."""
        data = {k: v for k, v in self.cleaned_data.items() if k not in {"organisation", "reason"}}
        organisation = self.cleaned_data.get("organisation")
        if organisation is not None:
            data["organisation_code"] = organisation.code
        return {k: "" if v is None else str(v) for k, v in data.items()}


class TransferForm(forms.Form):
    organisation = OrganisationChoiceField(
        label=_("New organisation"),
        queryset=Organisation.objects.filter(is_active=True, merged_into=None).order_by(
            "is_external", "code"
        ),
    )
    effective_on = JapaneseDateField(label=_("Effective from"), help_text=_DATE_HINT)
    reason = forms.CharField(label=_("Reason (kept in the change history)"), max_length=500)


class LeaveForm(forms.Form):
    on = JapaneseDateField(label=_("On"), help_text=_DATE_HINT)
    reason = forms.CharField(label=_("Reason (kept in the change history)"), max_length=500)


class StaffNumberField(forms.Field):
    """A ward staff member by 職員番号 as a clerk types it (full-width digits folded)."""

    widget = forms.TextInput(attrs={"maxlength": 20, "inputmode": "numeric"})

    def to_python(self, value: Any) -> Any:
        value = fold(str(value or "").strip())[:20]
        if not value:
            return None
        trainee = Trainee.objects.filter(staff_number=value, is_external=False).first()
        if trainee is None:
            raise ValidationError(_("No ward staff member has the staff number %(number)s.")
                                  % {"number": value})  # fmt: skip
        return trainee


class SupervisorPostForm(forms.Form):
    """所属長 appointed from a day (and its deputy)."""

    organisation = OrganisationChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.filter(is_active=True, is_external=False).order_by("code"),
    )
    holder = StaffNumberField(label=_("Supervisor (所属長): staff number"))
    deputy = StaffNumberField(
        label=_("Deputy (代理): staff number"), required=False,
        help_text=_("Optional. The deputy approves when the supervisor is away."),
    )  # fmt: skip
    starts_on = JapaneseDateField(label=_("From"), help_text=_DATE_HINT)
    ends_on = JapaneseDateField(
        label=_("Until (empty: until further notice)"), required=False, help_text=_DATE_HINT
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class SupervisorEndForm(forms.Form):
    ends_on = JapaneseDateField(label=_("Last day"), help_text=_DATE_HINT)


class OrganisationAddForm(forms.Form):
    code = forms.CharField(label=_("Organisation code"), max_length=20)
    name = forms.CharField(label=_("name"), max_length=200)
    is_external = forms.BooleanField(
        label=_("An affiliated (external) organisation"), required=False
    )
    parent = OrganisationChoiceField(
        label=_("Under (parent organisation)"), required=False,
        queryset=Organisation.objects.filter(is_active=True).order_by("is_external", "code"),
    )  # fmt: skip
    valid_from = JapaneseDateField(label=_("From"), help_text=_DATE_HINT)
    reason = forms.CharField(label=_("Reason (kept in the change history)"), max_length=500)


class OrganisationRenameForm(forms.Form):
    name = forms.CharField(label=_("New name"), max_length=200)
    effective_on = JapaneseDateField(label=_("Effective from"), help_text=_DATE_HINT)
    reason = forms.CharField(label=_("Reason (kept in the change history)"), max_length=500)


class OrganisationMoveForm(forms.Form):
    parent = OrganisationChoiceField(
        label=_("New parent (empty: top level)"), required=False,
        queryset=Organisation.objects.filter(is_active=True).order_by("is_external", "code"),
    )  # fmt: skip
    effective_on = JapaneseDateField(label=_("Effective from"), help_text=_DATE_HINT)
    reason = forms.CharField(label=_("Reason (kept in the change history)"), max_length=500)


class OrganisationMergeForm(forms.Form):
    into = OrganisationChoiceField(
        label=_("Merge into"),
        queryset=Organisation.objects.filter(is_active=True).order_by("is_external", "code"),
    )
    effective_on = JapaneseDateField(label=_("Effective from"), help_text=_DATE_HINT)
    reason = forms.CharField(label=_("Reason (kept in the change history)"), max_length=500)


class OrganisationCloseForm(forms.Form):
    on = JapaneseDateField(label=_("Last day"), help_text=_DATE_HINT)
    reason = forms.CharField(label=_("Reason (kept in the change history)"), max_length=500)


class OrganisationReopenForm(forms.Form):
    reason = forms.CharField(label=_("Reason (kept in the change history)"), max_length=500)
