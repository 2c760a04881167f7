"""Enrolment pages: the trainee's catalogue and applications, the coordinator's nominations,
HR's session page (decisions, lottery, waiting list, attendance, completion)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.exports import export_response
from audit.services import audit_event_record
from courses.models import Session, SessionDay
from enrollments import selectors, services
from enrollments.access import own_enrollment_or_404, trainee_or_404
from enrollments.audit_kinds import EnrollmentsEventKind
from enrollments.calendar import check_in_qr_svg, session_ics
from enrollments.forms import (
    NOMINATION_LIST_MAX,
    AbsenceForm,
    AttendanceForm,
    CatalogueFilterForm,
    ChangeForm,
    CheckInForm,
    DecideForm,
    LotteryForm,
    NominateForm,
    ResubmitForm,
    SessionCancelForm,
    SubstituteForm,
)
from enrollments.models import ChangeRequest, Enrollment, Status
from enrollments.pdf import sign_in_sheet_pdf
from lib.access import access
from lib.exports import requested_format
from lib.japanese import list_join
from lib.messages import form_errors, refusal_text, refused
from lib.pages import page_of
from trainees.http import AuthenticatedHttpRequest
from trainees.roles import COORDINATOR_PAGES, HR_CONSOLE, TRAINEE_PAGES
from trainees.selectors import trainee_of, trainee_scope, trainee_scope_counted, trainee_search

TRAINEE = TRAINEE_PAGES
COORDINATOR = COORDINATOR_PAGES
HR = HR_CONSOLE


# --- Trainees -------------------------------------------------------------------------------------


@access(TRAINEE)
@require_GET
def catalogue(request: AuthenticatedHttpRequest) -> HttpResponse:
    """応募研修: open courses taking applications now."""
    trainee = trainee_of(request.user)
    form = CatalogueFilterForm(request.GET or None)
    category = form.cleaned_data["category"] if form.is_valid() else ""
    # One course with all its sessions (?course=…), or every course with its first ones.
    course = request.GET.get("course", "")
    one = int(course) if course.isdigit() and len(course) < 10 else None
    courses = selectors.catalogue(trainee, category=category, course=one) if trainee else []
    return render(request, "enrollments/catalogue.html",
                  {"form": form, "courses": courses, "one": one})  # fmt: skip


@access(TRAINEE)
@require_POST
def apply(request: AuthenticatedHttpRequest, session_pk: int) -> HttpResponse:
    trainee = trainee_or_404(request)
    forged = request.POST.get("trainee")
    if forged and forged != str(trainee.pk):  # applying for someone else
        audit_event_record(
            kind="enrollment.forged_request",
            user=request.user,
            detail={"trainee": forged[:20], "path": request.path},
        )
        raise Http404
    session = get_object_or_404(Session, pk=session_pk)
    try:
        enrollment = services.enrollment_apply(
            session=session, trainee=trainee, actor=request.user,
            note=request.POST.get("note", "")[:500],
        )  # fmt: skip
    except ValidationError as exc:
        refused(request, exc)
        return redirect("catalogue")
    texts = {
        Status.CONFIRMED: _("You have a place: the decision notice is in your inbox."),
        Status.WAITLISTED: _(
            "The session is full: you are on the waiting list (number %(position)s). "
            "If a seat frees, you move up and are told."
        ),
        Status.REQUESTED: _("Your application has been received. HR will decide and tell you."),
    }
    position = (
        selectors.waitlist_position(enrollment) if enrollment.status == Status.WAITLISTED else 0
    )
    approval = getattr(enrollment, "approval", None)
    if approval is not None and approval.waiting:
        due = date_format(timezone.localtime(approval.due_at), "DATETIME_FORMAT")
        messages.success(request, _(
            "Your application has been received and sent to your supervisor (所属長) for "
            "approval, due %(when)s. You will be told of the answer."
        ) % {"when": due})  # fmt: skip
    else:
        messages.success(request, texts[Status(enrollment.status)] % {"position": position})
    clashes = selectors.clashing_places([trainee.pk], session).get(trainee.pk)
    if clashes:
        messages.warning(request, _(
            "Its days overlap another training you hold a place on: %(places)s. Cancel one of "
            "them if you cannot attend both."
        ) % {"places": selectors.clash_text(clashes)})  # fmt: skip
    return redirect("enrollment_detail", pk=enrollment.pk)


@access(TRAINEE)
@require_GET
def enrollment_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    enrollment = own_enrollment_or_404(request, pk)
    return render(
        request,
        "enrollments/enrollment_detail.html",
        {
            "enrollment": enrollment,
            "change_form": ChangeForm(enrollment=enrollment),
            "other_sessions": selectors.other_sessions(enrollment),
            "absence_form": AbsenceForm(enrollment=enrollment),
            "movable": services.cancelled_place_movable(enrollment),
            "approval": getattr(enrollment, "approval", None),
        },
    )


@access(TRAINEE)
@require_POST
def enrollment_resubmit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A returned application, changed and sent for approval again."""
    enrollment = own_enrollment_or_404(request, pk)
    form = ResubmitForm(request.POST)
    if form.is_valid():
        try:
            services.approval_resubmit(
                enrollment=enrollment, note=form.cleaned_data["note"], actor=request.user
            )
        except ValidationError as exc:
            refused(request, exc)
        else:
            messages.success(request, _("Sent to your supervisor again."))
    else:
        form_errors(request, form)
    return redirect("enrollment_detail", pk=pk)


