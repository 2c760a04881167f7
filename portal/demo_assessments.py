"""Demo tests, survey and completion reports for ``seed_demo``: 個人情報保護研修, held last
year and again this year (copied), with a pre-test and a post-test of the same questions, the
standard survey (anonymous) and a completion report with department review — and answers from
most of the people ordered, so every results page shows something. The demo trainee (300001)
is ordered too but has answered nothing: they can try it all."""

# ruff: noqa: E501 - the demo's questions read better one to a line

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from assessments import services
from assessments.models import (
    CompletionReport,
    QuestionKind,
    ReportField,
    ReportForm,
    Survey,
    SurveyQuestionKind,
    Test,
)
from assessments.selectors import attempt_questions
from courses import services as course_services
from courses.models import (
    Category,
    Course,
    CourseKind,
    DeliveryMode,
    Room,
    Session,
    current_fiscal_year,
)
from enrollments.models import Enrollment, Status
from enrollments.services import order_issue, session_save
from trainees.models import Trainee, User
from trainees.selectors import coordinators_of

CODE = "S02"
QUESTIONS = [
    ({"kind": QuestionKind.SINGLE, "text": "個人情報が記録されたUSBメモリを紛失しました。最初にすべきことは？",
      "points": Decimal(2), "explanation": "被害の拡大を防ぐため、まず上司（所属長）へ報告します。"},
     [("上司に報告する", True), ("自分で探し続ける", False), ("黙っておく", False)]),
    ({"kind": QuestionKind.MULTIPLE, "text": "安全なパスワードの条件をすべて選んでください。",
      "points": Decimal(2), "partial_credit": True},
     [("12文字以上", True), ("英字・数字・記号を混ぜる", True), ("誕生日を使う", False),
      ("複数のサービスで使い回す", False)]),
    ({"kind": QuestionKind.TRUE_FALSE, "text": "心当たりのないメールの添付ファイルは、開いて内容を確認してよい。",
      "points": Decimal(1), "explanation": "開かずに情報政策課へ連絡します。"},
     [("○", False), ("×", True)]),
    ({"kind": QuestionKind.SHORT, "text": "個人情報の保護に関する法律を所管する国の機関の通称（例：○○委員会）は？",
      "points": Decimal(1), "accepted_answers": ["個人情報保護委員会", "こじんじょうほうほごいいんかい"]},
     []),
    ({"kind": QuestionKind.NUMBER, "text": "個人情報の漏えい等で委員会への速報は、発覚から概ね何日以内？",
      "points": Decimal(1), "number_answer": Decimal(3), "tolerance": Decimal(0)},
     []),
]  # fmt: skip
SURVEY = [
    (SurveyQuestionKind.SATISFACTION, "研修全体の満足度", [], True),
    (SurveyQuestionKind.AGREEMENT, "研修内容は業務に役立つと思う", [], True),
    (SurveyQuestionKind.SINGLE, "研修の時間は", ["短い", "ちょうどよい", "長い"], True),
    (SurveyQuestionKind.MULTIPLE, "役立った内容（複数選択可）", ["講義", "事例演習", "配布資料"], False),
    (SurveyQuestionKind.TEXT, "ご意見・ご要望", [], False),
]  # fmt: skip
COMMENTS = ["事例が具体的でわかりやすかった。", "演習の時間をもう少し長くしてほしい。",
            "窓口業務ですぐに使える内容だった。", "=不正な式のような回答も文字として扱われます"]  # fmt: skip


def _template() -> Survey:
    template = Survey.objects.filter(course__isnull=True, title="研修アンケート（標準）").first()
    if template is not None:
        return template
    template = services.survey_save(
        survey=Survey(title="研修アンケート（標準）", anonymous=True), actor=None
    )
    for kind, text, choices, required in SURVEY:
        services.survey_question_save(
            survey=template, question=None, actor=None,
            fields={"kind": kind, "text": text, "choices": choices, "required": required},
        )  # fmt: skip
    return template


