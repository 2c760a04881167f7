"""Every URL pattern × every persona, with the expected outcome.

A URL pattern without a row here fails ``test_every_url_pattern_has_a_row``: a new page must
say who may see it. GET rows give the outcome of the whole redirect chain (as a browser sees
it): ``LOGIN`` — sent to the login page; a number — the final status code. POST-only URLs are
POSTed to (``post(...)`` rows) and give the first answer: each persona's real answer, since the
permission check runs before the method check — removing a view's permission decorator turns
a row red. A GET to them must then answer 405 to those allowed, and the same refusal to the
others.

The personas: anonymous, a trainee, a coordinator of the organisation the objects belong to,
an HR administrator, an auditor, and an outsider — a coordinator of another organisation, who
gets 404 where a resource belongs to someone else's department.
"""

from __future__ import annotations

import datetime
import os
import re

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from assessments import services as assessment_services
from audit.models import AccessLog, AuditEvent, Finding, MonthlyReport
from enrollments.models import (
    Announcement,
    AttendanceImport,
    OrganisationQuota,
    PlaceStatusImport,
)
from enrollments.services.attendance import check_in_code_for
from jobs.models import Job
from lifecycle.models import DeletionReport
from notices.models import Notice, NotificationTemplate
from notices.services import template_save
from reports.certificates import verification_code
from reports.models import HistoryImport
from reports.services import authority_save, certificate_issue, history_record_add
from tests.assessments.factories import make_form, make_survey, make_test
from tests.courses.factories import (
    SAMPLE_PDF,
    CourseFactory,
    SessionFactory,
    TrainingOrderFactory,
    VenueFactory,
    add_material,
)
from tests.enrollments.factories import completed, enrol
from tests.reports.factories import RECORD, SEAL_PNG
from tests.trainees.factories import (
    OrganisationFactory,
    RosterImportFactory,
    TraineeFactory,
    UserFactory,
)
from trainees.models import PlannedTransfer, SupervisorPost, User
from trainees.roles import HR_CONSOLE, Role

LOGIN = "LOGIN"
PERSONAS = ("anonymous", "trainee", "coordinator", "hr_admin", "auditor", "outsider")
SAME = object()  # the outsider gets what the coordinator gets


class Post(tuple):
    """A row for a POST-only URL."""


def _row(anonymous, trainee, coordinator, hr_admin, auditor, outsider=SAME):
    return (
        anonymous,
        trainee,
        coordinator,
        hr_admin,
        auditor,
        coordinator if outsider is SAME else outsider,
    )


def post(anonymous, trainee, coordinator, hr_admin, auditor, outsider=SAME):
    return Post(_row(anonymous, trainee, coordinator, hr_admin, auditor, outsider))


def every(outcome):
    return _row(outcome, outcome, outcome, outcome, outcome)


def logged_in(outcome, anonymous=LOGIN):
    return _row(anonymous, outcome, outcome, outcome, outcome)


def hr_only(outcome=302):
    """A POST only HR may make."""
    return post(LOGIN, 403, 403, outcome, 403)


# Admin pages: anonymous users go to the login page, non-staff get 403 (the allauth-protected
# admin login refuses them), HR administrators get what their permissions allow.
def admin(hr_admin):
    return _row(LOGIN, 403, 403, hr_admin, 403)


def admin_model(prefix, *, changelist, add, history, delete, change, redirect):
    """The six URL patterns Django's admin creates for one registered model."""
    return {
        f"admin/{prefix}/": admin(changelist),
        f"admin/{prefix}/add/": admin(add),
        f"admin/{prefix}/<path:object_id>/history/": admin(history),
        f"admin/{prefix}/<path:object_id>/delete/": admin(delete),
        f"admin/{prefix}/<path:object_id>/change/": admin(change),
        f"admin/{prefix}/<path:object_id>/": admin(redirect),
    }


