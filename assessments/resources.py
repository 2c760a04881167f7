"""A test's question bank (問題バンク) as a spreadsheet, through django-import-export: one row
per question, so a course's test can be prepared in Excel and imported; a bad file names its
lines and nothing is written."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

import tablib
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from import_export import fields, resources
from import_export.formats.base_formats import CSV

from assessments.models import Question, QuestionKind, Test
from assessments.services.tests import question_save
from audit.services import audit_event_record
from lib.tables import TableFileError, decode
from lib.xlsx import GuardedXLSX, XlsxRefused
from trainees.models import User

KIND_LABELS = {
    QuestionKind.SINGLE: "単一選択",
    QuestionKind.MULTIPLE: "複数選択",
    QuestionKind.TRUE_FALSE: "正誤",
    QuestionKind.SHORT: "短答",
    QuestionKind.NUMBER: "数値",
}
KIND_OF = {label: kind for kind, label in KIND_LABELS.items()} | {k.value: k for k in QuestionKind}
SEPARATOR = "|"
MAX_QUESTIONS = 500


class QuestionBankResource(resources.ModelResource):
    """Columns: 種類, 問題文, 配点, 選択肢 (separated by |, the correct ones starting with *),
    正答 (short text: the accepted answers separated by |; number: the value), 許容誤差,
    部分点 (1/0), 解説."""

    kind = fields.Field(column_name="種類")
    text = fields.Field(attribute="text", column_name="問題文")
    points = fields.Field(attribute="points", column_name="配点")
    choices = fields.Field(column_name="選択肢")
    answer = fields.Field(column_name="正答")
    tolerance = fields.Field(attribute="tolerance", column_name="許容誤差")
    partial = fields.Field(column_name="部分点")
    explanation = fields.Field(attribute="explanation", column_name="解説")

    class Meta:
        model = Question
        fields = ("kind", "text", "points", "choices", "answer", "tolerance", "partial",
                  "explanation")  # fmt: skip
        export_order = fields

    def dehydrate_kind(self, question: Question) -> str:
        return KIND_LABELS[QuestionKind(question.kind)]

    def dehydrate_choices(self, question: Question) -> str:
        return SEPARATOR.join(
            ("*" if c.is_correct else "") + c.text for c in question.choices.all()
        )

    def dehydrate_answer(self, question: Question) -> str:
        if question.kind == QuestionKind.SHORT:
            return SEPARATOR.join(question.accepted_answers)
        if question.kind == QuestionKind.NUMBER and question.number_answer is not None:
            return format(question.number_answer.normalize(), "f")
        return ""

    def dehydrate_partial(self, question: Question) -> str:
        return "1" if question.partial_credit else "0"


def bank_table(test: Test) -> tuple[list[str], list[list[Any]]]:
    """The test's current questions as (header, rows) for the portal's export writer."""
    questions = (
        Question.objects.filter(test=test, retired_at__isnull=True)
        .prefetch_related("choices")
        .order_by("position", "id")
    )
    dataset = QuestionBankResource().export(queryset=questions)
    return list(dataset.headers or []), [list(row) for row in dataset]


def _dataset(data: bytes, name: str) -> tablib.Dataset:
    try:
        if name.lower().endswith(".xlsx"):
            return GuardedXLSX().create_dataset(data)
        text, _encoding = decode(data)
        return CSV().create_dataset(text)
    except (TableFileError, XlsxRefused) as exc:
        raise ValidationError(str(exc)) from None
    except Exception:  # noqa: BLE001 - a malformed file of any kind: one message
        raise ValidationError(_("The file cannot be read as CSV or Excel.")) from None


def _decimal(value: Any, default: Decimal | None = None) -> Decimal | None:
    text = str(value if value is not None else "").strip()
    if not text:
        return default
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValueError(text) from None


def _within(text: str, column: str, limit: int) -> str:
    """The cell as it is, or a refusal naming the column (never cut silently)."""
    if len(text) > limit:
        raise ValidationError(
            _("%(column)s: at most %(limit)s characters (now %(n)s).")
            % {"column": column, "limit": f"{limit:,}", "n": f"{len(text):,}"}
        )
    return text


def _row(cells: dict[str, Any]) -> tuple[dict, list[dict]]:
    """(question fields, choices) of one row; ValidationError with what is wrong."""

    def cell(name: str) -> str:
        value = cells.get(name)
        return "" if value is None else str(value).strip()

    kind = KIND_OF.get(cell("種類"))
    if kind is None:
        raise ValidationError(_("種類 must be one of %(kinds)s.") % {
            "kinds": "・".join(KIND_LABELS.values())
        })  # fmt: skip
    if not cell("問題文"):
        raise ValidationError(_("問題文 is empty."))
    try:
        points = _decimal(cells.get("配点"), Decimal(1))
        tolerance = _decimal(cells.get("許容誤差"), Decimal(0))
        number = _decimal(cell("正答")) if kind == QuestionKind.NUMBER else None
    except ValueError as exc:
        raise ValidationError(_("「%(value)s」 is not a number.") % {"value": exc}) from None
    choices = []
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.TRUE_FALSE):
        for part in cell("選択肢").split(SEPARATOR):
            if part.strip():
                part = part.strip()
                choices.append(
                    {"text": part.removeprefix("*").strip(), "is_correct": part.startswith("*")}
                )
    answers = [a.strip() for a in cell("正答").split(SEPARATOR) if a.strip()]
    question_fields = {
        "kind": kind,
        "text": _within(cell("問題文"), "問題文", 2000),
        "points": points,
        "partial_credit": cell("部分点") in {"1", "true", "TRUE", "○"},
        "accepted_answers": answers if kind == QuestionKind.SHORT else [],
        "number_answer": number,
        "tolerance": tolerance,
        "explanation": _within(cell("解説"), "解説", 2000),
    }
    if points is None or points <= 0 or points > 999:
        raise ValidationError(_("配点 must be a number between 0.01 and 999."))
    return question_fields, choices


@transaction.atomic
def bank_import(*, test: Test, data: bytes, name: str, actor: User | None) -> int:
    """Add the file's questions to the test, all or none. ValidationError lists every bad line
    ("3行目: …")."""
    dataset = _dataset(data, name)
    headers = [str(h or "").strip() for h in (dataset.headers or [])]
    if "種類" not in headers or "問題文" not in headers:
        raise ValidationError(
            _(
                "The first line must be the header: "
                "種類, 問題文, 配点, 選択肢, 正答, 許容誤差, 部分点, 解説."
            )
        )
    if len(dataset) > MAX_QUESTIONS:
        raise ValidationError(_("At most %(n)s questions in one file.") % {"n": MAX_QUESTIONS})
    errors, count = [], 0
    for line, row in enumerate(dataset, start=2):
        cells = dict(zip(headers, row, strict=False))
        if not any(str(v or "").strip() for v in row):
            continue
        try:
            question_fields, choices = _row(cells)
            with transaction.atomic():
                question_save(
                    test=test, question=None, fields=question_fields, choices=choices, actor=None
                )
            count += 1
        except ValidationError as exc:
            errors.append(
                _("Line %(line)s: %(error)s") % {"line": line, "error": " ".join(exc.messages)}
            )
    if errors:
        raise ValidationError(errors)
    if not count:
        raise ValidationError(_("The file has no questions."))
    audit_event_record(
        kind="test.bank_imported", user=actor, detail={"test": test.pk, "questions": count}
    )
    return count
