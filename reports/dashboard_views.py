"""Dashboards (集計) for HR — and for coordinators, limited to their organisations: completion by
course × department with drill-down, mandatory-training compliance with its chase list and
reminder, attendance and absence reasons, results and satisfaction over the years, hours by
employment type. Every table exports (?format=csv|csv-cp932|xlsx) through the one writer."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from audit.exports import export_named, export_response
from courses.models import Course, current_fiscal_year
from courses.selectors import fiscal_years
from enrollments.models import AbsenceReason
from lib.access import access
from lib.exports import FORMATS
from lib.japanese import fiscal_year_choice
from lib.replica import replica_reads
from reports import dashboards
from reports.audit_kinds import ReportsEventKind
from reports.background import CHASE_EXPORT
from reports.forms import DepartmentForm
from reports.freshness import kept
from reports.services import chase_remind
from trainees.http import AuthenticatedHttpRequest
from trainees.roles import COORDINATOR_PAGES, HR_CONSOLE

PAGES = [
    ("dashboard_completion", gettext_lazy("Completion")),
    ("dashboard_compliance", gettext_lazy("Mandatory training")),
    ("dashboard_attendance", gettext_lazy("Attendance and absence")),
    ("dashboard_results", gettext_lazy("Results and satisfaction")),
    ("dashboard_hours", gettext_lazy("Hours by employment type")),
]


class YearForm(forms.Form):
    year = forms.TypedChoiceField(label=gettext_lazy("Fiscal year"), coerce=int, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        years = sorted(set(fiscal_years()) | {current_fiscal_year()}, reverse=True)
        year_field = self.fields["year"]
        assert isinstance(year_field, forms.ChoiceField)  # noqa: S101 - declared above
        year_field.choices = [(y, fiscal_year_choice(y)) for y in years]

    def chosen(self) -> int:
        if self.is_valid() and self.cleaned_data.get("year"):
            return int(self.cleaned_data["year"])
        return current_fiscal_year()


def _scope(request: AuthenticatedHttpRequest) -> set[int] | None:
    """The organisations this person's figures cover (None: all, for HR)."""
    return dashboards.scope_ids(request.user)


def _scope_and_year(request: AuthenticatedHttpRequest) -> tuple[set[int] | None, YearForm, int]:
    """What this person may see, the fiscal-year form and the year it asks for."""
    scope = _scope(request)
    year = YearForm(request.GET or None).chosen()
    # The form shown is bound to the year the page shows, so 表示 never switches it silently.
    return scope, YearForm({"year": year}), year


def _wants_file(request: AuthenticatedHttpRequest) -> str | None:
    file_format = request.GET.get("format")
    return file_format if file_format in FORMATS else None


def _export(
    request: AuthenticatedHttpRequest,
    name: str,
    header: list[str],
    rows: Sequence[Sequence[object]],
    detail: dict,
    subjects: Iterable[int] | None = None,
) -> HttpResponseBase:
    return export_response(
        request,
        name=name,
        sheet=name,
        header=header,
        rows=rows,
        file_format=_wants_file(request) or "csv",
        kind=ReportsEventKind.DASHBOARD_EXPORTED,
        detail=detail,
        subjects=subjects,
    )


def _page(request: AuthenticatedHttpRequest, template: str, context: dict) -> HttpResponse:
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        template,
        {
            "pages": PAGES,
            "rules": dashboards.COUNTING_RULES,
            "minimum": dashboards.MINIMUM_CONTRIBUTORS,
            "query": query.urlencode(),
            "scoped": not request.user.has_perm(HR_CONSOLE),
            **context,
        },
    )


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def _matrix_lines(
    matrix: dashboards.CompletionMatrix,
) -> list[tuple[Course, list[dict[str, object] | None], dashboards.Cell, str]]:
    """The matrix as the page shows it, each cell's link, label and rate worked out here: at a
    city's size (24 courses × 30 departments) the template's {% url %}, {% blocktranslate %}
    and floatformat per cell cost more than the query behind the page."""
    label = _("%(course)s, %(department)s: %(done)s of %(held)s completed")
    lines = []
    for course, cells, total in matrix.rows():
        # One reverse() a course, not one a cell (650 of them cost 16 ms): the route ends in
        # the department's id (…/<course>/<organisation>/).
        head = reverse("dashboard_cell", args=[course.pk, 0]).removesuffix("0/")
        shown: list[dict[str, object] | None] = []
        for department, cell in cells:
            if cell is None:
                shown.append(None)
                continue
            shown.append({
                "href": f"{head}{department.pk}/",
                "label": label % {"course": course.title, "department": department.name,
                                  "done": cell.completed, "held": cell.held},
                "cell": cell,
                "rate": _percent(cell.rate),
            })  # fmt: skip
        lines.append((course, shown, total, _percent(total.rate)))
    return lines