MATRIX = {
    "healthz": every(200),
    # Portal pages
    "": _row(LOGIN, 200, 200, 200, 200),
    "me/": _row(LOGIN, 200, 200, 200, 403),
    "coordinator/": _row(LOGIN, 403, 200, 403, 403),
    "hr/": _row(LOGIN, 403, 403, 200, 403),
    "i18n/setlang/": post(302, 302, 302, 302, 302),
    "audit/": _row(LOGIN, 403, 403, 403, 200),
    "audit/access-log/": _row(LOGIN, 403, 403, 403, 200),
    "audit/events/": _row(LOGIN, 403, 403, 403, 200),
    "audit/who-viewed/": _row(LOGIN, 403, 403, 403, 200),
    "audit/events/export/": _row(LOGIN, 403, 403, 403, 200),
    # The log analysis: auditors read and review; nobody else sees it, nobody edits the trail.
    "audit/findings/": _row(LOGIN, 403, 403, 403, 200),
    "audit/findings/<int:pk>/review/": post(LOGIN, 403, 403, 403, 302),
    "audit/reports/": _row(LOGIN, 403, 403, 403, 200),
    "audit/reports/make/": post(LOGIN, 403, 403, 403, 302),
    "audit/reports/<int:pk>.<str:file_format>": _row(LOGIN, 403, 403, 403, 200),
    "audit/checklist/": _row(LOGIN, 403, 403, 403, 200),
    # 消去: HR erases (after re-authentication: the redirect to it); auditors read the reports.
    "trainees/<int:pk>/erase/": post(LOGIN, 403, 403, 302, 403),
    "audit/deletion-reports/": _row(LOGIN, 403, 403, 403, 200),
    "audit/deletion-reports/<int:pk>.<str:file_format>": _row(LOGIN, 403, 403, 403, 200),
    # The inbox: everyone's own
    "inbox/": logged_in(200),
    # Background jobs: one's own (a finished HR job of the hr_admin persona: nobody else's).
    "jobs/": logged_in(200),
    "jobs/<int:pk>/": _row(LOGIN, 404, 404, 200, 404),
    "jobs/<int:pk>/status/": _row(LOGIN, 404, 404, 200, 404),
    "jobs/<int:pk>/download/": _row(LOGIN, 404, 404, 200, 404),
    "jobs/<int:pk>/again/": post(LOGIN, 404, 404, 302, 404),
    "inbox/read/": post(LOGIN, 302, 302, 302, 302),
    "inbox/<int:pk>/read/": post(LOGIN, 404, 404, 404, 404),  # not theirs
    # Courses and sessions (HR only)
    "hr/courses/": _row(LOGIN, 403, 403, 200, 403),
    "hr/courses/new/": _row(LOGIN, 403, 403, 200, 403),
    "hr/courses/<int:pk>/": _row(LOGIN, 403, 403, 200, 403),
    "hr/courses/<int:pk>/edit/": _row(LOGIN, 403, 403, 200, 403),
    "hr/courses/<int:pk>/copy/": hr_only(),
    "hr/courses/<int:pk>/targets/": _row(LOGIN, 403, 403, 200, 403),
    "hr/courses/<int:pk>/targets/freeze/": hr_only(),
    "hr/courses/<int:pk>/targets/add/": hr_only(),
    "hr/courses/<int:pk>/targets/order/": hr_only(),
    "hr/courses/<int:pk>/targets/<int:member_pk>/remove/": hr_only(404),  # no such member
    "hr/courses/<int:course_pk>/sessions/new/": _row(LOGIN, 403, 403, 200, 403),
    "hr/courses/<int:course_pk>/sessions/<int:pk>/": _row(LOGIN, 403, 403, 200, 403),
    "hr/courses/<int:course_pk>/sessions/<int:pk>/orders/": hr_only(),
    "hr/orders/<int:pk>/": _row(LOGIN, 403, 403, 200, 403),
    "hr/venues/": _row(LOGIN, 403, 403, 200, 403),
    "hr/venues/new/": _row(LOGIN, 403, 403, 200, 403),
    "hr/venues/<int:pk>/": _row(LOGIN, 403, 403, 200, 403),
    "hr/courses/<int:pk>/quotas/": _row(LOGIN, 403, 403, 200, 403),
    "hr/courses/<int:pk>/quotas/<int:quota_pk>/remove/": hr_only(),
    "hr/notices/templates/": _row(LOGIN, 403, 403, 200, 403),
    "hr/notices/templates/<str:kind>/": _row(LOGIN, 403, 403, 200, 403),
    # Materials: HR manages them; trainees see them once ordered (none of these personas is
    # ordered to the course, so they get 404 — tests/courses/test_materials.py has the 200s).
    "hr/courses/<int:course_pk>/materials/new/": _row(LOGIN, 403, 403, 200, 403),
    "hr/courses/<int:course_pk>/materials/<int:pk>/": _row(LOGIN, 403, 403, 200, 403),
    "hr/courses/<int:course_pk>/materials/<int:pk>/delete/": hr_only(),
    "hr/courses/<int:course_pk>/materials/<int:pk>/move/": hr_only(),
    "learn/": _row(LOGIN, 200, 200, 200, 403),
    "learn/courses/<int:pk>/": _row(LOGIN, 404, 404, 200, 404),
    "learn/materials/<int:pk>/": _row(LOGIN, 404, 404, 200, 404),
    "learn/materials/<int:pk>/file/": _row(LOGIN, 404, 404, 200, 404),
    # HR may preview a course but has no viewing to record: 409.
    "learn/materials/<int:pk>/progress/": post(LOGIN, 404, 404, 409, 404),
    "hr/orders/<int:pk>/resend/": hr_only(),
    # Enrolments: trainees' own (none of these personas has a registry record or a place, so
    # someone else's enrolment is a 404), coordinators' nominations, HR's session pages.
    "catalogue/": _row(LOGIN, 200, 200, 200, 403),
    "catalogue/sessions/<int:session_pk>/apply/": post(LOGIN, 404, 404, 404, 403),
    "me/enrollments/<int:pk>/": _row(LOGIN, 404, 404, 404, 403),
    "me/enrollments/<int:pk>/cancel/": post(LOGIN, 404, 404, 404, 403),
    "me/enrollments/<int:pk>/change/": post(LOGIN, 404, 404, 404, 403),
    "me/enrollments/<int:pk>/replacement/": post(LOGIN, 404, 404, 404, 403),
    "me/enrollments/<int:pk>/absence/": post(LOGIN, 404, 404, 404, 403),
    "me/enrollments/<int:pk>/calendar.ics": _row(LOGIN, 404, 404, 404, 403),
    "me/check-in/": _row(LOGIN, 200, 200, 200, 403),
    "me/enrollments/<int:pk>/resubmit/": post(LOGIN, 404, 404, 404, 403),
    # 所属長承認: a 所属長 (none of these personas holds a post: tests/enrollments has the 200s)
    # or a coordinator (the second step); the reports routed to the 所属長: only a 所属長.
    "approvals/": _row(LOGIN, 403, 200, 403, 403),
    "approvals/reports/": _row(LOGIN, 403, 403, 403, 403),
    "approvals/reports/<int:pk>/": _row(LOGIN, 404, 404, 404, 403),
    "hr/supervisors/": _row(LOGIN, 403, 403, 200, 403),
    "hr/organisations/": _row(LOGIN, 403, 403, 200, 403),
    "hr/organisations/history/": _row(LOGIN, 403, 403, 200, 403),
    "hr/organisations/<int:pk>/": _row(LOGIN, 403, 403, 200, 403),
    "hr/supervisors/<int:pk>/end/": hr_only(),
    # Tests, surveys and reports: a trainee's own (the fixture's enrolment and attempt belong to
    # someone else, so every persona with trainee pages gets 404 — tests/assessments has 200s)
    "me/enrollments/<int:pk>/tasks/": _row(LOGIN, 404, 404, 404, 403),
    "me/enrollments/<int:pk>/tests/<int:test_pk>/start/": post(LOGIN, 404, 404, 404, 403),
    "me/enrollments/<int:pk>/surveys/<int:survey_pk>/": _row(LOGIN, 404, 404, 404, 403),
    "me/enrollments/<int:pk>/reports/<int:form_pk>/": _row(LOGIN, 404, 404, 404, 403),
    "me/attempts/<int:pk>/": _row(LOGIN, 404, 404, 404, 403),
    "me/attempts/<int:pk>/save/": post(LOGIN, 404, 404, 404, 403),
    "me/attempts/<int:pk>/result/": _row(LOGIN, 404, 404, 404, 403),
    # Training history: one's own (the auditor has no trainee pages)
    "me/history/": _row(LOGIN, 200, 200, 200, 403),
    "me/viewed-by/": _row(LOGIN, 200, 200, 200, 403),
    "me/history/export/": _row(LOGIN, 200, 200, 200, 403),
    # A trainee's whole history: HR anyone's, a coordinator their organisations' staff.
    "trainees/<int:pk>/history/": _row(LOGIN, 403, 200, 200, 403, 404),
    "trainees/<int:pk>/history/export/": _row(LOGIN, 403, 200, 200, 403, 404),
    "trainees/<int:pk>/history/records/new/": _row(LOGIN, 403, 403, 200, 403),
    "hr/history-records/<int:pk>/": _row(LOGIN, 403, 403, 200, 403),
    "hr/history-records/<int:pk>/remove/": hr_only(),
    # Dashboards: HR everything, a coordinator their organisations' numbers (another
    # department's cell is a 404; lists are filtered to their staff).
    "dashboards/": _row(LOGIN, 403, 200, 200, 403),
    "dashboards/completion/<int:course_pk>/<int:organisation_pk>/": _row(
        LOGIN, 403, 200, 200, 403, 404
    ),
    "dashboards/compliance/": _row(LOGIN, 403, 200, 200, 403),
    "dashboards/compliance/<int:pk>/": _row(LOGIN, 403, 200, 200, 403),
    "dashboards/compliance/<int:pk>/remind/": hr_only(),
    "dashboards/attendance/": _row(LOGIN, 403, 200, 200, 403),
    "dashboards/results/": _row(LOGIN, 403, 200, 200, 403),
    "dashboards/hours/": _row(LOGIN, 403, 200, 200, 403),
    # Certificates: the trainee's own (someone else's place is a 404), HR's, and the public
    # verification page (a made-up code is a 404 for everyone, logged in or not).
    "me/enrollments/<int:pk>/certificate/": _row(LOGIN, 404, 404, 404, 403),
    "hr/sessions/<int:pk>/certificates/": _row(LOGIN, 403, 403, 200, 403),
    "hr/certificates/issuer/": _row(LOGIN, 403, 403, 200, 403),
    "hr/certificates/issuer/seal/": _row(LOGIN, 403, 403, 200, 403),
    "hr/certificates/<int:pk>/": _row(LOGIN, 403, 403, 200, 403),
    "hr/certificates/<int:pk>/revoke/": hr_only(),
    "verify/<str:code>/": every(200),
    "hr/history-imports/": _row(LOGIN, 403, 403, 200, 403),
    "hr/history-imports/<int:pk>/": _row(LOGIN, 403, 403, 200, 403),
    "hr/history-imports/<int:pk>/confirm/": hr_only(),
    # HR builds and reads them
    "hr/courses/<int:pk>/tests/new/": _row(LOGIN, 403, 403, 200, 403),
    "hr/tests/<int:pk>/": _row(LOGIN, 403, 403, 200, 403),
    "hr/tests/<int:pk>/questions/new/": _row(LOGIN, 403, 403, 200, 403),
    "hr/tests/<int:pk>/questions/<int:question_pk>/": _row(LOGIN, 403, 403, 200, 403),
    "hr/tests/<int:pk>/questions/<int:question_pk>/delete/": hr_only(),
    "hr/tests/<int:pk>/questions/<int:question_pk>/move/": hr_only(),
    "hr/tests/<int:pk>/preview/": _row(LOGIN, 403, 403, 200, 403),
    "hr/tests/<int:pk>/results/": _row(LOGIN, 403, 403, 200, 403),
    "hr/tests/<int:pk>/results/export/": _row(LOGIN, 403, 403, 200, 403),
    "hr/tests/<int:pk>/bank/export/": _row(LOGIN, 403, 403, 200, 403),
    "hr/tests/<int:pk>/bank/import/": _row(LOGIN, 403, 403, 200, 403),
    "hr/attempts/<int:pk>/": _row(LOGIN, 403, 403, 200, 403),
    "hr/surveys/templates/": _row(LOGIN, 403, 403, 200, 403),
    "hr/courses/<int:pk>/survey/new/": _row(LOGIN, 403, 403, 200, 403),
    "hr/surveys/<int:pk>/": _row(LOGIN, 403, 403, 200, 403),
    "hr/surveys/<int:pk>/questions/new/": _row(LOGIN, 403, 403, 200, 403),
    "hr/surveys/<int:pk>/questions/<int:question_pk>/": _row(LOGIN, 403, 403, 200, 403),
    "hr/surveys/<int:pk>/questions/<int:question_pk>/delete/": hr_only(),
    "hr/surveys/<int:pk>/questions/<int:question_pk>/move/": hr_only(),
    "hr/surveys/<int:pk>/preview/": _row(LOGIN, 403, 403, 200, 403),
    "hr/surveys/<int:pk>/results/": _row(LOGIN, 403, 403, 200, 403),
    "hr/surveys/<int:pk>/export/": _row(LOGIN, 403, 403, 200, 403),
    "hr/surveys/<int:pk>/remind/": hr_only(),
    "hr/courses/<int:pk>/report-forms/<str:purpose>/": _row(LOGIN, 403, 403, 200, 403),
    "hr/courses/<int:pk>/reports/": _row(LOGIN, 403, 403, 200, 403),
    "hr/courses/<int:pk>/reports/export/": _row(LOGIN, 403, 403, 200, 403),
    "hr/reports/<int:pk>/": _row(LOGIN, 403, 403, 200, 403),
    # The department reviews its own staff's reports (another department's: 404)
    "coordinator/reports/": _row(LOGIN, 403, 200, 403, 403),
    "coordinator/reports/<int:pk>/": _row(LOGIN, 403, 200, 403, 403, 404),
    "coordinator/nominations/": _row(LOGIN, 403, 200, 403, 403),
    "coordinator/nominations/<int:pk>/withdraw/": post(LOGIN, 403, 302, 403, 403, 404),
    "coordinator/nominations/<int:pk>/substitute/": post(LOGIN, 403, 302, 403, 403, 404),
    "hr/sessions/<int:pk>/": _row(LOGIN, 403, 403, 200, 403),
    "hr/sessions/<int:pk>/decide/": hr_only(),
    "hr/sessions/<int:pk>/cancel/": _row(LOGIN, 403, 403, 200, 403),
    "hr/courses/<int:pk>/announce/": _row(LOGIN, 403, 403, 200, 403),
    "hr/announcements/<int:pk>/": _row(LOGIN, 403, 403, 200, 403),
    "hr/sessions/<int:pk>/export/<str:what>/": _row(LOGIN, 403, 403, 200, 403),
    "hr/sessions/<int:pk>/attendance-imports/": _row(LOGIN, 403, 403, 200, 403),
    "hr/attendance-imports/<int:pk>/": _row(LOGIN, 403, 403, 200, 403),
    "hr/attendance-imports/<int:pk>/confirm/": hr_only(),
    "hr/sessions/<int:pk>/status-imports/": _row(LOGIN, 403, 403, 200, 403),
    "hr/status-imports/<int:pk>/": _row(LOGIN, 403, 403, 200, 403),
    "hr/status-imports/<int:pk>/confirm/": hr_only(),
    "hr/sessions/<int:pk>/lottery/": hr_only(),
    "hr/sessions/<int:pk>/days/<int:day_pk>/attendance/": _row(LOGIN, 403, 403, 200, 403),
    "hr/sessions/<int:pk>/days/<int:day_pk>/attendance/all-present/": hr_only(),
    "hr/sessions/<int:pk>/days/<int:day_pk>/check-in/": _row(LOGIN, 403, 403, 200, 403),
    "hr/sessions/<int:pk>/days/<int:day_pk>/check-in/kiosk/": _row(LOGIN, 403, 403, 200, 403),
    "hr/sessions/<int:pk>/days/<int:day_pk>/sign-in-sheet.pdf": _row(LOGIN, 403, 403, 200, 403),
    "hr/change-requests/<int:pk>/decide/": hr_only(404),  # no such request
    "hr/enrollments/<int:pk>/": _row(LOGIN, 403, 403, 200, 403),
    "hr/enrollments/<int:pk>/cancel/": hr_only(),
    # Roster import (HR only) and the registry (HR all, coordinators their organisations)
    "hr/roster/": _row(LOGIN, 403, 403, 200, 403),
    "hr/roster/<int:pk>/": _row(LOGIN, 403, 403, 200, 403),
    "hr/roster/<int:pk>/commit/": hr_only(),
    "hr/roster/<int:pk>/problems.csv": _row(LOGIN, 403, 403, 200, 403),
    "hr/roster/<int:pk>/invite/": hr_only(),
    "trainees/": _row(LOGIN, 403, 200, 200, 403),
    "trainees/export/": _row(LOGIN, 403, 200, 200, 403),
    "trainees/<int:pk>/": _row(LOGIN, 403, 200, 200, 403, 404),
    "trainees/<int:pk>/invite/": hr_only(),
    # 職員情報登録・管理: HR only (a coordinator reads their staff's records, never writes them).
    "trainees/new/": _row(LOGIN, 403, 403, 200, 403),
    "trainees/<int:pk>/edit/": _row(LOGIN, 403, 403, 200, 403),
    "trainees/<int:pk>/transfer/": _row(LOGIN, 403, 403, 200, 403),
    "trainees/<int:pk>/status/": _row(LOGIN, 403, 403, 200, 403),
    "trainees/<int:pk>/planned-transfers/<int:plan_pk>/cancel/": hr_only(),
    # allauth: login, password reset, account and MFA management
    "accounts/login/": every(200),
    "accounts/logout/": logged_in(200),
    "accounts/inactive/": every(200),
    "accounts/signup/": every(200),
    "accounts/reauthenticate/": logged_in(200),
    # Reauthentication and login by e-mailed code are off: these send people back.
    "accounts/reauthenticate/code/": logged_in(200),
    "accounts/reauthenticate/code/confirm/": logged_in(200),
    "accounts/email/": logged_in(200),
    "accounts/confirm-email/": every(200),
    "accounts/password/change/": logged_in(200),
    "accounts/password/set/": logged_in(200),
    "accounts/password/reset/": every(200),
    "accounts/login/code/confirm/": logged_in(200),
    "accounts/^confirm-email/(?P<key>[-:\\w]+)/$": every(200),  # "invalid link" page
    "accounts/password/reset/key/done/": every(200),
    "accounts/^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$": every(200),
    "accounts/password/reset/done/": every(200),
    "accounts/2fa/": logged_in(200),
    "accounts/2fa/authenticate/": logged_in(200),  # only mid-login; others are sent on
    "accounts/2fa/reauthenticate/": logged_in(200),
    "accounts/2fa/totp/activate/": logged_in(200),
    # Without an authenticator (our trainee and coordinator) there is nothing to manage: 404.
    "accounts/2fa/totp/deactivate/": _row(LOGIN, 404, 404, 200, 200),
    "accounts/2fa/recovery-codes/": _row(LOGIN, 404, 404, 200, 200),
    "accounts/2fa/recovery-codes/generate/": logged_in(200),
    "accounts/2fa/recovery-codes/download/": _row(LOGIN, 404, 404, 200, 200),
    # Django admin (behind the allauth login)
    "admin/": admin(200),
    "admin/login/": admin(200),
    "admin/logout/": admin(405),
    "admin/password_change/": admin(200),
    "admin/password_change/done/": admin(200),
    "admin/autocomplete/": admin(200),
    "admin/jsi18n/": admin(200),
    "admin/r/<path:content_type_id>/<path:object_id>/": admin(404),
    "admin/^(?P<app_label>auth|account|audit|trainees|mfa|notices|courses|enrollments)/$": admin(
        200
    ),
    "admin/(?P<url>.*)$": admin(404),
    "admin/trainees/user/<id>/password/": admin(200),
    "admin/trainees/organisation/process_import/": admin(405),
    "admin/trainees/organisation/import/": admin(200),
    "admin/trainees/organisation/export/": admin(200),
    **admin_model(
        "auth/group", changelist=403, add=403, history=403, delete=403, change=403, redirect=403
    ),
    **admin_model(
        "account/emailaddress",
        changelist=403,
        add=403,
        history=403,
        delete=403,
        change=403,
        redirect=403,
    ),
    **admin_model(
        "mfa/authenticator",
        changelist=200,
        add=403,
        history=200,
        delete=200,
        change=200,
        redirect=200,
    ),
    **admin_model(
        "trainees/organisation",
        changelist=200,
        add=200,
        history=200,
        delete=403,
        change=200,
        redirect=200,
    ),
    **admin_model(
        "trainees/user", changelist=200, add=200, history=200, delete=403, change=200, redirect=200
    ),
    # The registry is read-only in the admin (it changes through the roster import).
    **admin_model(
        "trainees/trainee",
        changelist=200,
        add=403,
        history=200,
        delete=403,
        change=200,
        redirect=200,
    ),
    "admin/trainees/trainee/export/": admin(200),
    **admin_model(
        "trainees/rosterimport",
        changelist=200,
        add=403,
        history=200,
        delete=403,
        change=200,
        redirect=200,
    ),
    **admin_model(
        "notices/notificationtemplate",
        changelist=200,
        add=403,
        history=200,
        delete=403,
        change=200,
        redirect=200,
    ),
    **admin_model(
        "enrollments/organisationquota",
        changelist=200,
        add=200,
        history=200,
        delete=200,
        change=200,
        redirect=200,
    ),
    **admin_model(
        "courses/venue", changelist=200, add=200, history=200, delete=403, change=200, redirect=200
    ),
    **admin_model(
        "audit/accesslog",
        changelist=403,
        add=403,
        history=403,
        delete=403,
        change=403,
        redirect=403,
    ),
    **admin_model(
        "audit/auditevent",
        changelist=403,
        add=403,
        history=403,
        delete=403,
        change=403,
        redirect=403,
    ),
}


