"""Reads for assessments: what an enrolment has met (for completion), a trainee's to-do list,
and HR's results — score distribution, item analysis and survey tallies aggregated in the
database (a fixed number of queries whatever the number of attempts or responses)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.core.cache import cache
from django.db.models import (
    Avg,
    Case,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Floor, Least
from django.utils import timezone

from assessments.models import (
    Answer,
    Attempt,
    Choice,
    CompletionReport,
    Question,
    ReportForm,
    Reviewer,
    Survey,
    SurveyAnswer,
    SurveyDone,
    SurveyHeld,
    SurveyQuestion,
    SurveyQuestionKind,
    SurveyResponse,
    Test,
)
from courses.models import Course
from enrollments.models import Enrollment, Status
from trainees.models import Trainee, User
from trainees.selectors import coordinators_by_organisation, coordinators_of, supervisors_for

# Below this many respondents an organisation's answers are not broken down (they could point
# at a person).
BREAKDOWN_MINIMUM = 5
FINAL = Coalesce("adjusted_score", "score")


def _counted_order(test: Test) -> list:
    if test.counting == Test.Counting.FIRST:
        return ["number"]
    if test.counting == Test.Counting.LAST:
        return ["-number"]
    return [FINAL.desc(), "number"]


def counted_attempts(test: Test) -> QuerySet[Attempt]:
    """Each enrolment's attempt that counts (best, first or last submitted, as the test says)."""
    pick = (
        Attempt.objects.filter(
            test=test, state=Attempt.State.SUBMITTED, enrollment=OuterRef("enrollment")
        )
        .order_by(*_counted_order(test))
        .values("id")[:1]
    )
    return Attempt.objects.filter(test=test, state=Attempt.State.SUBMITTED, id=Subquery(pick))


# --- Completion ------------------------------------------------------------------------------


def requirements_met(enrollment_ids: list[int]) -> dict[int, set[str]]:
    """{enrolment id: the codes among "test", "survey", "report" it has met} — what
    completion (progress/) asks it directly. A test is met by a passed
    counted attempt at the course's post-test (a pre-test never counts); the survey by
    having answered it; the report by every report form of the course submitted (acknowledged
    where the form asks for the department's review). Four queries for any number."""
    met: dict[int, set[str]] = {pk: set() for pk in enrollment_ids}
    if not enrollment_ids:
        return met
    course_of = dict(
        Enrollment.objects.filter(pk__in=enrollment_ids).values_list("pk", "course_id")
    )
    # The post-test decides, chosen by its kind: a pre-test is never passed or failed.
    tests: dict[int, Test] = {
        test.course_id: test
        for test in Test.objects.filter(course_id__in=set(course_of.values()), kind=Test.Kind.POST)
    }
    rows = Attempt.objects.filter(
        enrollment_id__in=enrollment_ids,
        test_id__in=[t.pk for t in tests.values()],
        state=Attempt.State.SUBMITTED,
    ).values_list("enrollment_id", "test_id", "number", "passed", "score", "adjusted_score")
    by_enrollment: dict[int, list] = {}
    for row in rows:
        by_enrollment.setdefault(row[0], []).append(row)
    for pk, attempts in by_enrollment.items():
        course_test = tests.get(course_of[pk])
        attempts = [a for a in attempts if course_test and a[1] == course_test.pk]
        if course_test is None or not attempts:
            continue
        if course_test.counting == Test.Counting.FIRST:
            counted = min(attempts, key=lambda a: a[2])
        elif course_test.counting == Test.Counting.LAST:
            counted = max(attempts, key=lambda a: a[2])
        else:
            counted = max(attempts, key=lambda a: (a[5] if a[5] is not None else a[4], -a[2]))
        if counted[3]:
            met[pk].add("test")
    for pk in SurveyDone.objects.filter(enrollment_id__in=enrollment_ids).values_list(
        "enrollment_id", flat=True
    ):
        met[pk].add("survey")
    forms: dict[int, list[ReportForm]] = {}
    for form in ReportForm.objects.filter(course_id__in=set(course_of.values())):
        forms.setdefault(form.course_id, []).append(form)
    done: dict[int, set[int]] = {}
    for pk, form_id, state, review in CompletionReport.objects.filter(
        enrollment_id__in=enrollment_ids
    ).values_list("enrollment_id", "form_id", "state", "form__requires_review"):
        if state == CompletionReport.State.ACKNOWLEDGED or (
            state == CompletionReport.State.SUBMITTED and not review
        ):
            done.setdefault(pk, set()).add(form_id)
    for pk, course_id in course_of.items():
        needed = {f.pk for f in forms.get(course_id, [])}
        if needed and needed <= done.get(pk, set()):
            met[pk].add("report")
    return met