def course_with_session(
    course: Course, day: datetime.date, room: Room | None, *, capacity: int = 80
) -> Session:
    """A course and its one-day session (13:30–16:30), made through the services HR's pages
    use — the demo holds nothing they would refuse."""
    course = course_services.course_save(course=course, actor=None)
    return session_save(
        session=Session(course=course, number=1, capacity=capacity, room=room),
        days=[{"id": None, "date": day, "starts_at": datetime.time(13, 30),
               "ends_at": datetime.time(16, 30)}],
        actor=None,
    )  # fmt: skip


def _course(year: int, first_day: datetime.date, room: Room | None) -> Course:
    session = course_with_session(
        Course(
            fiscal_year=year, code=CODE, title="個人情報保護研修", category=Category.SPECIALIST,
            kind=CourseKind.ORDERED, delivery=DeliveryMode.CLASSROOM, requires_attendance=False,
            requires_test=True, requires_survey=True, requires_report=True,
            completion_deadline=first_day + datetime.timedelta(days=30),
            description="個人情報の取扱いと漏えい時の対応を、事例演習で学びます。",
        ),
        first_day,
        room,
    )  # fmt: skip
    course = session.course
    post = services.test_save(
        test=Test(course=course, kind=Test.Kind.POST, title="個人情報保護研修 事後テスト",
                  pass_mark=Decimal(60), attempts_allowed=2, time_limit_minutes=15,
                  show_score=Test.Reveal.AT_ONCE, show_answers=Test.Reveal.AT_ONCE),
        actor=None,
    )  # fmt: skip
    for fields, choices in QUESTIONS:
        services.question_save(
            test=post, question=None, fields=dict(fields), actor=None,
            choices=[{"text": text, "is_correct": right} for text, right in choices],
        )  # fmt: skip
    pre = services.test_save(
        test=Test(course=course, kind=Test.Kind.PRE, title="個人情報保護研修 事前テスト",
                  pass_mark=Decimal(0), show_score=Test.Reveal.AT_ONCE,
                  show_answers=Test.Reveal.NEVER),
        actor=None,
    )  # fmt: skip
    services.test_copy_questions(source=post, target=pre, actor=None)
    services.survey_from_template(template=_template(), course=course, actor=None)
    form = ReportForm(course=course, title="受講結果報告", requires_review=True,
                      instructions="研修で学んだことと、業務での活かし方を書いてください。")  # fmt: skip
    services.report_form_save(
        form=form,
        fields=[ReportField(label="研修で学んだこと", max_length=800),
                ReportField(label="業務への活用方法", max_length=800),
                ReportField(label="自己評価", kind=ReportField.Kind.RATING),
                ReportField(label="意見・要望", required=False, max_length=400)],
        actor=None,
    )  # fmt: skip
    return course


def _answer(place: Enrollment, test: Test, rng: random.Random, skill: float) -> None:
    """An attempt answered right with probability `skill` per question."""
    attempt = services.attempt_start(test=test, enrollment=place, actor=None)
    for question, choices, _saved in attempt_questions(attempt):
        right = rng.random() < skill
        picked: list[int]
        if question.kind == QuestionKind.SHORT:
            text, picked = ("個人情報保護委員会" if right else "消費者庁"), []
        elif question.kind == QuestionKind.NUMBER:
            text, picked = ("3" if right else "30"), []
        else:
            correct = [c.pk for c in choices if c.is_correct]
            wrong = [c.pk for c in choices if not c.is_correct]
            picked = correct if right else [rng.choice(wrong)]
            text = ""
        services.answer_save(
            attempt=attempt, question_id=question.pk, selected=picked, text=text, actor=None
        )
    services.attempt_submit(attempt=attempt, actor=None)


def _survey(place: Enrollment, survey: Survey, rng: random.Random, mood: int) -> None:
    answers: dict[int, object] = {}
    for question in survey.questions.order_by("position"):
        if question.kind in (SurveyQuestionKind.SATISFACTION, SurveyQuestionKind.AGREEMENT):
            answers[question.pk] = min(4, max(0, mood + rng.choice([-1, 0, 0, 1])))
        elif question.kind == SurveyQuestionKind.SINGLE:
            answers[question.pk] = rng.choice([0, 1, 1, 1, 2])
        elif question.kind == SurveyQuestionKind.MULTIPLE:
            answers[question.pk] = sorted(rng.sample(range(3), rng.randint(1, 2)))
        elif rng.random() < 0.4:
            answers[question.pk] = rng.choice(COMMENTS)
    services.survey_answer(survey=survey, enrollment=place, answers=answers, actor=None)