def url_patterns():
    """(pattern string, URLPattern) for every route, resolvers flattened."""

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield prefix + str(pattern.pattern), pattern

    return list(walk(get_resolver().url_patterns))


def test_every_url_pattern_has_a_row():
    patterns = {key for key, _ in url_patterns()}
    missing = sorted(patterns - MATRIX.keys())
    stale = sorted(MATRIX.keys() - patterns)
    assert not missing, f"URL patterns without a permission-matrix row: {missing}"
    assert not stale, f"Matrix rows for URL patterns that no longer exist: {stale}"


def concrete_urls(objects):
    """A real URL for each pattern, with the ids of existing objects where one is needed."""
    ids = {
        "auth/group": objects["group"].pk,
        "account/emailaddress": objects["emailaddress"].pk,
        "mfa/authenticator": objects["authenticator"].pk,
        "trainees/organisation": objects["organisation"].pk,
        "trainees/user": objects["user"].pk,
        "audit/accesslog": objects["accesslog"].pk,
        "audit/auditevent": objects["auditevent"].pk,
        "trainees/trainee": objects["trainee"].pk,
        "trainees/rosterimport": objects["import"].pk,
        "courses/venue": objects["venue"].pk,
        "enrollments/organisationquota": objects["quota"].pk,
        "notices/notificationtemplate": template_save(
            template=NotificationTemplate.for_kind("order"), actor=None
        ).pk,
    }
    urls = {}
    for key, pattern in url_patterns():
        if key == "admin/r/<path:content_type_id>/<path:object_id>/":
            ct = ContentType.objects.get_for_model(User)
            urls[key] = f"/admin/r/{ct.pk}/{objects['user'].pk}/"
        elif key.startswith("admin/") and "<path:object_id>" in key:
            prefix = key.split("/<path:object_id>")[0]
            urls[key] = "/" + key.replace(
                "<path:object_id>", str(ids[prefix.removeprefix("admin/")])
            )
        elif key == "admin/trainees/user/<id>/password/":
            urls[key] = f"/admin/trainees/user/{objects['user'].pk}/password/"
        elif key.startswith(("me/enrollments/", "coordinator/nominations/<", "hr/enrollments/")):
            urls[key] = "/" + key.replace("<int:pk>", str(objects["enrollment"].pk)).replace(
                "<int:test_pk>", str(objects["test"].pk)
            ).replace("<int:survey_pk>", str(objects["survey"].pk)).replace(
                "<int:form_pk>", str(objects["report"].form_id)
            )
        elif key.startswith("hr/tests/"):
            # Removing takes another question than moving (the POSTs run in URL order).
            questions = objects["test"].questions.order_by("position")
            question = questions.last() if key.endswith("/delete/") else questions.first()
            urls[key] = "/" + key.replace("<int:pk>", str(question.test_id)).replace(
                "<int:question_pk>", str(question.pk)
            )
        elif key.startswith("hr/surveys/<int:pk>"):
            questions = objects["survey"].questions.order_by("position")
            question = questions.last() if key.endswith("/delete/") else questions.first()
            urls[key] = "/" + key.replace("<int:pk>", str(question.survey_id)).replace(
                "<int:question_pk>", str(question.pk)
            )
        elif key.startswith(("hr/attempts/", "me/attempts/")):
            urls[key] = "/" + key.replace("<int:pk>", str(objects["attempt"].pk))
        elif key.startswith(("hr/reports/", "coordinator/reports/<", "approvals/reports/<")):
            urls[key] = "/" + key.replace("<int:pk>", str(objects["report"].pk))
        elif key == "hr/courses/<int:pk>/survey/new/":
            # A course without a survey: with one, the page redirects to the survey's own page,
            # whose refusal would hide a missing check here.
            urls[key] = f"/hr/courses/{objects['course_without_survey'].pk}/survey/new/"
        elif key == "hr/courses/<int:pk>/report-forms/<str:purpose>/":
            urls[key] = f"/hr/courses/{objects['session'].course_id}/report-forms/report/"
        elif key.startswith("hr/sessions/"):
            session = objects["session"]
            urls[key] = "/" + key.replace("<int:pk>", str(session.pk)).replace(
                "<int:day_pk>", str(session.days.first().pk)
            ).replace("<str:what>", "participants")
        elif key == "catalogue/sessions/<int:session_pk>/apply/":
            urls[key] = f"/catalogue/sessions/{objects['session'].pk}/apply/"
        elif key == "hr/change-requests/<int:pk>/decide/":
            urls[key] = "/hr/change-requests/1/decide/"
        elif key.startswith("hr/announcements/"):
            urls[key] = "/" + key.replace("<int:pk>", str(objects["announcement"].pk))
        elif key.startswith("hr/status-imports/"):
            urls[key] = "/" + key.replace("<int:pk>", str(objects["status_import"].pk))
        elif key.startswith("hr/attendance-imports/"):
            urls[key] = "/" + key.replace("<int:pk>", str(objects["attendance_import"].pk))
        elif key == "hr/courses/<int:pk>/announce/":
            urls[key] = f"/hr/courses/{objects['session'].course_id}/announce/"
        elif key.startswith("hr/orders/"):
            urls[key] = "/" + key.replace("<int:pk>", str(objects["order"].pk))
        elif key.startswith("hr/courses/<int:course_pk>/materials/"):
            material = objects["spare_material" if key.endswith("/delete/") else "material"]
            urls[key] = "/" + key.replace("<int:course_pk>", str(material.course_id)).replace(
                "<int:pk>", str(material.pk)
            )
        elif key.startswith("learn/materials/"):
            urls[key] = "/" + key.replace("<int:pk>", str(objects["material"].pk))
        elif key == "learn/courses/<int:pk>/":
            urls[key] = f"/learn/courses/{objects['material'].course_id}/"
        elif key.startswith("hr/courses/<int:course_pk>/sessions/"):
            session = objects["session"]
            urls[key] = "/" + key.replace("<int:course_pk>", str(session.course_id)).replace(
                "<int:pk>", str(session.pk)
            )
        elif key == "hr/venues/<int:pk>/":
            urls[key] = f"/hr/venues/{objects['venue'].pk}/"
        elif key == "hr/courses/<int:pk>/quotas/<int:quota_pk>/remove/":
            quota = objects["quota"]
            urls[key] = f"/hr/courses/{quota.course_id}/quotas/{quota.pk}/remove/"
        elif key == "hr/organisations/<int:pk>/":
            urls[key] = f"/hr/organisations/{objects['organisation'].pk}/"
        elif key == "hr/supervisors/<int:pk>/end/":
            urls[key] = f"/hr/supervisors/{objects['supervisor_post'].pk}/end/"
        elif key == "hr/notices/templates/<str:kind>/":
            urls[key] = "/hr/notices/templates/order/"
        elif "<int:member_pk>" in key:
            urls[key] = f"/hr/courses/{objects['session'].course_id}/targets/1/remove/"
        elif key.startswith("dashboards/completion/"):
            department = objects["organisation"]
            while department.parent_id:
                department = department.parent
            urls[key] = f"/dashboards/completion/{objects['session'].course_id}/{department.pk}/"
        elif key.startswith("dashboards/compliance/<int:pk>"):
            urls[key] = "/" + key.replace("<int:pk>", str(objects["session"].course_id))
        elif key == "trainees/<int:pk>/planned-transfers/<int:plan_pk>/cancel/":
            plan = objects["planned_transfer"]
            urls[key] = f"/trainees/{plan.trainee_id}/planned-transfers/{plan.pk}/cancel/"
        elif key == "trainees/<int:pk>/erase/":
            urls[key] = f"/trainees/{objects['trainee'].pk}/erase/"
        elif key == "audit/deletion-reports/<int:pk>.<str:file_format>":
            urls[key] = f"/audit/deletion-reports/{objects['deletion_report'].pk}.pdf"
        elif key == "audit/findings/<int:pk>/review/":
            urls[key] = f"/audit/findings/{objects['finding'].pk}/review/"
        elif key == "audit/reports/<int:pk>.<str:file_format>":
            urls[key] = f"/audit/reports/{objects['monthly_report'].pk}.pdf"
        elif key.startswith("hr/history-imports/<int:pk>"):
            urls[key] = "/" + key.replace("<int:pk>", str(objects["history_import"].pk))
        elif key.startswith("jobs/<int:pk>/"):
            urls[key] = "/" + key.replace("<int:pk>", str(objects["job"].pk))
        elif key.startswith("hr/certificates/<int:pk>"):
            urls[key] = "/" + key.replace("<int:pk>", str(objects["certificate"].pk))
        elif key == "verify/<str:code>/":
            urls[key] = reverse(
                "certificate_verify", args=[verification_code(objects["certificate"])]
            )
        elif key.startswith("hr/history-records/"):
            urls[key] = "/" + key.replace("<int:pk>", str(objects["history_record"].pk))
        elif key == "inbox/<int:pk>/read/":
            urls[key] = f"/inbox/{objects['others_notice'].pk}/read/"
        elif "<int:pk>" in key:
            pk = {"trainees/": objects["trainee"].pk, "hr/courses/": objects["session"].course_id}
            pk = next(
                (v for prefix, v in pk.items() if key.startswith(prefix)), objects["import"].pk
            )
            urls[key] = "/" + key.replace("<int:pk>", str(pk))
        elif key == "admin/autocomplete/":
            urls[key] = (
                "/admin/autocomplete/?app_label=trainees&model_name=organisation&field_name=parent"
            )
        elif key.startswith("admin/^(?P<app_label>"):
            urls[key] = "/admin/trainees/"
        elif key == "admin/(?P<url>.*)$":
            urls[key] = "/admin/no-such-page/"
        elif key == "accounts/^confirm-email/(?P<key>[-:\\w]+)/$":
            urls[key] = "/accounts/confirm-email/not-a-key/"
        elif key.startswith("accounts/^password/reset/key/"):
            urls[key] = "/accounts/password/reset/key/1-not-a-token/"
        else:
            name = pattern.name
            namespace = (
                "audit:"
                if key.startswith("audit/")
                and key not in ("audit/who-viewed/", "audit/deletion-reports/")
                else ("admin:" if key.startswith("admin/") else "")
            )
            urls[key] = reverse(namespace + name)
    return urls


