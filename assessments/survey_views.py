"""Survey pages: HR's templates, authoring, preview, results (charts with tables), export and
reminders; the trainee's answer page."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessments import selectors, services
from assessments.access import record_refusal, survey_or_404
from assessments.audit_kinds import AssessmentsEventKind
from assessments.forms import SurveyCreateForm, SurveyForm, SurveyQuestionForm
from assessments.models import Survey, SurveyDone, SurveyQuestion, SurveyQuestionKind
from audit.exports import export_response
from courses.models import Course, Session
from enrollments.access import own_enrollment_or_404
from lib.access import access
from lib.exports import requested_format
from lib.messages import refused
from trainees.http import AuthenticatedHttpRequest
from trainees.roles import HR_CONSOLE, TRAINEE_PAGES

HR = HR_CONSOLE


def _back(survey: Survey) -> HttpResponse:
    return redirect("survey_edit", pk=survey.pk)


@access(HR)
@require_http_methods(["GET", "POST"])
def survey_templates(request: AuthenticatedHttpRequest) -> HttpResponse:
    """HR's survey templates (the standard 研修アンケート), copied into courses."""
    form = SurveyForm(request.POST or None, instance=Survey(title="研修アンケート"))
    if request.method == "POST" and form.is_valid():
        survey = services.survey_save(survey=form.instance, actor=request.user)
        return _back(survey)
    templates = Survey.objects.filter(course__isnull=True).order_by("title")
    return render(
        request, "assessments/survey_templates.html", {"templates": templates, "form": form}
    )


@access(HR)
@require_http_methods(["GET", "POST"])
def survey_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    course = get_object_or_404(Course, pk=pk)
    existing = Survey.objects.filter(course=course).first()
    if existing is not None:
        return _back(existing)
    form = SurveyCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        template = form.cleaned_data["template"]
        try:
            if template is not None:
                survey = services.survey_from_template(
                    template=template, course=course, actor=request.user
                )
            else:
                survey = services.survey_save(
                    survey=Survey(
                        course=course, title=form.cleaned_data["title"] or "研修アンケート"
                    ),
                    actor=request.user,
                )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The survey has been created."))
            return _back(survey)
    return render(request, "assessments/survey_create.html", {"form": form, "course": course})


