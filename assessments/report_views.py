"""Completion report pages: HR's form editor and report list (with export), the trainee's
report, and the department's review (所属長確認)."""

from __future__ import annotations

from collections.abc import Iterator

from django.contrib import messages
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from assessments import selectors, services
from assessments.audit_kinds import AssessmentsEventKind
from assessments.forms import ReportFieldFormSet, ReportFilterForm, ReportFormForm, ReviewForm
from assessments.models import CompletionReport, ReportField, ReportForm, Reviewer
from audit.exports import export_response
from audit.services import subject_views_record
from courses.models import Course
from enrollments.access import own_enrollment_or_404
from lib.access import access
from lib.exports import requested_format
from lib.pages import page_of
from trainees.http import AuthenticatedHttpRequest
from trainees.models import Organisation
from trainees.roles import COORDINATOR_PAGES, HR_CONSOLE, TRAINEE_PAGES
from trainees.selectors import supervised_by, trainee_scope

HR = HR_CONSOLE


@access(HR)
@require_http_methods(["GET", "POST"])
def report_form_edit(request: AuthenticatedHttpRequest, pk: int, purpose: str) -> HttpResponse:
    """The fields of the course's report (or pre-course assignment) form, in one page."""
    course = get_object_or_404(Course, pk=pk)
    if purpose not in ReportForm.Purpose.values:
        raise Http404
    form_obj = ReportForm.objects.filter(course=course, purpose=purpose).first() or ReportForm(
        course=course, purpose=purpose,
        title="受講結果報告" if purpose == ReportForm.Purpose.REPORT else "事前課題",
    )  # fmt: skip
    fields = (
        ReportField.objects.filter(form=form_obj) if form_obj.pk else ReportField.objects.none()
    )
    data: QueryDict | None = request.POST or None
    adding = request.method == "POST" and request.POST.get("action") == "add"
    if adding:
        # 欄を追加: the page again, as typed, with one more blank field; nothing saved yet.
        data = request.POST.copy()
        total = f"{ReportFieldFormSet().prefix}-TOTAL_FORMS"
        try:
            data[total] = str(min(int(data.get(total) or 0) + 1, 30))
        except ValueError:
            raise BadRequest from None
    form = ReportFormForm(data, instance=form_obj)
    formset = ReportFieldFormSet(data, queryset=fields.order_by("position", "id"))
    if adding:
        return render(
            request,
            "assessments/report_form_edit.html",
            {"course": course, "form": form, "formset": formset, "form_obj": form_obj},
        )  # fmt: skip
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        kept = sorted(
            (
                f.instance
                for f in formset.forms
                if f.cleaned_data
                and not f.cleaned_data.get("DELETE")
                and (f.instance.pk or f.has_changed())
            ),
            key=lambda field: (field.position, field.pk or 10**9),
        )
        try:
            services.report_form_save(form=form.instance, fields=kept, actor=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The report form has been saved."))
            return redirect("report_form_edit", pk=course.pk, purpose=purpose)
    return render(
        request,
        "assessments/report_form_edit.html",
        {"course": course, "form": form, "formset": formset, "form_obj": form_obj},
    )


@access(HR)
@require_GET
def report_list(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    course = get_object_or_404(Course, pk=pk)
    filters = ReportFilterForm(request.GET or None)
    data = filters.cleaned_data if filters.is_valid() else {}
    reports = selectors.reports_for_course(
        course.pk, organisation_id=data.get("organisation"), state=data.get("state", "")
    )
    organisations = Organisation.objects.filter(
        trainees__enrollments__course=course
    ).distinct().order_by("code")  # fmt: skip
    return render(
        request,
        "assessments/report_list.html",
        {
            "course": course,
            "filters": filters,
            "page": page_of(reports, request.GET.get("page"), 50),
            "organisations": organisations,
            "organisation_id": data.get("organisation"),
            # reports only HR can review: marked so, first to do
            "hr_reviews": {pk for pk, _course in selectors.reports_without_reviewer(course.pk)},
        },
    )


@access(HR)
@require_GET
def report_export(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    course = get_object_or_404(Course, pk=pk)
    forms = list(ReportForm.objects.filter(course=course).prefetch_related("fields"))
    labels = [(form.pk, field) for form in forms for field in form.fields.all()]
    header = ["様式", "職員番号", "氏名", "所属", "状態", "提出日時", "確認コメント"] + [
        field.label for _pk, field in labels
    ]

    def rows() -> Iterator[list[object]]:
        for r in selectors.reports_for_course(course.pk).iterator(chunk_size=1000):
            yield [
                r.form.title, r.enrollment.trainee.staff_number, r.enrollment.trainee.name,
                r.enrollment.trainee.organisation.name, r.get_state_display(),
                r.submitted_at.isoformat(timespec="minutes") if r.submitted_at else "",
                r.review_comment,
            ] + [
                r.answers.get(str(field.pk), "") if form_pk == r.form_id else ""
                for form_pk, field in labels
            ]  # fmt: skip

    return export_response(
        request,
        name=f"course-{course.pk}-reports",
        sheet=_("Completion reports"),
        header=header,
        rows=rows(),
        file_format=requested_format(request),
        kind=AssessmentsEventKind.ASSESSMENT_EXPORTED,
        detail={"course": course.pk, "reports": True},
        subjects=selectors.reports_for_course(course.pk).values_list(
            "enrollment__trainee_id", flat=True
        ),
    )


def _report_fields(report: CompletionReport) -> list[tuple[ReportField, object]]:
    return [(f, report.answers.get(str(f.pk), "")) for f in report.form.fields.all()]


def _review_page(
    request: AuthenticatedHttpRequest, report: CompletionReport, *, back: str
) -> HttpResponse:
    """A report with the review form where this person may review it (HR reviews any report,
    a coordinator their staff's; nobody their own). One page for HR and coordinators."""
    may_review = report.form.requires_review and selectors.report_may_review(
        user=request.user, trainee=report.enrollment.trainee, form=report.form
    )
    form = ReviewForm(request.POST or None) if may_review else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.report_review(
                    report=report,
                    acknowledge=form.cleaned_data["decision"] == "acknowledge",
                    comment=form.cleaned_data["comment"],
                    actor=request.user,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("The trainee has been told."))
                return redirect(back)
    subject_views_record(request=request, subjects=[report.enrollment.trainee], what="report")
    return render(
        request,
        "assessments/report_view.html",
        {
            "report": report,
            "fields": _report_fields(report),
            "review_form": form,
            "back": back,
            "own": report.enrollment.trainee.user_id == request.user.pk,
        },
    )


@access(HR)
@require_http_methods(["GET", "POST"])
def hr_report(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(
        CompletionReport.objects.select_related(
            "form__course", "enrollment__trainee__organisation", "reviewed_by"
        ),
        pk=pk,
    )
    return _review_page(request, report, back=reverse("report_list", args=[report.form.course_id]))


@access(TRAINEE_PAGES)
@require_http_methods(["GET", "POST"])
def report_edit(request: AuthenticatedHttpRequest, pk: int, form_pk: int) -> HttpResponse:
    """The trainee's report: save a draft, submit; after a return, correct and resubmit."""
    enrollment = own_enrollment_or_404(request, pk)
    form = get_object_or_404(ReportForm, pk=form_pk, course_id=enrollment.course_id)
    fields = list(form.fields.order_by("position", "id"))
    report = CompletionReport.objects.filter(form=form, enrollment=enrollment).first()
    values = dict(report.answers) if report else {}
    errors: list[str] = []
    if request.method == "POST":
        answers = {
            str(f.pk): request.POST.get(f"f{f.pk}", "")[: f.max_length + 1000] for f in fields
        }
        submit = request.POST.get("action") == "submit"
        try:
            services.report_save(
                form=form, enrollment=enrollment, answers=answers, submit=submit,
                actor=request.user,
            )  # fmt: skip
        except ValidationError as exc:
            errors = exc.messages
            values = answers
        else:
            messages.success(
                request, _("Your report has been submitted.") if submit else _("Draft saved.")
            )
            return redirect("report_edit", pk=enrollment.pk, form_pk=form.pk)
    return render(
        request,
        "assessments/report_edit.html",
        {
            "enrollment": enrollment,
            "form": form,
            "report": report,
            "fields": [(f, values.get(str(f.pk), "")) for f in fields],
            "errors": errors,
            "editable": report is None or report.state in services.reports.EDITABLE,
        },
        status=400 if errors else 200,
    )


@access(COORDINATOR_PAGES)
@require_GET
def report_review_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    # A coordinator's own report is reviewed by another coordinator or HR, not listed here.
    reports = selectors.reports_to_review(
        # Own organisations' staff only: 兼務 staff are reviewed where they belong.
        trainee_scope(request.user, concurrent=False).exclude(user=request.user).values("pk")
    )
    # Counted with the page's keys: each of the two queries would hash the scope's staff (a
    # department of 4,858 at a city's size: the page 78–113 → 55–76 ms).
    page = page_of(reports, request.GET.get("page"), 50, counted_with_keys=True,
                   rows_from=selectors.review_rows())  # fmt: skip
    return render(request, "assessments/report_review_list.html", {"page": page})


@access(COORDINATOR_PAGES)
@require_http_methods(["GET", "POST"])
def report_review(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A report of one's own organisations' staff (anyone else's: 404)."""
    report = get_object_or_404(
        CompletionReport.objects.select_related(
            "form__course", "enrollment__trainee__organisation", "reviewed_by"
        ),
        pk=pk,
        form__requires_review=True,
        enrollment__trainee__in=trainee_scope(request.user, concurrent=False),
    )
    return _review_page(request, report, back=reverse("report_review_list"))


@access(TRAINEE_PAGES, COORDINATOR_PAGES)
@require_GET
def supervisor_report_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """所属長確認: the completion reports of courses routed to the supervisor, waiting for this
    person (as 所属長 or deputy)."""
    if not supervised_by(request.user, timezone.localdate()):
        raise PermissionDenied
    return render(
        request,
        "assessments/supervisor_report_list.html",
        {"reports": selectors.supervisor_reports(request.user)},
    )


@access(TRAINEE_PAGES, COORDINATOR_PAGES)
@require_http_methods(["GET", "POST"])
def supervisor_report_review(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A report routed to the 所属長: only its reviewers open it (anyone else: 404)."""
    report = get_object_or_404(
        CompletionReport.objects.select_related(
            "form__course", "enrollment__trainee__organisation", "reviewed_by"
        ),
        pk=pk, form__requires_review=True, form__reviewer=Reviewer.SUPERVISOR,
    )  # fmt: skip
    trainee = report.enrollment.trainee
    if request.user.pk not in selectors.report_reviewers(report.form, trainee) or (
        trainee.user_id == request.user.pk
    ):
        raise Http404
    return _review_page(request, report, back=reverse("supervisor_report_list"))