def outcome(client: Client, url: str):
    response = client.get(url, follow=True)
    if response.redirect_chain and response.request["PATH_INFO"] == reverse("account_login"):
        return LOGIN
    return response.status_code


def post_outcome(client: Client, url: str):
    """The first answer to an empty POST (a redirect to the login page is LOGIN)."""
    response = client.post(url)
    if response.status_code == 302 and response["Location"].startswith(reverse("account_login")):
        return LOGIN
    return response.status_code


REFUSALS = (LOGIN, 403, 404)
# Refusals given before the method check; a 404 for an object comes after it.
ROLE_REFUSALS = (LOGIN, 403)


def _assessment_objects(session, enrollment):
    """A test with an attempt, a survey and a submitted report on a form with review — all
    the fixture enrolment's (a trainee of the coordinator's organisation)."""
    test = make_test(session.course)
    form = make_form(session.course, review=True)
    report_values = {str(f.pk): "済" if f.kind == "text" else "3" for f in form.fields.all()}
    return {
        "test": test,
        "attempt": assessment_services.attempt_start(test=test, enrollment=enrollment, actor=None),
        "survey": make_survey(session.course),
        "report": assessment_services.report_save(
            form=form, enrollment=enrollment, answers=report_values, submit=True, actor=None
        ),
    }