def course_assessments(course_id: int) -> dict:
    """The course's tests (questions, submitted attempts), survey (answers) and report forms
    (reports submitted) for HR's course page — three queries."""
    tests = list(
        Test.objects.filter(course_id=course_id)
        .annotate(
            question_count=Count(
                "questions", filter=Q(questions__retired_at__isnull=True), distinct=True
            ),
            attempt_count=Count(
                "attempts", filter=Q(attempts__state=Attempt.State.SUBMITTED), distinct=True
            ),
        )
        .order_by("-kind")
    )
    survey = (
        Survey.objects.filter(course_id=course_id)
        .annotate(
            done_count=Count("done", distinct=True),
            question_count=Count("questions", distinct=True),
        )
        .first()
    )
    forms = {
        form.purpose: form
        for form in ReportForm.objects.filter(course_id=course_id).annotate(
            submitted=Count("reports", filter=~Q(reports__state=CompletionReport.State.DRAFT))
        )
    }
    return {
        "tests": tests,
        "missing_kinds": [k for k in Test.Kind if k not in {t.kind for t in tests}],
        "survey": survey,
        "report": forms.get(ReportForm.Purpose.REPORT),
        "pre_task": forms.get(ReportForm.Purpose.PRE_TASK),
    }


# --- The trainee's view ----------------------------------------------------------------------


@dataclass
class TestState:
    test: Test
    attempts: list[Attempt]
    open_attempt: Attempt | None
    remaining: int

    @property
    def counted(self) -> Attempt | None:
        done = [a for a in self.attempts if a.state == Attempt.State.SUBMITTED]
        if not done:
            return None
        if self.test.counting == Test.Counting.FIRST:
            return done[0]
        if self.test.counting == Test.Counting.LAST:
            return done[-1]
        return max(done, key=lambda a: (a.final_score, -a.number))


@dataclass
class EnrollmentAssessments:
    tests: list[TestState] = field(default_factory=list)
    survey: Survey | None = None
    survey_done: bool = False
    forms: list[tuple[ReportForm, CompletionReport | None]] = field(default_factory=list)


def enrollment_assessments(enrollment: Enrollment) -> EnrollmentAssessments:
    """The course's tests (with the enrolment's attempts), survey and report forms."""
    result = EnrollmentAssessments()
    attempts: dict[int, list[Attempt]] = {}
    for attempt in Attempt.objects.filter(enrollment=enrollment).order_by("number"):
        attempts.setdefault(attempt.test_id, []).append(attempt)
    for test in Test.objects.filter(course_id=enrollment.course_id).order_by("-kind"):  # pre first
        mine = attempts.get(test.pk, [])
        result.tests.append(
            TestState(
                test=test,
                attempts=mine,
                open_attempt=next((a for a in mine if a.state == Attempt.State.IN_PROGRESS), None),
                remaining=max(0, test.attempts_allowed - len(mine)),
            )
        )
    # A survey without questions is not shown to trainees (HR's course page says so).
    result.survey = (
        Survey.objects.filter(course_id=enrollment.course_id, questions__isnull=False)
        .distinct()
        .first()
    )
    if result.survey is not None:
        result.survey_done = SurveyDone.objects.filter(
            survey=result.survey, enrollment=enrollment
        ).exists()
    reports = {r.form_id: r for r in CompletionReport.objects.filter(enrollment=enrollment)}
    result.forms = [
        (form, reports.get(form.pk))
        for form in ReportForm.objects.filter(course_id=enrollment.course_id).order_by("-purpose")
    ]
    return result