def _report(place: Enrollment, form: ReportForm, rng: random.Random) -> CompletionReport:
    fields = {f.label: str(f.pk) for f in form.fields.all()}
    return services.report_save(
        form=form, enrollment=place, submit=True, actor=None,
        answers={fields["研修で学んだこと"]: "漏えい時はまず所属長へ報告し、記録を残すこと。",
                 fields["業務への活用方法"]: "窓口で扱う申請書の保管方法を係内で見直す。",
                 fields["自己評価"]: str(rng.randint(3, 5)), fields["意見・要望"]: ""},
    )  # fmt: skip


@transaction.atomic
def seed_assessments() -> None:
    year = current_fiscal_year()
    if Course.objects.filter(code=CODE, fiscal_year=year).exists():
        return
    rng = random.Random(2026)  # noqa: S311 - reproducible demo answers, not a secret
    room = Room.objects.filter(name="5階 研修室A").first()
    today = timezone.localdate()
    demo_trainee = Trainee.objects.filter(user__username="300001").first()
    staff = list(
        Trainee.objects.exclude(user__username__in=["100001", "100002", "300001", "auditor01"])
        .order_by("staff_number")
        .values_list("pk", flat=True)[:40]
    )
    coordinator = User.objects.filter(username="200001").first()
    # Last year's course, answered by everyone (its satisfaction is the comparison).
    last = _course(year - 1, today - datetime.timedelta(days=365), room)
    order_issue(session=last.sessions.get(), trainee_ids=staff[:30], actor=None)
    last_survey = Survey.objects.get(course=last)
    for place in Enrollment.objects.filter(course=last, status=Status.CONFIRMED):
        _survey(place, last_survey, rng, mood=2)
    # This year's: held three days ago.
    course = _course(year, today - datetime.timedelta(days=3), room)
    ordered = staff + ([demo_trainee.pk] if demo_trainee else [])
    order_issue(session=course.sessions.get(), trainee_ids=ordered, actor=None)
    pre = Test.objects.get(course=course, kind=Test.Kind.PRE)
    post = Test.objects.get(course=course, kind=Test.Kind.POST)
    survey = Survey.objects.get(course=course)
    form = ReportForm.objects.get(course=course)
    places = list(
        Enrollment.objects.filter(course=course, status=Status.CONFIRMED)
        .exclude(trainee=demo_trainee)
        .select_related("trainee")
        .order_by("trainee__staff_number")
    )
    for n, place in enumerate(places):
        skill = 0.35 + 0.5 * rng.random()
        _answer(place, pre, rng, skill)
        if n < min(34, len(places) - 1):  # the last one left the post-test open (below)
            _answer(place, post, rng, min(0.95, skill + 0.3))
        if n < 30:
            _survey(place, survey, rng, mood=1)
        if n < 26:
            report = _report(place, form, rng)
            in_scope = coordinator is not None and coordinator.pk in coordinators_of(place.trainee)
            if n % 3 == 0 and not in_scope:  # the demo coordinator's staff stay waiting
                services.report_review(
                    report=report, acknowledge=n % 2 == 0, actor=None,
                    comment="" if n % 2 == 0 else "業務への活用方法を具体的に書いてください。",
                )  # fmt: skip
    # One trainee opened the post-test twenty minutes ago and closed the browser: past its
    # 15-minute limit, the attempt is left open. HR's results page lists it with "submit them
    # now" (in production the minute's job submits it; `make run` has no scheduler).
    if places:
        started = timezone.now() - datetime.timedelta(minutes=20)
        left = services.attempt_start(test=post, enrollment=places[-1], actor=None, now=started)
        question, choices, _saved = attempt_questions(left)[0]
        services.answer_save(attempt=left, question_id=question.pk, actor=None,
                             selected=[c.pk for c in choices if c.is_correct][:1], text="",
                             now=started + datetime.timedelta(minutes=2))  # fmt: skip