def _finished_job(owner):
    job = Job.objects.create(kind="certificates", owner=owner, title="修了証", state="done",
                             permission=HR_CONSOLE, file_name="certificates.zip")  # fmt: skip
    job.file.save("certificates.zip", ContentFile(b"PK"), save=True)
    return job


def _certificate_objects(session):
    """A certificate (of a completed place), a finished ZIP of the session's, and a seal."""
    place = enrol(TraineeFactory(), session)
    completed(place)
    certificate = certificate_issue(enrollment=place, actor=None)
    authority_save(name="人材育成センター所長", seal=SEAL_PNG, actor=None)
    history_import = HistoryImport.objects.create(file_name="past.csv", sha256="0" * 64,
                                                  status="invalid")  # fmt: skip
    return {"certificate": certificate, "history_import": history_import}


@pytest.fixture
def matrix_objects(trainee, coordinator, hr_admin, auditor, organisation, private_storage):
    session = SessionFactory()
    # The day's check-in code exists, so the kiosk answers itself instead of redirecting to the
    # code page (whose own refusal would hide a missing check on the kiosk).
    check_in_code_for(session.days.get())
    enrollment = enrol(TraineeFactory(organisation=organisation), session)
    outsider = UserFactory(
        username="200002", full_name="土木 次郎", roles=[Role.COORDINATOR, Role.TRAINEE]
    )
    outsider.coordinated_organisations.add(OrganisationFactory(code="150000", name="土木部"))
    in_scope = TraineeFactory(organisation=organisation)
    return {
        "history_record": history_record_add(
            trainee=in_scope, data=RECORD, reason="派遣研修", actor=None
        ),
        **_certificate_objects(session),
        "group": Group.objects.get(name="trainee"),
        "emailaddress": trainee.emailaddress_set.get(),
        "authenticator": Authenticator.objects.filter(user=hr_admin).first(),
        "organisation": organisation,
        "user": trainee,
        "accesslog": AccessLog.objects.create(
            request_id="00000000-0000-0000-0000-000000000001",
            method="GET",
            path="/",
            status_code=200,
            duration_ms=1.0,
        ),
        "auditevent": AuditEvent.objects.create(kind="login.failed", login_id="x"),
        "finding": Finding.objects.create(
            day=datetime.date(2026, 11, 11), category="off_hours", key="300001", count=1
        ),
        "deletion_report": DeletionReport.objects.create(
            ran_by="command", basis="retention", pdf=b"%PDF-1.4", csv=b"\xef\xbb\xbf"
        ),
        "monthly_report": MonthlyReport.objects.create(
            month=datetime.date(2026, 11, 1), pdf=b"%PDF-1.4", csv=b"\xef\xbb\xbf"
        ),
        "trainee": in_scope,
        "import": RosterImportFactory(),
        "session": session,
        "material": add_material(session.course, name="handout.pdf", content=SAMPLE_PDF),
        "spare_material": add_material(session.course, name="spare.pdf", content=SAMPLE_PDF),
        "enrollment": enrollment,
        "quota": OrganisationQuota.objects.create(
            course=session.course, organisation=organisation, limit=3
        ),
        "venue": VenueFactory(),
        "planned_transfer": PlannedTransfer.objects.create(
            trainee=in_scope,
            organisation=OrganisationFactory(code="160000"),
            effective_on=datetime.date(2099, 4, 1),
            reason="異動",
        ),
        "supervisor_post": SupervisorPost.objects.create(
            organisation=organisation, holder=in_scope, starts_on=datetime.date(2026, 4, 1)
        ),
        # A notice in the fixture enrolment's trainee's own inbox: nobody else's to mark read.
        "job": _finished_job(hr_admin),
        "others_notice": Notice.objects.create(
            user=UserFactory(username="399999"), kind="info", title="x", body="x"
        ),
        **_assessment_objects(session, enrollment),
        "course_without_survey": CourseFactory(),
        "order": TrainingOrderFactory(),
        "announcement": Announcement.objects.create(course=session.course, subject="x", body="x"),
        "status_import": PlaceStatusImport.objects.create(
            session=session, file_name="list.csv", sha256="0" * 64, status="invalid"
        ),
        "attendance_import": AttendanceImport.objects.create(
            session=session, file_name="sheet.csv", sha256="0" * 64, status="invalid"
        ),
        "personas": {
            "anonymous": None,
            "trainee": trainee,
            "coordinator": coordinator,
            "hr_admin": hr_admin,
            "auditor": auditor,
            "outsider": outsider,
        },
    }


