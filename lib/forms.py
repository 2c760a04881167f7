"""Number fields that accept what a clerk types with the Japanese IME on.

A browser's ``<input type="number">`` refuses 「１２」 typed in full-width — the IME is on most of
the day in a Japanese office — and shows an error in the browser's language. Forms that take
``FoldedNumbersMixin`` render their number fields as text with a numeric keyboard
(``inputmode``) and fold what arrives (lib.japanese.number_fold) before Django reads it, so
「７．５」, 「１，０００」 and 「－２」 are 7.5, 1000 and -2, and anything else gets the field's own
message, by name, in the reader's language."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from html import escape
from typing import Any, Protocol, cast

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.utils.safestring import SafeString, mark_safe

from lib.japanese import number_fold, parse_date

NUMBER_FIELDS = (forms.IntegerField, forms.DecimalField, forms.FloatField)
FRACTIONAL = (forms.DecimalField, forms.FloatField)  # both subclass IntegerField in Django


class NumberTextInput(forms.TextInput):
    """A number typed as text: the phone shows its number keyboard, the IME may stay on."""

    def __init__(self, attrs: dict[str, Any] | None = None, *, decimal: bool = True) -> None:
        attrs = {
            key: value for key, value in (attrs or {}).items() if key not in ("min", "max", "step")
        }
        attrs.setdefault("inputmode", "decimal" if decimal else "numeric")
        attrs.setdefault("autocomplete", "off")
        super().__init__(attrs)


class FoldedNumbersMixin:
    """For a form (or model form): its visible number fields take full-width input."""

    fields: dict[str, forms.Field]
    data: Any
    is_bound: bool

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        numeric = [
            name
            for name, field in self.fields.items()
            if isinstance(field, NUMBER_FIELDS) and not field.widget.is_hidden
        ]
        for name in numeric:
            field = self.fields[name]
            field.widget = NumberTextInput(
                field.widget.attrs, decimal=isinstance(field, FRACTIONAL)
            )
        if self.is_bound and numeric and hasattr(self.data, "getlist"):
            data = self.data.copy()
            for name in numeric:
                key = self.add_prefix(name)  # type: ignore[attr-defined]
                if key in data:
                    data.setlist(key, [number_fold(value) for value in data.getlist(key)])
            self.data = data


class JapaneseDateField(forms.DateField):
    """A date as a clerk types it: 2026-10-01, 2026/10/01, full-width digits, R8.10.1 or
    令和8年10月1日 (lib.japanese.parse_date, the roster import's reader); its message names
    what was wrong."""

    widget = forms.TextInput

    def to_python(self, value: Any) -> Any:
        if value in self.empty_values:
            return None
        if isinstance(value, datetime.date):
            return value
        try:
            return parse_date(str(value))
        except ValueError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from exc


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """A service's ValidationError on a form: each message on its field where the form has
    one, the rest above the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


class QuickSelect(forms.Select):
    """Django's drop-down, the same markup, written straight from the choices rather than
    through a template (and an option dictionary) for every option: a city's year of sessions
    (1,250) took 250 ms to render through the templates, 20 ms this way."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        chosen = self.format_value(value)
        taken = False  # one option selected, as Django's Select does

        def option(key: Any, label: Any) -> str:
            nonlocal taken
            key = "" if key is None else str(key)
            selected = not taken and key in chosen
            taken = taken or selected
            return (f'\n  <option value="{escape(key)}"{" selected" if selected else ""}>'
                    f"{escape(str(label))}</option>")  # fmt: skip

        parts = [f'<select name="{escape(name)}"{flatatt(self.build_attrs(self.attrs, attrs))}>']
        for key, label in self.choices:
            if isinstance(label, list | tuple):
                parts.append(f'\n  <optgroup label="{escape(str(key))}">')
                parts.extend(option(k, lab) for k, lab in label)
                parts.append("\n  </optgroup>")
            else:
                parts.append(option(key, label))
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped


class _RowLabelled(Protocol):
    empty_label: Any
    to_field_name: str | None
    label_columns: tuple[str, ...]

    def label_from_row(self, *columns: Any) -> str: ...


class RowChoices(forms.models.ModelChoiceIterator):
    """A model choice field's options read as rows — the primary key and the field's
    ``label_columns`` — and labelled by its ``label_from_row``, rather than a model instance
    built for each option only to print its label (a city's 666 organisations, or a year's
    1,250 sessions with their courses). A chosen value is still checked against the queryset
    (ModelChoiceField.to_python); ``label_from_row`` must write what ``label_from_instance``
    writes."""

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        field = cast(_RowLabelled, self.field)
        if field.empty_label is not None:
            yield ("", field.empty_label)
        key = field.to_field_name or "pk"  # the value Django's own iterator would give
        for value, *columns in self.queryset.values_list(key, *field.label_columns):
            yield (value, field.label_from_row(*columns))


class QuickCheckboxSelectMultiple(forms.CheckboxSelectMultiple):
    """Django's list of checkboxes, the same markup, written straight from the choices rather
    than through a template (and an option dictionary) for every option: a department's
    thousands of staff, or a city's 600 organisations, are rendered in milliseconds (the
    templates took three seconds for 5,000)."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        final = self.build_attrs(self.attrs, attrs)
        chosen = set(self.format_value(value))
        base_id = final.get("id")
        outer = {key: final[key] for key in ("id", "class") if final.get(key)}
        # Every box has the list's attributes with its own id and its tick: flatatt writes
        # the valued attributes, then the bare ones, each in name order, so the shared ones
        # are written once around those two rather than for each of 666 boxes (flatatt was
        # two thirds of the list's time). The markup is Django's, byte for byte.
        shared = {key: v for key, v in final.items() if v is not None}
        valued = {key: v for key, v in shared.items() if not isinstance(v, bool)}
        bare = sorted(key for key, v in shared.items() if v is True)
        kv_low = flatatt({key: v for key, v in valued.items() if key < "id" or (
            key == "id" and not base_id)})  # fmt: skip
        kv_high = flatatt({key: v for key, v in valued.items() if key > "id"})
        bare_low = "".join(f" {key}" for key in bare if key < "checked")
        bare_high = "".join(f" {key}" for key in bare if key > "checked")
        start = f'<input type="checkbox" name="{escape(name)}" value="'

        def option(index: str, key: Any, label: Any) -> str:
            key = "" if key is None else str(key)
            own_id = escape(f"{base_id}_{index}") if base_id else ""
            id_attr = f' id="{own_id}"' if base_id else ""
            checked = " checked" if key in chosen else ""
            box = f'{start}{escape(key)}"{kv_low}{id_attr}{kv_high}{bare_low}{checked}{bare_high}>'
            label_for = f' for="{own_id}"' if base_id else ""
            return f"<div>\n    <label{label_for}>{box} {escape(str(label))}</label></div>"

        parts = [f"<div{flatatt(outer)}>"]
        for index, (key, label) in enumerate(self.choices):
            if isinstance(label, list | tuple):
                parts.append(f"\n  <div><label>{escape(str(key))}</label>")
                parts.extend(option(f"{index}_{sub}", k, lab) for sub, (k, lab) in enumerate(label))
                parts.append("\n  </div>")
            else:
                parts.append(option(str(index), key, label))
        parts.append("\n</div>")
        return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped
