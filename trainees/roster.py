"""Reading the roster file exported by the HR system (人事給与システム).

``parse_roster(data, file_name=…, encoding=…)`` turns the uploaded bytes into normalised rows, plus
the errors and warnings a careful HR clerk would raise, each naming the line as it appears in the
file (the header is line 1), the column as written in the header, and the value. Nothing here
touches the database; ``trainees.roster_import`` compares the rows with the registry.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lib.imports import Columns, Problem, read_sheet
from lib.japanese import fold, list_join, parse_date, to_katakana, trim
from lib.tables import has_private_use
from trainees.models import EmploymentType, Gender

# Column -> field. Japanese names as the HR system exports them, and English equivalents.
COLUMNS: dict[str, str] = {
    "職員番号": "staff_number",
    "氏名": "name",
    "氏名カナ": "name_kana",
    "カナ氏名": "name_kana",
    "所属コード": "organisation_code",
    "所属": "organisation_name",
    "所属名": "organisation_name",
    "兼務先": "concurrent_posts",
    "職名": "job_title",
    "職種": "job_category",
    "職務名": "duty",
    "性別": "gender",
    "生年月日": "birth_date",
    "年齢": "age",
    "採用年月日": "hire_date",
    "昇任年月日": "promotion_date",
    "メールアドレス": "email",
    "雇用区分": "employment_type",
}
ROSTER_COLUMNS = Columns(
    names=COLUMNS,
    aliases={"organisation": "organisation_name"},
    required=[
        ("職員番号", frozenset({"staff_number"})),
        ("氏名", frozenset({"name"})),
        ("所属 / 所属コード", frozenset({"organisation_name", "organisation_code"})),
        ("雇用区分", frozenset({"employment_type"})),
    ],
    no_rows=gettext_lazy("The file has a header but no staff rows."),
)

DATE_FIELDS = ("birth_date", "hire_date", "promotion_date")
OPTIONAL_FIELDS = {
    "name_kana", "concurrent_posts", "job_title", "job_category", "duty", "gender",
    "birth_date", "age", "hire_date", "promotion_date", "email",
}  # fmt: skip

_STAFF_NUMBER = re.compile(r"^[0-9A-Za-z][0-9A-Za-z\-_]*$")
_LIST_SEPARATORS = re.compile(r"[、,;／/]")
_GENDERS = {
    "男": Gender.MALE,
    "男性": Gender.MALE,
    "m": Gender.MALE,
    "male": Gender.MALE,
    "女": Gender.FEMALE,
    "女性": Gender.FEMALE,
    "f": Gender.FEMALE,
    "female": Gender.FEMALE,
    "その他": Gender.OTHER,
    "other": Gender.OTHER,
}
_EMPLOYMENT_TYPES = {choice.value: choice.value for choice in EmploymentType} | {
    "regular": EmploymentType.REGULAR,
    "reappointed": EmploymentType.REAPPOINTED,
    "reemployed": EmploymentType.REEMPLOYED,
    "fiscal_year": EmploymentType.FISCAL_YEAR,
    "fixed_term": EmploymentType.FIXED_TERM,
    "temporary": EmploymentType.TEMPORARY,
    "external": EmploymentType.EXTERNAL,
    "任期付": EmploymentType.FIXED_TERM,
    "会計年度任用": EmploymentType.FISCAL_YEAR,
    "会計年度任用職員": EmploymentType.FISCAL_YEAR,
}
_validate_email = EmailValidator()


@dataclass
class RosterRow:
    line: int
    values: dict[str, Any]


@dataclass
class ParsedRoster:
    encoding: str = ""
    rows: list[RosterRow] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    header: list[str] = field(default_factory=list)


def parse_roster(
    data: bytes,
    *,
    file_name: str = "roster.csv",
    encoding: str = "auto",
    today: datetime.date | None = None,
) -> ParsedRoster:
    """Read and check a roster; never raises for content problems (they are in ``errors``),
    only ``TableFileError`` when the file as a whole cannot be used."""
    today = today or datetime.date.today()  # noqa: DTZ011 - a calendar date in the office's zone
    sheet = read_sheet(data, file_name=file_name, encoding=encoding, columns=ROSTER_COLUMNS)
    parsed = ParsedRoster(sheet.encoding, [], sheet.errors, sheet.warnings, sheet.header)
    for line, raw in sheet.rows:
        parsed.rows.append(
            RosterRow(line, _clean_row(line, raw, sheet.column_of, parsed, today,
                                       sheet.private_use))
        )  # fmt: skip
    _check_across_rows(parsed, sheet.column_of)
    return parsed


def clean_values(
    raw: dict[str, str], *, today: datetime.date
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """One person's values as typed into a form (職員情報登録), through the same checks as a
    roster line: the normalised values, and the problems by field."""
    parsed = ParsedRoster()
    values = _clean_row(0, raw, {key: key for key in raw}, parsed, today, check_private_use=False)
    errors: dict[str, list[str]] = {}
    for problem in parsed.errors:
        errors.setdefault(problem.column, []).append(problem.message)
    return values, errors


def _clean_row(
    line: int,
    raw: dict[str, str],
    column_of: dict[str, str],
    parsed: ParsedRoster,
    today: datetime.date,
    check_private_use: bool = True,
) -> dict[str, Any]:
    def error(key: str, message: str) -> None:
        parsed.errors.append(Problem(line, column_of.get(key, key), raw.get(key, ""), message))

    for key, value in raw.items() if check_private_use else ():
        if has_private_use(value):
            parsed.warnings.append(
                Problem(
                    line,
                    column_of[key],
                    value,
                    _("Contains a character from the private-use area (外字); it may not display."),
                )
            )
    values: dict[str, Any] = {}
    staff_number = fold(raw.get("staff_number", ""))
    if not staff_number:
        error("staff_number", _("The staff number is empty."))
    elif not _STAFF_NUMBER.match(staff_number) or len(staff_number) > 20:
        error("staff_number", _("Use letters and digits only (at most 20)."))
    values["staff_number"] = staff_number

    name = trim(raw.get("name", ""))
    if not name:
        error("name", _("The name is empty."))
    elif len(name) > 100:
        error("name", _("The name is longer than 100 characters."))
    values["name"] = name
    values["name_kana"] = to_katakana(raw.get("name_kana", ""))
    values["organisation_code"] = fold(raw.get("organisation_code", ""))
    values["organisation_name"] = trim(raw.get("organisation_name", ""))
    if not values["organisation_code"] and not values["organisation_name"]:
        error(
            "organisation_code" if "organisation_code" in raw else "organisation_name",
            _("The organisation is empty."),
        )
    posts = raw.get("concurrent_posts", "")
    values["concurrent_posts"] = [trim(p) for p in _LIST_SEPARATORS.split(posts) if trim(p)]
    for key in ("job_title", "job_category", "duty"):
        values[key] = trim(raw.get(key, ""))
        if len(values[key]) > 100:
            error(key, _("At most 100 characters (now %(n)s).") % {"n": len(values[key])})

    gender = fold(raw.get("gender", "")).lower()
    if gender and gender not in _GENDERS:
        error("gender", _("Use 男, 女, その他 or leave it blank."))
    values["gender"] = _GENDERS.get(gender, "") if gender else ""

    for key in DATE_FIELDS:
        text = raw.get(key, "")
        values[key] = None
        if fold(text):
            try:
                values[key] = parse_date(text).isoformat()
            except ValueError as exc:
                error(key, str(exc))
    values["age"] = None
    values["age_as_of"] = None
    age_text = fold(raw.get("age", ""))
    if age_text:
        if not age_text.isdigit() or not 15 <= int(age_text) <= 100:
            error("age", _("The age must be a whole number from 15 to 100."))
        else:
            values["age"] = int(age_text)
            values["age_as_of"] = today.isoformat()

    email = trim(fold(raw.get("email", "")))
    if email:
        local, _at, domain = email.rpartition("@")
        email = f"{local}@{domain.lower()}" if local else email
        try:
            _validate_email(email)
        except ValidationError:
            error("email", _("Not a valid e-mail address."))
    values["email"] = email

    employment = fold(raw.get("employment_type", ""))
    employment_type = _EMPLOYMENT_TYPES.get(employment) or _EMPLOYMENT_TYPES.get(employment.lower())
    if not employment:
        error("employment_type", _("The employment type is empty."))
    elif employment_type is None:
        allowed = list_join(choice.value for choice in EmploymentType)
        error(
            "employment_type",
            _("Unknown employment type. Use one of: %(allowed)s.") % {"allowed": allowed},
        )
    values["employment_type"] = str(employment_type or "")

    _check_dates(values, error, today)
    # A column the file does not have is not "empty": leave those fields as the registry has them.
    for key in OPTIONAL_FIELDS - raw.keys():
        values.pop(key, None)
    if "age" not in raw:
        values.pop("age_as_of", None)
    return values


def _check_dates(
    values: dict[str, Any], error: Callable[[str, str], None], today: datetime.date
) -> None:
    birth, hire, promotion = (
        values[key] and datetime.date.fromisoformat(values[key]) for key in DATE_FIELDS
    )
    if birth and birth > today:
        error("birth_date", _("The birth date is in the future."))
    if birth and hire:
        try:
            fifteenth = birth.replace(year=birth.year + 15)
        except ValueError:  # born on 29 February
            fifteenth = birth.replace(year=birth.year + 15, day=28)
        if hire < fifteenth:
            error("hire_date", _("The hire date is before the person's 15th birthday."))
    if hire and hire > today + datetime.timedelta(days=366):
        error("hire_date", _("The hire date is more than a year ahead."))
    if hire and promotion and promotion < hire:
        error("promotion_date", _("The promotion date is before the hire date."))


def _check_across_rows(parsed: ParsedRoster, column_of: dict[str, str]) -> None:
    """Duplicates within the file: staff numbers (per organisation for external staff) and
    e-mail addresses. The later line is the error; it names the earlier one."""
    checks = [
        ("staff_number", "職員番号", _("This staff number is already on line %(line)s."),
         lambda v: v["staff_number"] and (
             v["organisation_code"] if v["employment_type"] == EmploymentType.EXTERNAL else "",
             v["staff_number"],
         )),
        ("email", "メールアドレス", _("This e-mail address is already on line %(line)s."),
         lambda v: v.get("email", "").lower()),
    ]  # fmt: skip
    for key_field, default_column, message, key_of in checks:
        first_line: dict[Any, int] = {}
        for row in parsed.rows:
            key = key_of(row.values)
            if not key:
                continue
            if key in first_line:
                parsed.errors.append(
                    Problem(
                        row.line,
                        column_of.get(key_field, default_column),
                        row.values[key_field],
                        message % {"line": first_line[key]},
                    )
                )
            else:
                first_line[key] = row.line