@pytest.mark.parametrize("persona", PERSONAS)
def test_permission_matrix(persona, matrix_objects):
    client = Client()
    user = matrix_objects["personas"][persona]
    if user is not None:
        client.force_login(user)
    column = PERSONAS.index(persona)
    urls = concrete_urls(matrix_objects)
    only = os.environ.get("MATRIX_VIEW")
    if only:  # the mutation check (scripts/permission_mutations.py): one view's rows
        views = {key: f"{p.callback.__module__}.{p.callback.__name__}" for key, p in url_patterns()}
        urls = {key: url for key, url in urls.items() if views.get(key) == only}
        assert urls, f"no URL routes to {only}"
    mismatches = []
    # GET rows first: the POSTs change things (a material deleted, a place cancelled).
    for key, url in sorted(
        urls.items(), key=lambda item: (isinstance(MATRIX[item[0]], Post), item)
    ):
        row = MATRIX[key]
        expected = row[column]
        if isinstance(row, Post):
            # The permission check runs first: a GET gets the same refusal, or 405 if allowed.
            wrong_method = outcome(client, url)
            if wrong_method != (expected if expected in ROLE_REFUSALS else 405):
                mismatches.append(f"GET {url} ({key}): got {wrong_method} (POST-only)")
            actual = post_outcome(client, url)
        else:
            actual = outcome(client, url)
        if actual != expected:
            mismatches.append(f"{url} ({key}): expected {expected}, got {actual}")
        if persona != "anonymous" and not client.session.session_key:
            client.force_login(user)  # a logout page must not end the rest of the walk
    assert not mismatches, f"{persona}:\n" + "\n".join(mismatches)