def _completion_figures(matrix: dashboards.CompletionMatrix) -> str:
    bars = [
        (d.name, matrix.by_department[d.pk].rate or 0, matrix.by_department[d.pk])
        for d in matrix.departments
    ]
    return render_to_string(
        "reports/_completion_figures.html",
        {
            "matrix": matrix,
            "lines": _matrix_lines(matrix),
            "totals": [(cell, _percent(cell.rate)) for _d, cell in matrix.department_totals()],
            "total_rate": _percent(matrix.total.rate),
            "bars": bars,
        },
    )


@access(HR_CONSOLE, COORDINATOR_PAGES)
@require_GET
@replica_reads
def completion(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    scope, form, year = _scope_and_year(request)
    if _wants_file(request):
        header, rows = dashboards.completion_matrix_table(dashboards.completion_matrix(year, scope))
        return _export(request, f"completion-{year}", header, rows, {"dashboard": "completion",
                                                                     "year": year})  # fmt: skip
    # The matrix rendered (24 courses × 30 departments at a city's size: 40 ms of template,
    # the most of the page) is kept like the figures it shows, in the language of the page —
    # and made from the figures of the same change number (read again inside, not passed in).
    figures = kept(
        "completion-page", (year, dashboards.scope_key(scope), get_language()),
        dashboards.COMPLETION_TABLES,
        lambda: _completion_figures(dashboards.completion_matrix(year, scope)),
    )  # fmt: skip
    return _page(
        request,
        "reports/dashboard_completion.html",
        {
            "form": form,
            "year": year,
            "figures": figures,
            "current": "dashboard_completion",
        },
    )


@access(HR_CONSOLE, COORDINATOR_PAGES)
@require_GET
@replica_reads
def completion_cell(
    request: AuthenticatedHttpRequest, course_pk: int, organisation_pk: int
) -> HttpResponseBase:
    scope = _scope(request)
    course = get_object_or_404(Course, pk=course_pk)
    tree = dashboards.organisation_tree()
    department = tree.by_id.get(organisation_pk)
    # Only a department's cell, and for a coordinator only one of theirs.
    if department is None or tree.department_of.get(organisation_pk) != organisation_pk:
        raise Http404
    if scope is not None and not scope & set(tree.descendants(organisation_pk)):
        raise Http404
    places = dashboards.completion_cell(course, organisation_pk, scope)
    if _wants_file(request):
        header = ["職員番号", "氏名", "当時の所属", "現在の所属", "日程", "状態", "修了"]
        rows = [
            [p.trainee.staff_number, p.trainee.name,
             p.organisation_name or p.trainee.organisation.name, p.trainee.organisation.name,
             f"第{p.session.number}回", p.get_status_display(), p.get_completion_display()]
            for p in places
        ]  # fmt: skip
        return _export(request, f"completion-{course.code}", header, rows,
                       {"dashboard": "completion_cell", "course": course.pk,
                        "organisation": organisation_pk},
                       subjects=[p.trainee_id for p in places])  # fmt: skip
    return _page(
        request,
        "reports/dashboard_cell.html",
        {"course": course, "department": department, "places": places, "year": course.fiscal_year,
         "current": "dashboard_completion"},
    )  # fmt: skip


@access(HR_CONSOLE, COORDINATOR_PAGES)
@require_GET
@replica_reads
def compliance(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    scope, form, year = _scope_and_year(request)
    summary = dashboards.compliance_summary(year, scope)
    if _wants_file(request):
        keys = ["course__code", "course__title", "members", "completed", "missing", "rate"]
        header = ["研修コード", "研修名", "対象者", "修了", "未修了", "修了率(%)"]
        return _export(request, f"compliance-{year}", header, dashboards.rows_of(summary, keys),
                       {"dashboard": "compliance", "year": year})  # fmt: skip
    return _page(
        request,
        "reports/dashboard_compliance.html",
        {"form": form, "year": year, "summary": summary, "current": "dashboard_compliance"},
    )


@access(HR_CONSOLE, COORDINATOR_PAGES)
@require_GET
@replica_reads
def chase(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    scope = _scope(request)
    course = get_object_or_404(Course, pk=pk)
    form = DepartmentForm(request.GET or None)
    department = form.cleaned_data.get("department") if form.is_valid() else None
    if _wants_file(request):
        # reports/background.py builds the file (a long list is made by a background job).
        return export_named(request, CHASE_EXPORT, course=course.pk)
    members = dashboards.chase_members(course, scope, department)
    departments = dashboards.chase_by_department(course, scope)
    paginator = Paginator(members, 100)
    # How many are on the list is the sum by department, already counted (one anti-join less).
    paginator.count = sum(n for o, n in departments if department in (None, o.pk))
    page = paginator.get_page(request.GET.get("page"))
    return _page(
        request,
        "reports/dashboard_chase.html",
        {
            "course": course,
            "year": course.fiscal_year,
            "page": page,
            "lines": dashboards.chase_lines(page.object_list, course),
            "departments": departments,
            "department": department,
            "is_hr": request.user.has_perm(HR_CONSOLE),
            "current": "dashboard_compliance",
        },
    )


@access(HR_CONSOLE)
@require_POST
def chase_remind_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    course = get_object_or_404(Course, pk=pk)
    form = DepartmentForm(request.POST)
    department = form.cleaned_data.get("department") if form.is_valid() else None
    lines = dashboards.chase_list(course, None, department)
    sent = chase_remind(course=course, trainees=[line.trainee for line in lines],
                        actor=request.user)  # fmt: skip
    if sent:
        messages.success(
            request,
            ngettext(
                "A reminder was sent to %(count)s person.",
                "A reminder was sent to %(count)s people.",
                sent,
            )
            % {"count": sent},
        )
    else:
        messages.info(request, _("Everyone on the list has already been reminded today."))
    target = redirect("dashboard_chase", pk=course.pk)
    if department:
        target["Location"] += f"?department={department}"
    return target


@access(HR_CONSOLE, COORDINATOR_PAGES)
@require_GET
@replica_reads
def attendance(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    scope, form, year = _scope_and_year(request)
    summary = dashboards.attendance_summary(year, scope)
    reasons = list(AbsenceReason.choices)
    if _wants_file(request):
        header = ["研修コード", "研修名", "受講確定", "全日欠席", "取消"] + [
            str(label) for _value, label in reasons
        ]
        rows = [
            [r["course__code"], r["course__title"], r["confirmed"], r["absent"], r["cancelled"]]
            + [r["reasons"][value] for value, _label in reasons]
            for r in summary
        ]
        return _export(request, f"attendance-{year}", header, rows,
                       {"dashboard": "attendance", "year": year})  # fmt: skip
    for row in summary:
        total = row["total"] or 1
        row["segments"], x = [], 0.0
        for kind in ("confirmed", "absent", "cancelled"):
            width = row[kind] * 240 / total
            row["segments"].append((kind, row[kind], round(x, 1), round(width, 1)))
            x += width
        row["reason_list"] = [(label, row["reasons"][value]) for value, label in reasons]
    return _page(
        request,
        "reports/dashboard_attendance.html",
        {"form": form, "year": year, "summary": summary, "reasons": reasons,
         "current": "dashboard_attendance"},
    )  # fmt: skip


def _mean_cell(cell: tuple | None) -> object:
    """A mean for a file: the number, blank where nobody contributed, or a note where fewer
    than the minimum did (dashboards.shown)."""
    if not cell:
        return ""
    mean, contributors = cell
    if mean is None and 0 < contributors < dashboards.MINIMUM_CONTRIBUTORS:
        return f"{dashboards.MINIMUM_CONTRIBUTORS}人未満（{contributors}人）"
    return "" if mean is None else mean


@access(HR_CONSOLE, COORDINATOR_PAGES)
@require_GET
@replica_reads
def results(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    scope = _scope(request)
    years, lines = dashboards.results_over_years(scope)
    if _wants_file(request):
        header = ["研修コード", "研修名"]
        for year in years:
            header += [f"{year} テスト平均(%)", f"{year} 満足度(5点)"]
        rows = []
        for line in lines:
            row: list[object] = [line["code"], line["title"]]
            for cell in line["cells"]:
                row += [_mean_cell(cell.get("test")), _mean_cell(cell.get("satisfaction"))]
            rows.append(row)
        return _export(request, "results", header, rows, {"dashboard": "results"})
    for line in lines:
        points = [
            (index, cell["satisfaction"][0])
            for index, cell in enumerate(line["cells"])
            if "satisfaction" in cell and cell["satisfaction"][0] is not None
        ]
        line["points"] = " ".join(
            f"{20 + index * 50},{70 - (value - 1) * 15:.1f}" for index, value in points
        )
        line["dots"] = [
            (20 + index * 50, round(70 - (value - 1) * 15, 1), value) for index, value in points
        ]
    return _page(
        request,
        "reports/dashboard_results.html",
        {"years": years, "lines": lines, "current": "dashboard_results",
         "chart_width": 40 + 50 * max(len(years) - 1, 0)},
    )  # fmt: skip


@access(HR_CONSOLE, COORDINATOR_PAGES)
@require_GET
@replica_reads
def hours(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    scope, form, year = _scope_and_year(request)
    summary = dashboards.hours_by_employment_type(year, scope)
    if _wants_file(request):
        header = ["雇用区分", "在職者数", "修了者数", "研修時間計", "1人あたり時間"]
        rows = [
            [row["label"], row["in_post"], row["trained"],
             _mean_cell((row["hours"], row["trained"])), _mean_cell((row["mean"], row["trained"]))]
            for row in summary
        ]  # fmt: skip
        return _export(request, f"hours-{year}", header, rows,
                       {"dashboard": "hours", "year": year})  # fmt: skip
    top = max((float(r["mean"] or 0) for r in summary), default=0) or 1
    bars = [(r["label"], float(r["mean"] or 0) * 100 / top, r) for r in summary]
    return _page(
        request,
        "reports/dashboard_hours.html",
        {
            "form": form,
            "year": year,
            "summary": summary,
            "bars": bars,
            "current": "dashboard_hours",
        },
    )