def attempt_question_map(attempt: Attempt) -> dict[int, Question]:
    """The attempt's questions by id, each with its choices: what a page posts answers to and
    what the attempt is scored against. An attempt's questions are versions that never change
    (question_save makes a new one), so they may be read before the attempt is locked."""
    return {
        q.pk: q
        for q in Question.objects.filter(pk__in=attempt.question_ids).prefetch_related("choices")
    }


def attempt_questions(attempt: Attempt) -> list[tuple[Question, list[Choice], Answer | None]]:
    """The attempt's questions in its order, each with its choices in the order shown and the
    saved answer (choices ticked prefetched)."""
    questions = Question.objects.filter(pk__in=attempt.question_ids).in_bulk()
    choices = Choice.objects.filter(question_id__in=attempt.question_ids).in_bulk()
    answers = {
        a.question_id: a for a in Answer.objects.filter(attempt=attempt).prefetch_related("choices")
    }
    for answer in answers.values():
        answer.chosen = {c.pk for c in answer.choices.all()}  # type: ignore[attr-defined]
    return [
        (
            questions[qid],
            [choices[cid] for cid in attempt.choice_order.get(str(qid), []) if cid in choices],
            answers.get(qid),
        )
        for qid in attempt.question_ids
    ]


# --- HR: test results ------------------------------------------------------------------------


@dataclass
class ItemStats:
    question: Question
    n: int
    facility: float | None  # mean score fraction, %
    sd: float | None  # standard deviation of the score fraction, %
    discrimination: float | None  # correlation of the item with the rest of the test, %
    choices: list[tuple[Choice, int]]
    flags: list[str]


@dataclass
class TestResults:
    test: Test
    attempts: int
    trainees: int
    mean: Decimal | None
    passed: int
    bins: list[tuple[str, int]]
    sessions: list[dict]
    items: list[ItemStats]

    @property
    def bin_rows(self) -> list[tuple[str, int, None]]:
        return [(label, n, None) for label, n in self.bins]

    @property
    def flagged(self) -> int:
        """Questions the item analysis flags for a look."""
        return sum(1 for item in self.items if item.flags)


def _percent() -> ExpressionWrapper:
    return ExpressionWrapper(
        Cast(FINAL, FloatField()) * 100.0 / Cast(F("max_score"), FloatField()),
        output_field=FloatField(),
    )


def _results_signature(test: Test) -> str:
    """What the figures depend on, in two cheap queries: the submitted attempts (how many, the
    last, their scores with adjustments) and the test's question versions."""
    attempts = Attempt.objects.filter(test=test, state=Attempt.State.SUBMITTED).aggregate(
        n=Count("id"), last=Max("id"), total=Sum(FINAL), adjusted=Count("adjusted_score")
    )
    questions = Question.objects.filter(test=test).aggregate(
        last=Max("id"), retired=Count("retired_at"), order=Sum(F("position") * F("id"))
    )
    return ":".join(str(v) for v in [*attempts.values(), *questions.values(), test.counting,
                                        test.pass_mark, test.pass_unit])  # fmt: skip


def survey_answered(survey: Survey) -> bool:
    """Whether anyone has answered (their answers may still wait for their anonymous batch)."""
    return SurveyDone.objects.filter(survey=survey).exists()


def course_tests(course: Course) -> QuerySet[Test]:
    return Test.objects.filter(course=course)


def attempts_count(test: Test) -> int:
    return Attempt.objects.filter(test=test).count()


def attempts_overdue(test: Test) -> int:
    """Attempts left open past their time (the minute's job submits them)."""
    return Attempt.objects.filter(test=test).overdue().count()


def test_results(test: Test) -> TestResults:
    """Distribution, pass rate, per-session figures and Moodle-style item analysis over the
    counted attempts (item analysis: over first attempts, as Moodle's default). Like Moodle's
    quiz statistics, the figures are kept in the cache and computed again as soon as anything
    they depend on changes (a submission, an adjustment, a question edited or moved)."""
    key = f"assessments:results:{test.pk}:{_results_signature(test)}"
    results = cache.get(key)
    if results is None:
        results = _test_results(test)
        cache.set(key, results, timeout=24 * 3600)
    results.test = test
    return results