# Our own views refuse the wrong HTTP method with 405 — to those the page is for; anyone else
# gets the page's own refusal first (the permission check runs before the method check).
WRONG_METHODS = [
    ("post", "home", ""),
    ("post", "trainee_home", "me/"),
    ("post", "coordinator_home", "coordinator/"),
    ("post", "hr_home", "hr/"),
    ("post", "audit:home", "audit/"),
    ("post", "audit:access_log", "audit/access-log/"),
    ("post", "audit:events", "audit/events/"),
    ("post", "audit:findings", "audit/findings/"),
    ("post", "audit:reports", "audit/reports/"),
    ("post", "audit:checklist", "audit/checklist/"),
    ("get", "audit:report_make", "audit/reports/make/"),
    ("post", "healthz", "healthz"),
    ("get", "set_language", None),  # no login needed: 405 for everyone
    ("delete", "trainee_home", "me/"),
]


@pytest.mark.parametrize(("method", "name", "key"), WRONG_METHODS)
@pytest.mark.parametrize("persona", ["anonymous", "auditor", "hr_admin"])
def test_wrong_method_is_405(method, name, key, persona, matrix_objects):
    client = Client()
    user = matrix_objects["personas"][persona]
    if user is not None:
        client.force_login(user)
    response = getattr(client, method)(reverse(name))
    allowed = MATRIX[key][PERSONAS.index(persona)] if key is not None else 200
    if allowed == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    elif allowed in REFUSALS:
        assert response.status_code == allowed
    else:
        assert response.status_code == 405


