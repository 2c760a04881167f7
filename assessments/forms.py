from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from assessments.models import (
    CHOICE_KINDS,
    CompletionReport,
    Question,
    QuestionKind,
    ReportField,
    ReportForm,
    Survey,
    SurveyQuestion,
    SurveyQuestionKind,
    Test,
)
from lib.forms import FoldedNumbersMixin

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class TestForm(FoldedNumbersMixin, forms.ModelForm):
    class Meta:
        model = Test
        fields = [
            "kind", "title", "instructions", "pass_mark", "pass_unit", "attempts_allowed",
            "counting", "time_limit_minutes", "shuffle_questions", "shuffle_choices",
            "one_per_page", "opens_at", "closes_at", "show_score", "show_answers",
        ]  # fmt: skip
        help_texts = {
            "pass_mark": _("Post-tests only: a pre-test is not passed or failed."),
        }
        widgets = {
            "instructions": forms.Textarea(attrs={"rows": 3}),
            "opens_at": DATETIME,
            "closes_at": DATETIME,
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        opens, closes = cleaned.get("opens_at"), cleaned.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("The test must close after it opens."))
        if (
            cleaned.get("pass_unit") == Test.PassUnit.PERCENT
            and (cleaned.get("pass_mark") or 0) > 100
        ):
            self.add_error("pass_mark", _("A percentage is at most 100."))
        return cleaned


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class QuestionForm(FoldedNumbersMixin, forms.Form):
    """A question with its choices as lines: a line starting with * is a correct choice."""

    kind = forms.ChoiceField(label=_("question type"), choices=QuestionKind.choices)
    text = forms.CharField(
        label=_("question"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    points = forms.DecimalField(
        label=_("points"),
        min_value=Decimal("0.01"),
        max_value=Decimal(999),
        decimal_places=2,
        initial=1,
    )
    choices = forms.CharField(
        label=_("choices (one per line; start the correct ones with *)"), required=False,
        max_length=5000, widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "For single and multiple choice. True or false needs none "
            "(○ is correct; write *× to make × correct)."
        ),
    )  # fmt: skip
    partial_credit = forms.BooleanField(label=_("partial credit (multiple choice)"), required=False)
    accepted_answers = forms.CharField(
        label=_("accepted answers (one per line)"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Short text: compared ignoring full/half width, hiragana/katakana, case and "
            "surrounding spaces."
        ),
    )  # fmt: skip
    number_answer = forms.DecimalField(
        label=_("correct number"), required=False, max_digits=14, decimal_places=4
    )
    tolerance = forms.DecimalField(
        label=_("tolerance (±)"), required=False, min_value=0, max_digits=14, decimal_places=4
    )
    explanation = forms.CharField(
        label=_("explanation (解説)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    @classmethod
    def for_question(cls, question: Question) -> QuestionForm:
        choices = "\n".join(("*" if c.is_correct else "") + c.text for c in question.choices.all())
        return cls(
            initial={
                "kind": question.kind, "text": question.text, "points": question.points,
                "choices": choices if question.kind != QuestionKind.TRUE_FALSE
                else ("*×" if question.choices.filter(text="×", is_correct=True).exists() else ""),
                "partial_credit": question.partial_credit,
                "accepted_answers": "\n".join(question.accepted_answers),
                "number_answer": question.number_answer, "tolerance": question.tolerance,
                "explanation": question.explanation,
            }
        )  # fmt: skip

    def question_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "text": data["text"],
            "points": data["points"],
            "partial_credit": data["partial_credit"] and data["kind"] == QuestionKind.MULTIPLE,
            "accepted_answers": _lines(data["accepted_answers"])
            if data["kind"] == QuestionKind.SHORT else [],
            "number_answer": data["number_answer"] if data["kind"] == QuestionKind.NUMBER else None,
            "tolerance": data["tolerance"] or Decimal(0),
            "explanation": data["explanation"],
        }  # fmt: skip

    def question_choices(self) -> list[dict]:
        kind = self.cleaned_data["kind"]
        if kind == QuestionKind.TRUE_FALSE:
            wrong_is_right = "*×" in self.cleaned_data["choices"].replace(" ", "")
            return [{"text": "○", "is_correct": not wrong_is_right},
                    {"text": "×", "is_correct": wrong_is_right}]  # fmt: skip
        if kind not in CHOICE_KINDS:
            return []
        return [
            {"text": line.removeprefix("*").strip(), "is_correct": line.startswith("*")}
            for line in _lines(self.cleaned_data["choices"])
        ]


class AdjustForm(FoldedNumbersMixin, forms.Form):
    score = forms.DecimalField(
        label=_("adjusted score"), min_value=0, max_digits=7, decimal_places=2
    )
    reason = forms.CharField(label=_("reason"), max_length=500)


class SurveyForm(forms.ModelForm):
    class Meta:
        model = Survey
        fields = ["title", "instructions", "anonymous", "opens_at", "closes_at"]
        widgets = {
            "instructions": forms.Textarea(attrs={"rows": 3}),
            "opens_at": DATETIME,
            "closes_at": DATETIME,
        }


class SurveyCreateForm(forms.Form):
    template = forms.ModelChoiceField(
        label=_("start from a template"), required=False,
        queryset=Survey.objects.filter(course__isnull=True).order_by("title"),
        empty_label=_("(an empty survey)"),
    )  # fmt: skip
    title = forms.CharField(
        label=_("title"), max_length=200, required=False, initial="研修アンケート"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The standard template (the first one HR keeps) is chosen unless HR picks another: an
        # empty survey is a deliberate choice, and cannot be answered until it has questions.
        templates = Survey.objects.filter(course__isnull=True).order_by("title")
        self.fields["template"].initial = templates.values_list("pk", flat=True).first()


class SurveyQuestionForm(forms.ModelForm):
    choice_lines = forms.CharField(
        label=_("choices (one per line)"), required=False, max_length=3000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("For single and multiple choice; the scales have their own labels."),
    )  # fmt: skip

    class Meta:
        model = SurveyQuestion
        fields = ["kind", "text", "required"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["choice_lines"].initial = "\n".join(self.instance.choices)

    def question_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        choices = _lines(data["choice_lines"])
        if any(len(c) > 200 for c in choices):
            raise forms.ValidationError(_("A choice can be at most 200 characters."))
        with_choices = (SurveyQuestionKind.SINGLE, SurveyQuestionKind.MULTIPLE)
        return {
            "kind": data["kind"],
            "text": data["text"],
            "required": data["required"],
            "choices": choices if data["kind"] in with_choices else [],
        }


class ReportFormForm(forms.ModelForm):
    class Meta:
        model = ReportForm
        fields = ["title", "instructions", "requires_review", "reviewer", "due_date"]
        labels = {"title": _("Name of the form (shown to trainees)")}
        widgets = {
            "instructions": forms.Textarea(attrs={"rows": 3}),
            "due_date": forms.DateInput(attrs={"type": "date"}),
        }


class ReportFieldForm(FoldedNumbersMixin, forms.ModelForm):
    class Meta:
        model = ReportField
        fields = ["position", "label", "kind", "required", "max_length"]
        labels = {"position": _("Display order")}


ReportFieldFormSet: type[forms.BaseModelFormSet] = forms.modelformset_factory(
    ReportField, form=ReportFieldForm, extra=1, can_delete=True, max_num=30
)


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("decision"),
        choices=[("acknowledge", _("Acknowledge")), ("return", _("Return for changes"))],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("comment"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReportFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("state"), required=False,
        choices=[("", _("All")), *CompletionReport.State.choices],
    )  # fmt: skip
    organisation = forms.IntegerField(required=False, widget=forms.HiddenInput)


class BankImportForm(forms.Form):
    file = forms.FileField(
        label=_("File (CSV in UTF-8 or Shift_JIS, or XLSX)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > 1024 * 1024:
            raise forms.ValidationError(_("The file can be at most 1 MB."))
        return upload


ANSWER_FIELD = re.compile(r"^q(\d{1,12})$")


def posted_answers(
    data: QueryDict, questions: Sequence[Question]
) -> dict[int, tuple[list[str], str]]:
    """The answers a test page posted, by question id: (choices ticked, text). The page's own
    questions are all there (a checkbox question with none ticked posts nothing, which clears
    it); any other q<id> field — forged — is passed on too, for the service to refuse, since
    it names a question outside the page. Reads nothing from the database."""
    kinds = {question.pk: question.kind for question in questions}
    named = {int(m.group(1)) for key in data if (m := ANSWER_FIELD.match(key))}
    answers: dict[int, tuple[list[str], str]] = {}
    for qid in kinds.keys() | named:
        values = data.getlist(f"q{qid}")
        if kinds.get(qid) in CHOICE_KINDS:
            answers[qid] = (values, "")
        else:
            answers[qid] = ([], values[0] if values else "")
    return answers
