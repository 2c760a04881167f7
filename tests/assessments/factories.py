from __future__ import annotations

from decimal import Decimal

from assessments import services
from assessments.models import (
    Question,
    QuestionKind,
    ReportField,
    ReportForm,
    Survey,
    SurveyQuestionKind,
    Test,
)


def make_test(course, *, kind=Test.Kind.POST, questions=None, **settings) -> Test:
    """A test with questions through the authoring service: by default a single choice (2
    points), a multiple choice with partial credit, a true/false, a short text and a number."""
    settings.setdefault("title", f"{course.title} テスト")
    test = services.test_save(test=Test(course=course, kind=kind, **settings), actor=None)
    for fields, choices in questions if questions is not None else default_questions():
        services.question_save(test=test, question=None, fields=fields, choices=choices, actor=None)
    return test


def q(kind, text, points=1, **extra):
    return {"kind": kind, "text": text, "points": Decimal(points), **extra}


def default_questions():
    return [
        (q(QuestionKind.SINGLE, "個人情報を含むUSBメモリを紛失した。最初にすることは？", 2),
         [{"text": "上司に報告する", "is_correct": True}, {"text": "黙っている", "is_correct": False},
          {"text": "探し続ける", "is_correct": False}]),
        (q(QuestionKind.MULTIPLE, "強いパスワードの条件をすべて選べ", 2, partial_credit=True),
         [{"text": "12文字以上", "is_correct": True}, {"text": "記号を含む", "is_correct": True},
          {"text": "誕生日", "is_correct": False}, {"text": "使い回す", "is_correct": False}]),
        (q(QuestionKind.TRUE_FALSE, "メールの添付ファイルは必ず開いてよい"),
         [{"text": "○", "is_correct": False}, {"text": "×", "is_correct": True}]),
        (q(QuestionKind.SHORT, "個人情報保護を担当する委員会の略称（カタカナ可）", accepted_answers=["こじんじょうほうほごいいんかい", "個情委"]),
         []),
        (q(QuestionKind.NUMBER, "円周率を小数第2位まで", number_answer=Decimal("3.14"), tolerance=Decimal("0.005")),
         []),
    ]  # fmt: skip


def make_survey(course, *, anonymous=True) -> Survey:
    survey = services.survey_save(
        survey=Survey(course=course, title="研修アンケート", anonymous=anonymous), actor=None
    )
    for kind, text, choices, required in [
        (SurveyQuestionKind.SATISFACTION, "研修全体の満足度", [], True),
        (SurveyQuestionKind.SINGLE, "研修の長さ", ["短い", "ちょうどよい", "長い"], True),
        (SurveyQuestionKind.MULTIPLE, "役立った内容", ["講義", "演習", "資料"], False),
        (SurveyQuestionKind.TEXT, "ご意見・ご要望", [], False),
    ]:
        services.survey_question_save(
            survey=survey,
            question=None,
            fields={"kind": kind, "text": text, "choices": choices, "required": required},
            actor=None,
        )
    return survey


def release_held_answers() -> int:
    """Release every held anonymous answer now, as the hourly job does once a batch has waited
    SURVEY_RELEASE_AFTER_DAYS (a year from today is past any setting)."""
    import datetime

    from django.utils import timezone

    return services.survey_responses_release(
        today=timezone.localdate() + datetime.timedelta(days=365)
    )


def make_form(course, *, review=True) -> ReportForm:
    form = ReportForm(course=course, title="受講結果報告", requires_review=review)
    services.report_form_save(
        form=form,
        fields=[
            ReportField(label="研修で学んだこと", max_length=400),
            ReportField(label="自己評価", kind=ReportField.Kind.RATING),
            ReportField(label="意見・要望", required=False, max_length=200),
        ],
        actor=None,
    )
    return form


def values(form, learned="情報資産の扱い方", rating="4", opinion=""):
    f = {field.label: str(field.pk) for field in form.fields.all()}
    return {f["研修で学んだこと"]: learned, f["自己評価"]: rating, f["意見・要望"]: opinion}


def answers(survey, satisfaction=0, length=1, useful=(0, 2), text="資料が良かった"):
    q = {question.position: question.pk for question in survey.questions.all()}
    return {q[1]: satisfaction, q[2]: length, q[3]: list(useful), q[4]: text}


def question_ids(attempt):
    """{question text prefix: (question, {choice text: id})} of an attempt."""
    out = {}
    for qid in attempt.question_ids:
        question = Question.objects.get(pk=qid)
        out[question.kind] = (question, {c.text: c.pk for c in question.choices.all()})
    return out


def answer_all(attempt, *, wrong_single=False):
    by = question_ids(attempt)
    single, choices = by[QuestionKind.SINGLE]
    services.answer_save(
        attempt=attempt,
        question_id=single.pk,
        selected=[str(choices["黙っている" if wrong_single else "上司に報告する"])],
        text="",
        actor=None,
    )
    multi, choices = by[QuestionKind.MULTIPLE]
    services.answer_save(
        attempt=attempt,
        question_id=multi.pk,
        selected=[choices["12文字以上"], choices["記号を含む"]],
        text="",
        actor=None,
    )
    tf, choices = by[QuestionKind.TRUE_FALSE]
    services.answer_save(
        attempt=attempt, question_id=tf.pk, selected=[choices["×"]], text="", actor=None
    )
    short, _ = by[QuestionKind.SHORT]
    services.answer_save(
        attempt=attempt,
        question_id=short.pk,
        selected=[],
        text="　コジンジョウホウホゴイインカイ ",
        actor=None,
    )
    number, _ = by[QuestionKind.NUMBER]
    services.answer_save(
        attempt=attempt, question_id=number.pk, selected=[], text="３．１４", actor=None
    )