@access(HR)
@require_http_methods(["GET", "POST"])
def survey_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    survey = survey_or_404(pk)
    form = SurveyForm(request.POST or None, instance=survey)
    answered = selectors.survey_answered(survey)
    if request.method == "POST" and form.is_valid():
        try:
            services.survey_save(survey=form.instance, actor=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The survey has been saved."))
            return _back(survey)
    return render(
        request,
        "assessments/survey_edit.html",
        {
            "survey": survey,
            "form": form,
            "questions": list(survey.questions.order_by("position", "id")),
            "answered": answered,
        },
    )


def _question_page(
    request: AuthenticatedHttpRequest, survey: Survey, question: SurveyQuestion | None
) -> HttpResponse:
    form = SurveyQuestionForm(request.POST or None, instance=question)
    if request.method == "POST" and form.is_valid():
        try:
            services.survey_question_save(
                survey=survey, question=question, fields=form.question_fields(), actor=request.user
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The question has been saved."))
            return _back(survey)
    return render(
        request,
        "assessments/survey_question_form.html",
        {"form": form, "survey": survey, "question": question},
    )


@access(HR)
@require_http_methods(["GET", "POST"])
def survey_question_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _question_page(request, survey_or_404(pk), None)


@access(HR)
@require_http_methods(["GET", "POST"])
def survey_question_edit(
    request: AuthenticatedHttpRequest, pk: int, question_pk: int
) -> HttpResponse:
    survey = survey_or_404(pk)
    return _question_page(
        request, survey, get_object_or_404(SurveyQuestion, pk=question_pk, survey=survey)
    )


@access(HR)
@require_POST
def survey_question_delete(
    request: AuthenticatedHttpRequest, pk: int, question_pk: int
) -> HttpResponse:
    survey = survey_or_404(pk)
    question = get_object_or_404(SurveyQuestion, pk=question_pk, survey=survey)
    try:
        services.survey_question_remove(question=question, actor=request.user)
    except ValidationError as exc:
        refused(request, exc)
    else:
        messages.success(request, _("The question has been removed."))
    return _back(survey)


@access(HR)
@require_POST
def survey_question_move(
    request: AuthenticatedHttpRequest, pk: int, question_pk: int
) -> HttpResponse:
    survey = survey_or_404(pk)
    question = get_object_or_404(SurveyQuestion, pk=question_pk, survey=survey)
    services.survey_question_move(
        question=question, up=request.POST.get("direction") == "up", actor=request.user
    )
    return _back(survey)


@access(HR)
@require_GET
def survey_preview(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    survey = survey_or_404(pk)
    return render(
        request,
        "assessments/survey_answer.html",
        {
            "survey": survey,
            "questions": list(survey.questions.order_by("position", "id")),
            "preview": True,
        },
    )


@access(HR)
@require_GET
def survey_results(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    survey = survey_or_404(pk)
    sessions = list(Session.objects.filter(course__survey=survey).order_by("number"))
    try:
        session_id = int(request.GET.get("session", "")) or None
    except ValueError:
        session_id = None
    if session_id not in {s.pk for s in sessions}:
        session_id = None
    return render(
        request,
        "assessments/survey_results.html",
        {
            "survey": survey,
            "sessions": sessions,
            "session_id": session_id,
            "results": selectors.survey_results(survey, session_id),
            "years": selectors.satisfaction_by_year(survey),
            "minimum": selectors.BREAKDOWN_MINIMUM,
            "text_kind": SurveyQuestionKind.TEXT,
            "release_batch": settings.SURVEY_RELEASE_BATCH,
            "release_days": settings.SURVEY_RELEASE_AFTER_DAYS,
        },
    )


@access(HR)
@require_GET
def survey_export(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    survey = survey_or_404(pk)
    header, rows = selectors.survey_rows(survey)
    return export_response(
        request,
        name=f"survey-{survey.pk}",
        sheet=_("Survey"),
        header=header,
        rows=rows,
        file_format=requested_format(request),
        kind=AssessmentsEventKind.ASSESSMENT_EXPORTED,
        detail={"survey": survey.pk},
        # Named answers say whose they are; anonymous ones name nobody.
        subjects=None if survey.anonymous else selectors.survey_respondents(survey),
    )


@access(HR)
@require_POST
def survey_remind(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    survey = survey_or_404(pk)
    if survey.course_id is None:
        return _back(survey)
    sent = services.survey_remind(survey=survey, actor=request.user)
    messages.success(
        request,
        ngettext(
            "A reminder was sent to %(n)s person who has not answered (each at most once a day).",
            "Reminders sent to %(n)s people who have not answered (each at most once a day).",
            sent,
        )
        % {"n": sent},
    )
    return redirect("survey_results", pk=survey.pk)


@access(TRAINEE_PAGES)
@require_http_methods(["GET", "POST"])
def survey_answer(request: AuthenticatedHttpRequest, pk: int, survey_pk: int) -> HttpResponse:
    enrollment = own_enrollment_or_404(request, pk)
    survey = get_object_or_404(Survey, pk=survey_pk, course_id=enrollment.course_id)
    questions = list(survey.questions.order_by("position", "id"))
    done = SurveyDone.objects.filter(survey=survey, enrollment=enrollment).exists()
    errors: list[str] = []
    if request.method == "POST" and not done:
        answers: dict[int, object] = {}
        for key in request.POST:
            if key.startswith("q") and key[1:].isdigit() and len(key) < 14:
                values = request.POST.getlist(key)
                answers[int(key[1:])] = values if len(values) > 1 else values[0]
        for q in questions:  # a multiple-choice question with one box ticked is still a list
            if q.kind == SurveyQuestionKind.MULTIPLE and q.pk in answers:
                value = answers[q.pk]
                answers[q.pk] = value if isinstance(value, list) else [value]
        try:
            services.survey_answer(
                survey=survey, enrollment=enrollment, answers=answers, actor=request.user
            )
        except ValidationError as exc:
            record_refusal(request, exc)
            errors = exc.messages
        else:
            messages.success(request, _("Thank you for answering the survey."))
            return redirect("enrollment_tasks", pk=enrollment.pk)
    return render(
        request,
        "assessments/survey_answer.html",
        {
            "survey": survey,
            "questions": questions,
            "enrollment": enrollment,
            "done": done,
            "errors": errors,
            "posted": request.POST if errors else None,
        },
        status=400 if errors else 200,
    )