def _test_results(test: Test) -> TestResults:
    """Three queries for the distribution (one grouped by session and score band), two for
    the item analysis, one for the questions (and their choices)."""
    counted = counted_attempts(test).filter(max_score__gt=0)
    rows = list(
        counted.annotate(band=Least(Cast(Floor(_percent() / 10), IntegerField()), Value(9)))
        .values("enrollment__session_id", "enrollment__session__number", "band")
        .annotate(n=Count("id"), total=Sum(_percent()), passed=Count("id", filter=Q(passed=True)))
        .order_by("enrollment__session_id")
    )
    bins: dict[int, int] = {}
    by_session: dict[int, dict] = {}
    for row in rows:
        bins[row["band"]] = bins.get(row["band"], 0) + row["n"]
        session = by_session.setdefault(
            row["enrollment__session_id"],
            {"enrollment__session_id": row["enrollment__session_id"],
             "enrollment__session__number": row["enrollment__session__number"],
             "n": 0, "total": 0.0, "passed": 0},
        )  # fmt: skip
        session["n"] += row["n"]
        session["total"] += row["total"] or 0.0
        session["passed"] += row["passed"]
    sessions = list(by_session.values())
    for session in sessions:
        session["mean"] = session["total"] / session["n"] if session["n"] else None
    n = sum(session["n"] for session in sessions)
    labels = [f"{b * 10}–{b * 10 + 9}" if b < 9 else "90–100" for b in range(10)]
    attempts_total = Attempt.objects.filter(test=test, state=Attempt.State.SUBMITTED).count()
    return TestResults(
        test=test,
        attempts=attempts_total,
        trainees=n,
        mean=_dec(sum(s["total"] for s in sessions) / n) if n else None,
        passed=sum(session["passed"] for session in sessions),
        bins=[(labels[b], bins.get(b, 0)) for b in range(10)],
        sessions=sessions,
        items=item_analysis(test),
    )


