"""Test pages: HR's authoring, preview and results; the trainee's tasks page, taking a test
(answers saved as given, the remaining time from the server) and the result."""

from __future__ import annotations

from collections.abc import Iterator

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessments import selectors, services
from assessments.access import hr_test_or_404, own_attempt_or_404, record_refusal
from assessments.audit_kinds import AssessmentsEventKind
from assessments.forms import AdjustForm, BankImportForm, QuestionForm, TestForm, posted_answers
from assessments.models import Attempt, Question, Test
from assessments.resources import bank_import, bank_table
from assessments.services.tests import current_questions, points_total
from audit.exports import export_response
from audit.services import subject_views_record
from courses.models import Course
from enrollments.access import own_enrollment_or_404
from lib.access import access
from lib.exports import requested_format
from lib.messages import refusal_text, refused
from lib.pages import page_of
from trainees.http import AuthenticatedHttpRequest
from trainees.roles import HR_CONSOLE, TRAINEE_PAGES

HR = HR_CONSOLE
TRAINEE = TRAINEE_PAGES


def _refused(request: AuthenticatedHttpRequest, exc: ValidationError) -> None:
    record_refusal(request, exc)
    refused(request, exc)


# --- HR: authoring ---------------------------------------------------------------------------


@access(HR)
@require_POST
def course_copy(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Next fiscal year's course, with its sessions moved a year on, its materials, tests,
    survey and report forms."""
    course = get_object_or_404(Course, pk=pk)
    try:
        copy = services.course_copy_to_next_year(course=course, actor=request.user)
    except ValidationError as exc:
        refused(request, exc)
        return redirect("course_detail", pk=course.pk)
    messages.success(
        request, _("Copied to fiscal year %(year)s. Check the dates.") % {"year": copy.fiscal_year}
    )
    return redirect("course_detail", pk=copy.pk)


@access(HR)
@require_http_methods(["GET", "POST"])
def test_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    course = get_object_or_404(Course, pk=pk)
    kind = request.GET.get("kind", Test.Kind.POST)
    test = Test(course=course, kind=kind if kind in Test.Kind.values else Test.Kind.POST)
    test.title = f"{course.title} {test.get_kind_display()}"
    form = TestForm(request.POST or None, instance=test)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.test_save(
                test=form.instance,
                actor=request.user,
                copy_questions=bool(request.POST.get("copy_questions")),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The test has been created. Add its questions."))
            return redirect("test_edit", pk=saved.pk)
    return render(
        request,
        "assessments/test_form.html",
        {"form": form, "course": course, "other": selectors.course_tests(course).first()},
    )


@access(HR)
@require_http_methods(["GET", "POST"])
def test_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    test = hr_test_or_404(pk)
    form = TestForm(request.POST or None, instance=test)
    if request.method == "POST" and form.is_valid():
        try:
            services.test_save(test=form.instance, actor=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The test's settings have been saved."))
            return redirect("test_edit", pk=test.pk)
    return render(
        request,
        "assessments/test_edit.html",
        {
            "test": test,
            "form": form,
            "questions": current_questions(test),
            "total": points_total(test),
            "attempts": selectors.attempts_count(test),
        },
    )


def _question_form_page(
    request: AuthenticatedHttpRequest, test: Test, question: Question | None
) -> HttpResponse:
    if request.method == "POST":
        form = QuestionForm(request.POST)
        if form.is_valid():
            try:
                saved = services.question_save(
                    test=test,
                    question=question,
                    fields=form.question_fields(),
                    choices=form.question_choices(),
                    actor=request.user,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                if question is not None and saved.pk != question.pk:
                    messages.success(
                        request,
                        _(
                            "Saved as a new version: attempts already given the question keep "
                            "the version they answered, and their scores do not change."
                        ),
                    )
                else:
                    messages.success(request, _("The question has been saved."))
                return redirect("test_edit", pk=test.pk)
    else:
        form = QuestionForm.for_question(question) if question else QuestionForm()
    return render(
        request,
        "assessments/question_form.html",
        {"form": form, "test": test, "question": question},
    )


@access(HR)
@require_http_methods(["GET", "POST"])
def question_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _question_form_page(request, hr_test_or_404(pk), None)


def _current_question(test: Test, question_pk: int) -> Question:
    return get_object_or_404(
        Question.objects.prefetch_related("choices"),
        pk=question_pk,
        test=test,
        retired_at__isnull=True,
    )


@access(HR)
@require_http_methods(["GET", "POST"])
def question_edit(request: AuthenticatedHttpRequest, pk: int, question_pk: int) -> HttpResponse:
    test = hr_test_or_404(pk)
    return _question_form_page(request, test, _current_question(test, question_pk))


@access(HR)
@require_POST
def question_delete(request: AuthenticatedHttpRequest, pk: int, question_pk: int) -> HttpResponse:
    test = hr_test_or_404(pk)
    services.question_remove(question=_current_question(test, question_pk), actor=request.user)
    messages.success(request, _("The question has been removed."))
    return redirect("test_edit", pk=test.pk)


@access(HR)
@require_POST
def question_move(request: AuthenticatedHttpRequest, pk: int, question_pk: int) -> HttpResponse:
    test = hr_test_or_404(pk)
    services.question_move(
        question=_current_question(test, question_pk),
        up=request.POST.get("direction") == "up",
        actor=request.user,
    )
    return redirect("test_edit", pk=test.pk)


@access(HR)
@require_GET
def test_preview(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The test exactly as a trainee sees it (nothing is saved)."""
    test = hr_test_or_404(pk)
    items = [(q, list(q.choices.all()), None) for q in current_questions(test)]
    return render(
        request,
        "assessments/attempt_take.html",
        {"test": test, "items": items, "preview": True, "total": len(items)},
    )


# --- HR: results -----------------------------------------------------------------------------


@access(HR)
@require_http_methods(["GET", "POST"])
def test_results(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The figures over submitted attempts. Attempts left open past their time are listed (the
    minute's job submits them); POST submits them now, with what was saved."""
    test = hr_test_or_404(pk)
    if request.method == "POST":
        closed = services.attempts_close_expired(test=test)
        messages.success(
            request,
            ngettext(
                "%(count)s attempt past its time was submitted with its saved answers.",
                "%(count)s attempts past their time were submitted with their saved answers.",
                closed,
            )
            % {"count": closed},
        )
        return redirect("test_results", pk=test.pk)
    results = selectors.test_results(test)
    # The page's 50 chosen on their keys (a course of thousands: the 40th page 62 → 24 ms).
    page = page_of(selectors.test_trainee_rows(test), request.GET.get("page"), 50)
    return render(
        request,
        "assessments/test_results.html",
        {
            "test": test,
            "results": results,
            "gain": selectors.gain_summary(test),
            "overdue": selectors.attempts_overdue(test),
            "page": page,
            "max_bin": max([n for _label, n in results.bins] + [1]),
        },
    )


@access(HR)
@require_GET
def test_results_export(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    test = hr_test_or_404(pk)
    header = [
        "職員番号",
        "氏名",
        "所属",
        "日程",
        "受験回数",
        "事前テスト(%)",
        "事後テスト(%)",
        "伸び",
    ]

    def rows() -> Iterator[list[object]]:
        for e in selectors.test_trainee_rows(test).iterator(chunk_size=2000):
            pre, post = getattr(e, "pre_percent", None), getattr(e, "post_percent", None)
            gain = round(post - pre, 1) if pre is not None and post is not None else ""
            yield [
                e.trainee.staff_number, e.trainee.name, e.trainee.organisation.name,
                f"第{e.session.number}回", getattr(e, "attempt_count", 0) or 0,
                "" if pre is None else round(pre, 1), "" if post is None else round(post, 1), gain,
            ]  # fmt: skip

    return export_response(
        request,
        name=f"test-{test.pk}-results",
        sheet=_("Test results"),
        header=header,
        rows=rows(),
        file_format=requested_format(request),
        kind=AssessmentsEventKind.ASSESSMENT_EXPORTED,
        detail={"test": test.pk},
        subjects=selectors.test_trainee_rows(test).values_list("trainee_id", flat=True),
    )


@access(HR)
@require_http_methods(["GET", "POST"])
def attempt_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One attempt: its answers, score, time taken, whether the server submitted it; HR may
    adjust the score with a reason."""
    try:
        attempt = selectors.attempt_for_hr(pk)
    except Attempt.DoesNotExist:
        raise Http404 from None
    form = AdjustForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.attempt_adjust(
                attempt=attempt,
                score=form.cleaned_data["score"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The score has been adjusted."))
            return redirect("attempt_detail", pk=attempt.pk)
    subject_views_record(request=request, subjects=[attempt.enrollment.trainee], what="answers")
    return render(
        request,
        "assessments/attempt_detail.html",
        {"attempt": attempt, "items": selectors.attempt_questions(attempt), "form": form},
    )


# --- Trainees --------------------------------------------------------------------------------


@access(TRAINEE)
@require_GET
def enrollment_tasks(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The course's tests, survey and report forms for this enrolment, with what is done."""
    enrollment = own_enrollment_or_404(request, pk)
    return render(
        request,
        "assessments/enrollment_tasks.html",
        {"enrollment": enrollment, "tasks": selectors.enrollment_assessments(enrollment)},
    )


@access(TRAINEE)
@require_POST
def test_start(request: AuthenticatedHttpRequest, pk: int, test_pk: int) -> HttpResponse:
    enrollment = own_enrollment_or_404(request, pk)
    test = get_object_or_404(Test, pk=test_pk, course_id=enrollment.course_id)
    try:
        attempt = services.attempt_start(test=test, enrollment=enrollment, actor=request.user)
    except ValidationError as exc:
        _refused(request, exc)
        return redirect("enrollment_tasks", pk=enrollment.pk)
    return redirect("attempt_take", pk=attempt.pk)


@access(TRAINEE)
@require_http_methods(["GET", "POST"])
def attempt_take(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    attempt = own_attempt_or_404(request, pk)
    test = attempt.test
    if attempt.state != Attempt.State.IN_PROGRESS:
        return redirect("attempt_result", pk=attempt.pk)
    if attempt.overdue():
        # Time is up: nothing is written on GET — the page offers to hand in what was saved
        # (the minute's job does it too).
        if request.method == "POST":
            services.attempt_close_overdue(attempt=attempt)
            messages.info(request, _("The time is up: your saved answers have been submitted."))
            return redirect("attempt_result", pk=attempt.pk)
        return render(
            request, "assessments/attempt_time_up.html", {"test": test, "attempt": attempt}
        )
    total = len(attempt.question_ids)
    number = 1
    if test.one_per_page:
        try:
            number = min(max(1, int(request.GET.get("q", request.POST.get("q", 1)))), total)
        except ValueError:
            number = 1
    if request.method == "POST":
        # The questions only (the service reads the saved answers under the attempt's lock).
        questions = selectors.attempt_question_map(attempt)
        ordered = [questions[qid] for qid in attempt.question_ids]
        answers = posted_answers(
            request.POST, ordered[number - 1 : number] if test.one_per_page else ordered
        )
        action = request.POST.get("action", "save")
        try:
            if action == "submit":
                attempt = services.attempt_submit(
                    attempt=attempt, answers=answers, actor=request.user, questions=questions
                )
                return redirect("attempt_result", pk=attempt.pk)
            services.answers_save(
                attempt=attempt, answers=answers, actor=request.user, questions=questions
            )
        except ValidationError as exc:
            _refused(request, exc)
            attempt.refresh_from_db()
            if attempt.state != Attempt.State.IN_PROGRESS:
                return redirect("attempt_result", pk=attempt.pk)
            return redirect(f"{request.path}?q={number}")
        if action == "next" and number < total:
            number += 1
        elif action == "previous" and number > 1:
            number -= 1
        else:
            messages.success(request, _("Your answers have been saved."))
        return redirect(f"{request.path}?q={number}" if test.one_per_page else request.path)
    items = selectors.attempt_questions(attempt)
    shown = items[number - 1 : number] if test.one_per_page else items
    remaining = None
    if attempt.deadline:
        remaining = max(0, int((attempt.deadline - timezone.now()).total_seconds()))
    answered = sum(
        1 for _q, _c, answer in items if answer and (answer.text or answer.choices.all())
    )
    return render(
        request,
        "assessments/attempt_take.html",
        {
            "test": test,
            "attempt": attempt,
            "items": shown,
            "number": number,
            "total": total,
            "answered": answered,
            "remaining": remaining,
        },
    )


@access(TRAINEE)
@require_POST
def answer_save(request: AuthenticatedHttpRequest, pk: int) -> JsonResponse:
    """The page's autosave: one question's answer, as JSON back."""
    attempt = own_attempt_or_404(request, pk)
    try:
        question_id = int(request.POST.get("question", ""))
    except ValueError:
        return JsonResponse({"error": _("That question is not in this test.")}, status=400)
    try:
        answer = services.answer_save(
            attempt=attempt,
            question_id=question_id,
            selected=request.POST.getlist("choice"),
            text=request.POST.get("text", ""),
            actor=request.user,
        )
    except services.Refused as exc:
        record_refusal(request, exc)
        return JsonResponse({"error": refusal_text(exc)}, status=400)
    except ValidationError as exc:
        return JsonResponse({"error": refusal_text(exc)}, status=409)
    return JsonResponse(
        {"saved": True, "saved_at": timezone.localtime(answer.saved_at).strftime("%H:%M:%S")}
    )


@access(TRAINEE)
@require_GET
def attempt_result(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    attempt = own_attempt_or_404(request, pk)
    if attempt.state == Attempt.State.IN_PROGRESS:
        return redirect("attempt_take", pk=attempt.pk)
    test = attempt.test
    return render(
        request,
        "assessments/attempt_result.html",
        {
            "attempt": attempt,
            "test": test,
            "items": selectors.attempt_questions(attempt),
            "show_score": test.revealed(test.show_score),
            "show_answers": test.revealed(test.show_answers),
        },
    )


# --- HR: the question bank -------------------------------------------------------------------


@access(HR)
@require_GET
def question_bank_export(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    test = hr_test_or_404(pk)
    header, rows = bank_table(test)
    return export_response(
        request,
        name=f"test-{test.pk}-questions",
        sheet=_("Questions"),
        header=header,
        rows=rows,
        file_format=requested_format(request),
        kind=AssessmentsEventKind.ASSESSMENT_EXPORTED,
        detail={"test": test.pk, "bank": True},
    )


@access(HR)
@require_http_methods(["GET", "POST"])
def question_bank_import(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Add questions from a CSV (UTF-8 or CP932) or XLSX file, all or none."""
    test = hr_test_or_404(pk)
    form = BankImportForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            count = bank_import(test=test, data=upload.read(), name=upload.name, actor=request.user)
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(
                request,
                ngettext("%(n)s question added.", "%(n)s questions added.", count) % {"n": count},
            )
            return redirect("test_edit", pk=test.pk)
    return render(
        request,
        "assessments/bank_import.html",
        {"test": test, "form": form, "errors": errors},
        status=400 if errors else 200,
    )