@access(TRAINEE)
@require_POST
def enrollment_move_to_replacement(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The one-click move offered when a session is cancelled with a replacement."""
    enrollment = own_enrollment_or_404(request, pk)
    try:
        moved = services.enrollment_move_to_replacement(enrollment=enrollment, actor=request.user)
    except ValidationError as exc:
        refused(request, exc)
        return redirect("enrollment_detail", pk=pk)
    messages.success(request, _("You have moved to the replacement session (%(status)s).")
                     % {"status": moved.get_status_display()})  # fmt: skip
    return redirect("enrollment_detail", pk=moved.pk)


@access(TRAINEE)
@require_POST
def enrollment_cancel(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    enrollment = own_enrollment_or_404(request, pk)
    try:
        services.enrollment_cancel(enrollment=enrollment, actor=request.user)
    except ValidationError as exc:
        refused(request, exc)
    else:
        messages.success(request, _("Your place has been cancelled."))
    return redirect("enrollment_detail", pk=pk)


@access(TRAINEE)
@require_POST
def enrollment_change(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    enrollment = own_enrollment_or_404(request, pk)
    form = ChangeForm(request.POST, enrollment=enrollment)
    if not form.is_valid():
        messages.error(request, _("Choose another session of the same course."))
        return redirect("enrollment_detail", pk=pk)
    try:
        outcome = services.enrollment_change(
            enrollment=enrollment, to_session=form.cleaned_data["to_session"], actor=request.user
        )
    except ValidationError as exc:
        refused(request, exc)
    else:
        messages.success(
            request,
            _("You have been moved to the other session.")
            if outcome == "moved"
            else _("That session is full: your request has been sent to HR, who will decide."),
        )
    return redirect("enrollment_detail", pk=pk)


@access(TRAINEE)
@require_POST
def enrollment_absence(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    enrollment = own_enrollment_or_404(request, pk)
    form = AbsenceForm(request.POST, enrollment=enrollment)
    if form.is_valid():
        try:
            services.absence_notify(
                enrollment=enrollment,
                day=form.cleaned_data["day"],
                reason=form.cleaned_data["reason"],
                detail=form.cleaned_data["detail"],
                actor=request.user,
            )
        except ValidationError as exc:
            refused(request, exc)
        else:
            enrollment.refresh_from_db(fields=["status"])
            if enrollment.status == Status.ABSENT:
                messages.success(
                    request,
                    _(
                        "Your absence notice has been sent to HR. As you will be absent on every "
                        "day, your place is marked absent (欠席) and the seat goes to the next "
                        "person on the waiting list."
                    ),
                )
            else:
                messages.success(request, _("Your absence notice has been sent to HR."))
            return redirect("enrollment_detail", pk=pk)
    else:
        form_errors(request, form)
    return redirect("enrollment_detail", pk=pk)


@access(TRAINEE)
@require_GET
def enrollment_calendar(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The session's days as an .ics file for the calendar."""
    enrollment = own_enrollment_or_404(request, pk)
    response = HttpResponse(session_ics(enrollment), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="kenshu-{enrollment.session_id}.ics"'
    return response


@access(TRAINEE)
@require_http_methods(["GET", "POST"])
def check_in(request: AuthenticatedHttpRequest) -> HttpResponse:
    """受付: the trainee types (or scans) the code shown at the venue."""
    trainee = trainee_of(request.user)
    form = CheckInForm(request.POST or None, initial={"code": request.GET.get("code", "")[:12]})
    if request.method == "POST" and form.is_valid():
        if trainee is None:
            form.add_error("code", _("Your account has no record in the staff registry."))
            return render(request, "enrollments/check_in.html", {"form": form})
        try:
            attendance = services.check_in(
                trainee=trainee, code=form.cleaned_data["code"], actor=request.user
            )
        except ValidationError as exc:
            form.add_error("code", exc)
        else:
            messages.success(
                request,
                _("Checked in: %(mark)s.") % {"mark": attendance.get_mark_display()},
            )
            return redirect("trainee_home")
    return render(request, "enrollments/check_in.html", {"form": form})


# --- Coordinators ---------------------------------------------------------------------------------


def _query_without(request: AuthenticatedHttpRequest, key: str) -> str:
    """The page's query string without one key (a pager's own page number)."""
    query = request.GET.copy()
    query.pop(key, None)
    return query.urlencode()


@access(COORDINATOR)
@require_http_methods(["GET", "POST"])
def nominations(request: AuthenticatedHttpRequest) -> HttpResponse:
    """推薦: nominate staff of one's own departments; see and withdraw nominations; staff ×
    courses with their status."""
    scope = trainee_scope_counted(request.user)
    staff, headcount = scope.staff, scope.headcount
    sessions = selectors.nominable_sessions()
    # A department of thousands (a city's 部) is not one list to scroll: above
    # NOMINATION_LIST_MAX people, the list shows those found by number, name or kana.
    find = request.GET.get("find", "").strip()[:100]
    listed = None
    if headcount > NOMINATION_LIST_MAX:
        listed = (trainee_search(staff, {"q": find})[:NOMINATION_LIST_MAX] if find
                  else staff.none())  # fmt: skip
    # A city's year has over a thousand sessions open: the table shows fifty at a time (or
    # those of the courses searched for), and the drop-down offers the sessions of that table
    # and the one picked from a row of it (any open session is still accepted when posted).
    find_course = request.GET.get("course", "").strip()[:100]
    open_page = Paginator(selectors.nominable_sessions(find_course), 50).get_page(
        request.GET.get("sessions")
    )
    offered = list(open_page)
    picked = (request.POST.get("session") or request.GET.get("session", ""))[:18]
    if picked.isdecimal() and int(picked) not in {s.pk for s in offered}:
        offered += sessions.filter(pk=int(picked))
    form = NominateForm(
        request.POST or None, sessions=sessions, staff=staff, listed=listed, offered=offered,
        initial={"session": picked},
    )  # fmt: skip
    if request.method == "POST" and form.is_valid():
        try:
            services.enrollments_nominate(
                session=form.cleaned_data["session"],
                trainees=form.chosen,
                actor=request.user,
                comment=form.cleaned_data["comment"],
                priority=form.cleaned_data["priority"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if len(form.chosen) == 1:
                done = _("%(name)s has been nominated.") % {"name": form.chosen[0].name}
            else:
                names = list_join(t.name for t in form.chosen)
                done = _("%(names)s: nominated.") % {"names": names}
            messages.success(request, done)
            clashes = selectors.clashing_places([t.pk for t in form.chosen],
                                                form.cleaned_data["session"])  # fmt: skip
            for trainee in form.chosen:
                if trainee.pk in clashes:
                    messages.warning(request, _(
                        "%(name)s already has a place whose days overlap: %(places)s."
                    ) % {"name": trainee.name,
                         "places": selectors.clash_text(clashes[trainee.pk])})  # fmt: skip
            # Back to the same search and page with the session still chosen: people are
            # nominated one by one to rank them, often several for one session.
            return _back_to_nominations(request, session=form.cleaned_data["session"].pk)
    places = selectors.department_enrollments(scope.on("trainee"))
    page = page_of(places, request.GET.get("page"), 50, counted_with_keys=True,
                   rows_from=selectors.department_enrollment_rows())  # fmt: skip
    return render(
        request,
        "enrollments/nominations.html",
        {
            "form": form,
            "page": page,
            "substitute_form": SubstituteForm(staff=staff),
            "open_sessions": selectors.nomination_overview(request.user, open_page),
            "open_page": open_page,
            "open_query": _query_without(request, "sessions"),
            "pick_query": _query_without(request, "session"),
            "find_course": find_course,
            "staff_query": _query_without(request, "page"),
            # A row's withdraw and substitute buttons bring the page back as it is.
            "back_query": _nominations_query(request).urlencode(),
            # A new search keeps the session chosen and the other list's search and page.
            "course_search_keeps": _nominations_query(request, "course", "sessions"),
            "staff_search_keeps": _nominations_query(request, "find"),
            "narrowed": listed is not None,
            "find": find,
            "headcount": headcount,
            "found": len(form.fields["people"].widget.choices) if listed is not None else 0,
        },
    )


# The nominations page's own query: its searches and its two pagers.
_NOMINATIONS_QUERY = ("course", "sessions", "session", "find", "page")


def _nominations_query(request: AuthenticatedHttpRequest, *dropped: str) -> QueryDict:
    """The page's own query as the coordinator has it, less ``dropped``."""
    query = QueryDict(mutable=True)
    for key in _NOMINATIONS_QUERY:
        if key in request.GET and key not in dropped:
            query[key] = request.GET[key][:100]
    return query


def _back_to_nominations(request: AuthenticatedHttpRequest, **chosen: object) -> HttpResponse:
    """The nominations page as the coordinator left it (the query its form or a row's button
    was posted with: searches, pages, the session chosen), with ``chosen`` set."""
    query = _nominations_query(request)
    for key, value in chosen.items():
        query[key] = str(value)
    url = reverse("nominations")
    return redirect(f"{url}?{query.urlencode()}" if query else url)


def _department_enrollment_or_404(request: AuthenticatedHttpRequest, pk: int) -> Enrollment:
    staff = trainee_scope(request.user)
    return get_object_or_404(
        Enrollment.objects.select_related("trainee", "session"), pk=pk, trainee__in=staff
    )


@access(COORDINATOR)
@require_POST
def nomination_withdraw(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    enrollment = _department_enrollment_or_404(request, pk)
    try:
        services.nomination_withdraw(enrollment=enrollment, actor=request.user)
    except ValidationError as exc:
        refused(request, exc)
    else:
        messages.success(request, _("The nomination has been withdrawn."))
    return _back_to_nominations(request)


@access(COORDINATOR)
@require_POST
def nomination_substitute(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    enrollment = _department_enrollment_or_404(request, pk)
    form = SubstituteForm(request.POST, staff=trainee_scope(request.user))
    if not form.is_valid():
        form_errors(request, form)
        return _back_to_nominations(request)
    try:
        services.nomination_substitute(
            enrollment=enrollment, substitute=form.trainee, actor=request.user
        )
    except ValidationError as exc:
        refused(request, exc)
    else:
        messages.success(request, _("%(name)s will attend instead.") % {"name": form.trainee.name})
    return _back_to_nominations(request)


# --- HR -------------------------------------------------------------------------------------------


@access(HR)
@require_GET
def session_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """HR's session page: applicants, nominees, decisions, lottery, waiting list, attendance,
    completion — with counts."""
    try:
        session = selectors.session_overview(pk)
    except Session.DoesNotExist:
        raise Http404 from None
    page = Paginator(selectors.session_enrollments(session), 200).get_page(request.GET.get("page"))
    return render(
        request,
        "enrollments/session_page.html",
        {
            "session": session,
            "course": session.course,
            "counts": selectors.session_counts(session),
            "page": page,
            "changes": selectors.pending_change_requests(session),
            "lottery": session.lotteries.first(),
            "lottery_form": LotteryForm(),
            "session_lists": list(selectors.SESSION_LISTS.items()),
            "free_seats": max(0, session.capacity - session.confirmed_count),
            "still_open": bool(
                session.application_closes_at and timezone.now() < session.application_closes_at
            ),
        },
    )


@access(HR)
@require_http_methods(["GET", "POST"])
def session_cancel(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """中止: the reason and an optional replacement; who will be told, before it is done."""
    session = get_object_or_404(Session.objects.select_related("course"), pk=pk)
    form = SessionCancelForm(request.POST or None, session=session)
    if request.method == "POST" and form.is_valid():
        try:
            told = services.session_cancel(
                session=session, reason=form.cleaned_data["reason"],
                replacement=form.cleaned_data["replacement"], actor=request.user,
            )  # fmt: skip
        except ValidationError as exc:
            refused(request, exc)
        else:
            messages.success(request, ngettext(
                "The session has been cancelled; %(count)s person has been told.",
                "The session has been cancelled; %(count)s people have been told.", told,
            ) % {"count": told})  # fmt: skip
            return redirect("session_page", pk=pk)
    elif request.method == "POST":
        form_errors(request, form)
    return render(request, "enrollments/session_cancel.html", {
        "session": session, "course": session.course, "form": form,
        "counts": selectors.session_counts(session),
    })  # fmt: skip


@access(HR)
@require_GET
def session_export(request: AuthenticatedHttpRequest, pk: int, what: str) -> HttpResponseBase:
    """A session's participants, attendance or completion as CSV (UTF-8 with BOM, or CP932) or
    XLSX, through the portal's export writer (each export an audit event)."""
    session = get_object_or_404(Session.objects.select_related("course"), pk=pk)
    if what not in selectors.SESSION_LISTS:
        raise Http404
    header, rows = selectors.session_list(session, what)
    return export_response(
        request,
        name=f"session-{session.pk}-{what}",
        sheet=str(selectors.SESSION_LISTS[what]),
        header=header,
        rows=rows,
        file_format=requested_format(request),
        kind=EnrollmentsEventKind.SESSION_EXPORTED,
        detail={"session": session.pk, "list": what},
        subjects=selectors.session_list_subjects(session, what),
    )


@access(HR)
@require_POST
def session_decide(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(Session, pk=pk)
    form = DecideForm(request.POST, session=session)
    if not form.is_valid():
        form_errors(request, form)
        return redirect("session_page", pk=pk)
    try:
        result = services.enrollments_decide(
            session=session,
            enrollment_ids=form.cleaned_data["enrollments"],
            decision=form.cleaned_data["decision"],
            actor=request.user,
            clash_reason=form.cleaned_data["clash_reason"],
        )
    except ValidationError as exc:
        refused(request, exc)
        return redirect("session_page", pk=pk)
    messages.success(request, _("%(count)s decided.") % {"count": result["changed"]})
    if result["full"]:
        messages.error(
            request,
            _("%(count)s could not be confirmed: the session is full.") % {"count": result["full"]},
        )
    return redirect("session_page", pk=pk)


@access(HR)
@require_POST
def session_lottery(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(Session, pk=pk)
    form = LotteryForm(request.POST)
    if not form.is_valid():
        form_errors(request, form)
        return redirect("session_page", pk=pk)
    # Among many, drawn by a background job (LOTTERY_BACKGROUND_ENTRANTS).
    draw = {"session": session, "actor": request.user, "seed": form.cleaned_data["seed"],
            "before_close": form.cleaned_data["before_close"]}  # fmt: skip
    try:
        if services.lottery_entrants(session) > settings.LOTTERY_BACKGROUND_ENTRANTS:
            return redirect("job_detail", pk=services.lottery_start(**draw).pk)
        messages.success(request, services.lottery_summary(services.lottery_run(**draw)))
    except ValidationError as exc:
        refused(request, exc)
    return redirect("session_page", pk=pk)


@access(HR)
@require_POST
def change_request_decide(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    change = get_object_or_404(ChangeRequest.objects.select_related("enrollment"), pk=pk)
    approve = request.POST.get("approve") == "1"
    try:
        services.change_request_decide(request=change, approve=approve, actor=request.user)
    except ValidationError as exc:
        refused(request, exc)
    else:
        messages.success(request, _("Approved.") if approve else _("Refused."))
    return redirect("session_page", pk=change.to_session_id)


@access(HR)
@require_GET
def hr_enrollment(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One enrolment for HR: where it stands, absence notices, its whole history."""
    enrollment = get_object_or_404(selectors.enrollment_for_hr(), pk=pk)
    return render(request, "enrollments/hr_enrollment.html", {"enrollment": enrollment})


@access(HR)
@require_POST
def hr_enrollment_cancel(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    enrollment = get_object_or_404(Enrollment, pk=pk)
    try:
        services.enrollment_cancel(
            enrollment=enrollment, actor=request.user, by_hr=True, reason=_("Cancelled by HR")
        )
    except ValidationError as exc:
        refused(request, exc)
    else:
        messages.success(request, _("The place has been cancelled."))
    return redirect("session_page", pk=enrollment.session_id)


def _day_or_404(session_pk: int, day_pk: int) -> SessionDay:
    return get_object_or_404(
        SessionDay.objects.select_related("session__course", "session__room__venue"),
        pk=day_pk,
        session_id=session_pk,
    )


def _too_early(day: SessionDay) -> str:
    """Why attendance cannot be recorded for this day yet, or "" when it can."""
    try:
        services.attendance_allowed(day)
    except services.EnrollmentRefused as exc:
        return refusal_text(exc)
    return ""


@access(HR)
@require_http_methods(["GET", "POST"])
def attendance(request: AuthenticatedHttpRequest, pk: int, day_pk: int) -> HttpResponse:
    """出欠簿 for a day, usable on a tablet at the venue."""
    day = _day_or_404(pk, day_pk)
    roster = selectors.day_roster(day)
    form = AttendanceForm(request.POST or None, roster=roster, day_minutes=day.minutes)
    if request.method == "POST" and form.is_valid():
        try:
            count = services.attendance_record(
                day=day, marks=form.marks(), minutes=form.minutes(), actor=request.user
            )
        except services.EnrollmentRefused as exc:
            refused(request, exc)
        else:
            messages.success(
                request,
                ngettext(
                    "Attendance saved for %(count)s person.",
                    "Attendance saved for %(count)s people.",
                    count,
                )
                % {"count": count},
            )
        return redirect("attendance", pk=pk, day_pk=day_pk)
    return render(
        request,
        "enrollments/attendance.html",
        {
            "day": day,
            "session": day.session,
            "form": form,
            "roster": roster,
            "not_started": services.day_not_started(day),
            "too_early": _too_early(day),
        },
    )


@access(HR)
@require_POST
def attendance_all_present(request: AuthenticatedHttpRequest, pk: int, day_pk: int) -> HttpResponse:
    day = _day_or_404(pk, day_pk)
    try:
        count = services.attendance_all_present(day=day, actor=request.user)
    except services.EnrollmentRefused as exc:
        refused(request, exc)
    else:
        messages.success(request, _("%(count)s marked present.") % {"count": count})
    return redirect("attendance", pk=pk, day_pk=day_pk)


@access(HR)
@require_http_methods(["GET", "POST"])
def check_in_display(request: AuthenticatedHttpRequest, pk: int, day_pk: int) -> HttpResponse:
    """The day's code and QR, to show on the screen at the venue. The code is made by a POST
    (a GET only shows it), so that opening the page changes nothing."""
    day = _day_or_404(pk, day_pk)
    if request.method == "POST":
        try:
            services.check_in_code_for(day, actor=request.user)
        except services.EnrollmentRefused as exc:
            refused(request, exc)
        return redirect("check_in_display", pk=pk, day_pk=day_pk)
    code = selectors.check_in_code(day)
    opens, _start, ends = services.check_in_window(day)
    return render(
        request,
        "enrollments/check_in_display.html",
        {
            "day": day,
            "code": code.code if code else "",
            "qr": check_in_qr_svg(code.code) if code else "",
            "opens": opens,
            "ends": ends,
        },
    )


@access(HR)
@require_GET
def check_in_kiosk(request: AuthenticatedHttpRequest, pk: int, day_pk: int) -> HttpResponse:
    """The code and its QR, large and nothing else, for the screen in the room; the page reloads
    itself every minute (it says when the code stops being valid)."""
    day = _day_or_404(pk, day_pk)
    code = selectors.check_in_code(day)
    if code is None:
        return redirect("check_in_display", pk=pk, day_pk=day_pk)
    opens, _start, ends = services.check_in_window(day)
    return render(
        request,
        "enrollments/check_in_kiosk.html",
        {
            "day": day,
            "code": code.code,
            "qr": check_in_qr_svg(code.code),
            "opens": opens,
            "ends": ends,
            "open_now": opens <= timezone.now() <= ends,
        },
    )


@access(HR)
@require_GET
def sign_in_sheet(request: AuthenticatedHttpRequest, pk: int, day_pk: int) -> HttpResponse:
    """出席簿 as PDF: name, organisation, job title, a column to sign."""
    day = _day_or_404(pk, day_pk)
    response = HttpResponse(
        sign_in_sheet_pdf(day, selectors.day_roster(day)), content_type="application/pdf"
    )
    response["Content-Disposition"] = (
        f'inline; filename="sign-in-{day.session_id}-{day.date:%Y%m%d}.pdf"'
    )
    return response