def _dec(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(Decimal("0.1"))


def item_analysis(test: Test) -> list[ItemStats]:
    """Per question of the first attempts: facility index (mean fraction of the points), its
    standard deviation, and the discrimination index (Pearson correlation between the item's
    fraction and the rest of the test's score) — from five sums per question computed in SQL
    over the answers (p: the item's points, t: the attempt's total), no Python loop over
    attempts; and how often each choice was ticked. Flags: facility under 10 % or over 95 %,
    negative discrimination."""
    first = Q(attempt__test=test, attempt__state=Attempt.State.SUBMITTED, attempt__number=1)
    p = Cast("points", FloatField())
    t = Cast(Coalesce("attempt__adjusted_score", "attempt__score"), FloatField())
    sums = {
        row["question_id"]: row
        for row in Answer.objects.filter(first)
        .annotate(p=p, t=t)
        .values("question_id")
        .annotate(
            n=Count("id"),
            sp=Sum("p"),
            spp=Sum(F("p") * F("p")),
            st=Sum("t"),
            stt=Sum(F("t") * F("t")),
            spt=Sum(F("p") * F("t")),
        )
    }
    ticked = {
        row["choice_id"]: row["n"]
        for row in Answer.choices.through.objects.filter(
            answer__attempt__test=test,
            answer__attempt__state=Attempt.State.SUBMITTED,
            answer__attempt__number=1,
        )
        .values("choice_id")
        .annotate(n=Count("id"))
    }

    questions = list(
        Question.objects.filter(Q(retired_at__isnull=True) | Q(pk__in=list(sums)), test=test)
        .prefetch_related("choices")
        .order_by("position", "id")
    )
    items = []
    for question in questions:
        row = sums.get(question.pk)
        n = row["n"] if row is not None else 0
        facility = sd = disc = None
        if row is not None and n:
            # x = p / q (the item's fraction), y = t − p (the rest of the test).
            q = float(question.points)
            sx, sxx = row["sp"] / q, row["spp"] / q**2
            sy = row["st"] - row["sp"]
            syy = row["stt"] - 2 * row["spt"] + row["spp"]
            sxy = (row["spt"] - row["spp"]) / q
            mean_x = sx / n
            var_x = max(0.0, sxx / n - mean_x**2)
            facility = mean_x * 100
            sd = math.sqrt(var_x * n / (n - 1)) * 100 if n > 1 else 0.0
            var_y = max(0.0, syy / n - (sy / n) ** 2)
            cov = sxy / n - mean_x * sy / n
            if var_x > 1e-12 and var_y > 1e-12:
                disc = cov / math.sqrt(var_x * var_y) * 100
        flags = []
        if facility is not None and n >= 5:
            if facility < 10:
                flags.append("too_hard")
            elif facility > 95:
                flags.append("too_easy")
            if disc is not None and disc < 0:
                flags.append("negative")
        items.append(
            ItemStats(
                question=question,
                n=n,
                facility=facility,
                sd=sd,
                discrimination=disc,
                choices=[(c, ticked.get(c.pk, 0)) for c in question.choices.all()],
                flags=flags,
            )
        )
    return items


def test_trainee_rows(test: Test) -> QuerySet[Enrollment]:
    """The course's enrolments with their counted score here and, where the course has both a
    pre- and a post-test, the other one's — the gain (post − pre) per trainee."""
    others = {t.kind: t for t in Test.objects.filter(course_id=test.course_id)}

    def score_of(t: Test) -> Subquery:
        return Subquery(
            counted_attempts(t)
            .filter(enrollment=OuterRef("pk"))
            .annotate(p=_percent())
            .values("p")[:1],
            output_field=FloatField(),
        )

    rows = Enrollment.objects.filter(course_id=test.course_id, status=Status.CONFIRMED)
    annotations = {
        "attempt_id": Subquery(
            counted_attempts(test).filter(enrollment=OuterRef("pk")).values("id")[:1]
        ),
        "attempt_count": Subquery(
            Attempt.objects.filter(test=test, enrollment=OuterRef("pk"))
            .values("enrollment")
            .annotate(c=Count("id"))
            .values("c")[:1],
            output_field=IntegerField(),
        ),
    }
    for kind, other in others.items():
        annotations[f"{kind}_percent"] = score_of(other)
    rows = rows.annotate(**annotations)
    if len(others) == 2:
        rows = rows.annotate(gain=F("post_percent") - F("pre_percent"))
    return rows.select_related("trainee__organisation", "session").order_by(
        "trainee__organisation__code", "trainee__name_kana", "pk"
    )


def gain_summary(test: Test) -> dict[str, Decimal | int | None]:
    """The course's mean pre- and post-test percentages and mean gain, over the trainees who
    took both (two queries); empty when the course lacks one of the two tests."""
    if Test.objects.filter(course_id=test.course_id).count() != 2:
        return {}
    figures = (
        test_trainee_rows(test)
        .filter(pre_percent__isnull=False, post_percent__isnull=False)  # type: ignore[misc]
        .order_by()
        .aggregate(n=Count("pk"), pre=Avg("pre_percent"), post=Avg("post_percent"))
    )
    if not figures["n"]:
        return {}
    return {
        "n": figures["n"],
        "pre": _dec(figures["pre"]),
        "post": _dec(figures["post"]),
        "gain": _dec(figures["post"] - figures["pre"]),
    }


def attempt_for_hr(pk: int) -> Attempt:
    return Attempt.objects.select_related(
        "test__course", "enrollment__trainee__organisation", "enrollment__session"
    ).get(pk=pk)


# --- HR: survey results ----------------------------------------------------------------------


@dataclass
class QuestionTally:
    question: SurveyQuestion
    answered: int
    counts: list[tuple[str, int, float]]  # (label, count, % of those who answered)
    mean: Decimal | None  # scales: 5 = best … 1 = worst
    texts: list[str]


def survey_results(survey: Survey, session_id: int | None = None) -> dict:
    """Counts and percentages per question (mean for scales: 大変満足 = 5 … 不満 = 1), the
    free-text answers, respondents per organisation (only where at least BREAKDOWN_MINIMUM
    answered) and how many of the course's confirmed trainees have answered. Fixed queries."""
    responses = SurveyResponse.objects.filter(survey=survey)
    if session_id:
        responses = responses.filter(session_id=session_id)
    answers = SurveyAnswer.objects.filter(response__in=responses)
    questions = list(survey.questions.order_by("position", "id"))
    single = {
        (row["question_id"], row["choice"]): row["n"]
        for row in answers.filter(choice__isnull=False)
        .values("question_id", "choice")
        .annotate(n=Count("id"))
    }
    answered = dict(
        answers.values("question_id").annotate(n=Count("id")).values_list("question_id", "n")
    )
    multiple: dict[tuple[int, int], int] = {}
    multiple_ids = [q.pk for q in questions if q.kind == SurveyQuestionKind.MULTIPLE]
    for qid, picked in answers.filter(question_id__in=multiple_ids).values_list(
        "question_id", "choices"
    ):
        for index in picked:  # a multiple-choice list per answer: JSON, not joinable portably
            multiple[(qid, index)] = multiple.get((qid, index), 0) + 1
    texts: dict[int, list[str]] = {}
    for qid, text in (
        answers.filter(question__kind=SurveyQuestionKind.TEXT).exclude(text="")
        .order_by("question_id", "id").values_list("question_id", "text")
    ):  # fmt: skip
        texts.setdefault(qid, []).append(text)
    means = dict(
        answers.filter(question__kind__in=list(SCALES))
        .values("question_id")
        .annotate(m=Avg(5 - F("choice"), output_field=FloatField()))
        .values_list("question_id", "m")
    )
    tallies = []
    for q in questions:
        n = answered.get(q.pk, 0)
        source = multiple if q.kind == SurveyQuestionKind.MULTIPLE else single
        counts = [
            (label, source.get((q.pk, i), 0), (source.get((q.pk, i), 0) * 100 / n) if n else 0.0)
            for i, label in enumerate(q.options)
        ]
        tallies.append(
            QuestionTally(
                question=q,
                answered=n,
                counts=counts if q.kind != SurveyQuestionKind.TEXT else [],
                mean=_dec(means.get(q.pk)),
                texts=texts.get(q.pk, []),
            )
        )
    first_scale = next((q for q in questions if q.is_scale), None)
    by_org = list(
        responses.values("organisation_id", "organisation__name")
        .annotate(
            n=Count("id", distinct=True),
            mean=Avg(
                5 - F("answers__choice"),
                filter=Q(answers__question=first_scale),
                output_field=FloatField(),
            ),
        )
        .order_by("organisation__code")
    )
    shown = [row for row in by_org if row["n"] >= BREAKDOWN_MINIMUM]
    confirmed = Enrollment.objects.filter(course__survey=survey, status=Status.CONFIRMED)
    if session_id:
        confirmed = confirmed.filter(session_id=session_id)
    return {
        "respondents": responses.count(),
        "expected": confirmed.count(),
        "done": SurveyDone.objects.filter(survey=survey, enrollment__in=confirmed).count(),
        # answered but not yet released as responses (anonymous batches; whole survey only)
        "held": SurveyHeld.objects.filter(survey=survey).count(),
        "tallies": tallies,
        "organisations": shown,
        "organisations_hidden": len(by_org) - len(shown),
        "organisation_question": first_scale,
    }


SCALES = (SurveyQuestionKind.SATISFACTION, SurveyQuestionKind.AGREEMENT)


def satisfaction_by_year(survey: Survey) -> list[dict]:
    """The mean of the survey's first scale question across the fiscal years of the course
    (courses of the same code), one query."""
    course = survey.course
    if course is None:
        return []
    first = survey.questions.filter(kind__in=list(SCALES)).order_by("position", "id").first()
    if first is None:
        return []
    return list(
        SurveyAnswer.objects.filter(
            response__survey__course__code=course.code,
            question__kind=first.kind,
            question__position=first.position,
        )
        .values("response__survey__course__fiscal_year")
        .annotate(
            n=Count("id"),
            mean=Avg(5 - F("choice"), output_field=FloatField()),
        )
        .order_by("response__survey__course__fiscal_year")
    )


def survey_respondents(survey: Survey) -> QuerySet[SurveyResponse, int]:
    """The registry ids of a named survey's respondents (閲覧記録 of its export)."""
    return SurveyResponse.objects.filter(survey=survey, enrollment__isnull=False).values_list(
        "enrollment__trainee_id", flat=True
    )


def survey_rows(survey: Survey) -> tuple[list[str], list[list[str]]]:
    """The responses as a table for export (one row per response, in random order: the ids
    are random), labels instead of indexes. Anonymous: no day, and the organisation only where
    at least BREAKDOWN_MINIMUM answered (as on the page). Named: the trainee too."""
    questions = list(survey.questions.order_by("position", "id"))
    people = ["職員番号", "氏名"] if not survey.anonymous else []
    header = [*people, "回答日", "日程", "所属"] + [q.text for q in questions]
    counts: dict[int | None, int] = {
        row["organisation_id"]: row["n"]
        for row in SurveyResponse.objects.filter(survey=survey)
        .values("organisation_id")
        .annotate(n=Count("id"))
    }
    by_response: dict = {}
    for response_id, qid, choice, choices, text in SurveyAnswer.objects.filter(
        response__survey=survey
    ).values_list("response_id", "question_id", "choice", "choices", "text"):
        by_response.setdefault(response_id, {})[qid] = (choice, choices, text)
    rows = []
    for response in (
        SurveyResponse.objects.filter(survey=survey)
        .select_related("session", "organisation", "enrollment__trainee")
        .order_by("id")
    ):
        values = by_response.get(response.pk, {})
        organisation = response.organisation.name if response.organisation else ""
        if survey.anonymous and counts.get(response.organisation_id, 0) < BREAKDOWN_MINIMUM:
            organisation = f"（回答{BREAKDOWN_MINIMUM}人未満のため非表示）"
        person = (
            [response.enrollment.trainee.staff_number, response.enrollment.trainee.name]
            if not survey.anonymous and response.enrollment
            else ([""] * len(people))
        )
        row = [
            *person,
            response.answered_on.isoformat() if response.answered_on else "",
            f"第{response.session.number}回",
            organisation,
        ]
        for q in questions:
            choice, choices, text = values.get(q.pk, (None, [], ""))
            options = q.options
            if q.kind == SurveyQuestionKind.TEXT:
                row.append(text)
            elif q.kind == SurveyQuestionKind.MULTIPLE:
                row.append("、".join(options[i] for i in choices if i < len(options)))
            else:
                row.append(options[choice] if choice is not None and choice < len(options) else "")
        rows.append(row)
    return header, rows


# --- Reports ---------------------------------------------------------------------------------


def reports_for_course(
    course_id: int, *, organisation_id: int | None = None, state: str = ""
) -> QuerySet[CompletionReport]:
    """Every report of the course's forms with its review state, or — for enrolments without
    one — nothing (HR sees the missing ones on the session page's completion column)."""
    reports = CompletionReport.objects.filter(form__course_id=course_id).select_related(
        "form", "enrollment__trainee__organisation", "enrollment__session", "reviewed_by"
    )
    if organisation_id:
        reports = reports.filter(trainee__organisation_id=organisation_id)
    if state:
        reports = reports.filter(state=state)
    return reports.order_by("form__purpose", "trainee__organisation__code", "pk")


def review_rows() -> QuerySet[CompletionReport]:
    """Reports with what a list of reports to review shows of each: read by their keys, the
    rows of a page of ``reports_to_review`` (``page_of(…, rows_from=…)``)."""
    return CompletionReport.objects.select_related(
        "form__course", "enrollment__trainee__organisation", "enrollment__session"
    )


def reports_to_review(trainee_ids: QuerySet) -> QuerySet[CompletionReport]:
    """Reports of these trainees on forms with the coordinators' review, waiting first (a
    form routed to the 所属長 is theirs: supervisor_reports)."""
    return (
        review_rows()
        .filter(
            trainee_id__in=trainee_ids,  # the report's own trainee: no join through the places
            form__requires_review=True,
            form__reviewer=Reviewer.COORDINATOR,
        )
        .exclude(state=CompletionReport.State.DRAFT)
        .annotate(
            waiting=Case(
                When(state=CompletionReport.State.SUBMITTED, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("waiting", "-submitted_at")
    )


def report_reviewers(form: ReportForm, trainee: Trainee) -> set[int]:
    """The accounts that review this trainee's report on this form: the coordinators who act
    for them, or — where the course routes it so — their 所属長 and deputy; never the
    author. Empty: nobody can, and HR reviews it."""
    if form.reviewer == Reviewer.SUPERVISOR:
        people = supervisors_for([trainee], timezone.localdate())[trainee.pk]
        return {p.user_id for p in people if p.user_id}
    return coordinators_of(trainee)


def report_may_review(*, user: User, trainee: Trainee, form: ReportForm) -> bool:
    """Who may review a trainee's report: its reviewers (report_reviewers), or HR — never the
    author. HR reviews every report, and is the review of last resort where nobody else can."""
    if trainee.user_id is not None and trainee.user_id == user.pk:
        return False
    return user.has_perm("trainees.use_hr_console") or user.pk in report_reviewers(form, trainee)


def supervisor_reports(user: User) -> list[CompletionReport]:
    """Submitted reports on forms routed to the 所属長 that this person reviews now, oldest
    first. Three queries whatever the number."""
    waiting = list(
        CompletionReport.objects.filter(
            state=CompletionReport.State.SUBMITTED, form__requires_review=True,
            form__reviewer=Reviewer.SUPERVISOR,
        )
        .select_related("form__course", "enrollment__trainee__organisation", "enrollment__session")
        .order_by("submitted_at", "pk")
    )  # fmt: skip
    people = supervisors_for([r.enrollment.trainee for r in waiting], timezone.localdate())
    return [
        r for r in waiting
        if r.enrollment.trainee.user_id != user.pk
        and any(p.user_id == user.pk for p in people[r.enrollment.trainee_id])
    ]  # fmt: skip


class _Author(NamedTuple):
    """Who wrote a report, as far as deciding its reviewer needs (trainees.selectors.
    supervisors_for reads these two)."""

    pk: int
    organisation_id: int


def reports_without_reviewer(course_id: int | None = None) -> list[tuple[int, int]]:
    """(report id, course id) of the submitted reports waiting for a department review that
    nobody can give (the organisation has no coordinator — or no 所属長, for forms routed to
    them — or only the author): HR reviews them. Oldest first, read as values (no model
    instances); three queries, and two more where a waiting report's form goes to the 所属長.

    A coordinator's review depends only on the author's organisation and on whether the author
    is its only coordinator, so the coordinators of every organisation are read first (a few
    hundred) and only the reports that could lack one are read: those of organisations nobody
    coordinates and those whose author coordinates alone. Reading every waiting report instead
    — a city has thousands — cost HR's home 40 ms at 100,000 staff. The rule itself is
    ``nobody`` below, applied to those rows as before."""
    reviewers = coordinators_by_organisation(None)
    uncovered = {pk for pk, people in reviewers.items() if not people}
    alone = {next(iter(people)) for people in reviewers.values() if len(people) == 1}
    waiting_reports = CompletionReport.objects.filter(
        # Each set of people asked apart: as one OR, PostgreSQL read their rows from the table
        # (3,000 pages at 100,000 staff, 3 ms); apart, each comes from its index alone.
        Q(form__reviewer=Reviewer.SUPERVISOR)
        | Q(trainee__in=Trainee.objects.filter(organisation_id__in=uncovered).values("pk"))
        | Q(trainee__in=Trainee.objects.filter(user_id__in=alone).values("pk")),
        state=CompletionReport.State.SUBMITTED,
        form__requires_review=True,
    )
    if course_id is not None:
        waiting_reports = waiting_reports.filter(form__course_id=course_id)
    waiting = list(
        waiting_reports.order_by("submitted_at", "pk").values_list(
            # The report's own trainee: no join through every place.
            "pk", "form__course_id", "form__reviewer", "trainee_id", "trainee__organisation_id",
            "trainee__user_id",
        )
    )  # fmt: skip
    supervisors = supervisors_for(
        [_Author(trainee, organisation) for _r, _c, reviewer, trainee, organisation, _u in waiting
         if reviewer == Reviewer.SUPERVISOR],
        timezone.localdate(),
    )  # fmt: skip

    def nobody(reviewer: str, trainee: int, organisation: int, user: int | None) -> bool:
        if reviewer == Reviewer.SUPERVISOR:
            return not supervisors[trainee]  # never the author: supervisors_for skips them
        return not reviewers.get(organisation, set()) - {user}

    return [
        (report, course)
        for report, course, reviewer, trainee, organisation, user in waiting
        if nobody(reviewer, trainee, organisation, user)
    ]