# What a GET may write: the access log and the session (the middleware's), and the audit
# records of a read (an export's event, whose data was seen: audit_subjectview).
GET_MAY_WRITE = ("audit_accesslog", "django_session", "audit_auditevent", "audit_subjectview")
_WRITE = re.compile(r'^\s*(INSERT INTO|UPDATE|DELETE FROM)\s+"?(\w+)"?', re.IGNORECASE)


@pytest.mark.parametrize("persona", ["trainee", "coordinator", "hr_admin", "auditor"])
def test_no_page_writes_on_get(persona, matrix_objects):
    """Issue 19, section 2: a GET reads. Every page a persona may open is walked, and any
    INSERT, UPDATE or DELETE other than the access log's, the session's and an audit event's
    is named (a page that wrote on GET — closing expired attempts before the results — wrote
    whenever a browser prefetched it)."""
    client = Client()
    client.force_login(matrix_objects["personas"][persona])
    column = PERSONAS.index(persona)
    writes = []
    for key, url in sorted(concrete_urls(matrix_objects).items()):
        row = MATRIX[key]
        if isinstance(row, Post) or row[column] != 200 or key.startswith(("admin/", "accounts/")):
            continue
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        for query in queries.captured_queries:
            match = _WRITE.match(query["sql"])
            if match and match.group(2) not in GET_MAY_WRITE:
                writes.append(f"GET {url} ({key}): {match.group(1)} {match.group(2)}")
    assert not writes, "\n".join(sorted(set(writes)))
