"""Demo training history for ``seed_demo``: 情報セキュリティ研修 (S01) held in each of the last
four fiscal years with places completed, a few absent (with reasons) and cancelled, and the
standard survey answered — so My history, the registry's history pages and every dashboard
show several years. This year's S01 gets its target list (every ward employee) for the
compliance dashboard, and HR's records of training outside the portal: the demo trainee's
市町村アカデミー course among them. Places are written directly (no order notices for years
long past)."""

from __future__ import annotations

import datetime
import io
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from assessments import services as assessment_services
from courses.models import (
    Category,
    Course,
    CourseKind,
    DeliveryMode,
    Room,
    Session,
    TargetRule,
    current_fiscal_year,
)
from enrollments.models import (
    AttendanceMark,
    Enrollment,
    Status,
)
from enrollments.services import (
    attendance_record,
    enrollment_cancel,
    enrollments_stamp_organisation,
    order_issue,
    target_list_freeze,
)
from jobs.models import Job
from portal.demo_assessments import _survey, _template, course_with_session
from reports.services import (
    authority_current,
    authority_save,
    certificate_batch_start,
    history_record_add,
)
from trainees.models import Trainee, User

OUTSIDE = [
    # (login of the trainee or None for the n-th ward employee, years ago, title, provider, hours)
    ("300001", 2, "政策法務研修", "市町村職員中央研修所（市町村アカデミー）", Decimal("30.0")),
    (None, 3, "第2部特別課程", "自治大学校", Decimal("180.0")),
    (None, 1, "東京都職員研修所 係長級研修", "東京都職員研修所", Decimal("12.0")),
]


def _past_course(year: int, room: Room | None) -> Session:
    return course_with_session(
        Course(
            fiscal_year=year, code="S01", title="情報セキュリティ研修",
            category=Category.SPECIALIST, kind=CourseKind.ORDERED,
            delivery=DeliveryMode.CLASSROOM, requires_attendance=True, valid_for_months=12,
            description="標的型メール、パスワード管理、個人情報の持ち出し。",
        ),
        datetime.date(year, 6, 10),
        room,
    )  # fmt: skip


def _seal() -> bytes:
    """A round red seal (印影) for the demo certificates."""
    image = Image.new("RGBA", (240, 240), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    red = (200, 30, 30, 255)
    draw.ellipse((8, 8, 232, 232), outline=red, width=14)
    draw.ellipse((40, 40, 200, 200), outline=red, width=6)
    draw.line((120, 52, 120, 188), fill=red, width=10)
    draw.line((60, 120, 180, 120), fill=red, width=10)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@transaction.atomic
def seed_history() -> None:
    year = current_fiscal_year()
    if authority_current() is None:
        authority_save(name="新宿区人材育成センター所長", seal=_seal(), actor=None)
    if Course.objects.filter(code="S01", fiscal_year=year - 1).exists():
        return
    rng = random.Random(13)  # noqa: S311 - a reproducible demo, not a secret
    room = Room.objects.filter(name="5階 研修室A").first()
    ward = list(Trainee.objects.filter(is_external=False).order_by("staff_number"))
    template = _template()
    for offset, mood in ((4, 3), (3, 2), (2, 2), (1, 1)):  # satisfaction rising year by year
        session = _past_course(year - offset, room)
        course = session.course
        day = session.days.get()
        # HR ordered every ward employee; a few places were cancelled by HR before the day;
        # on the day HR took attendance (present, or absent), and completion followed from it.
        order_issue(session=session, trainee_ids=[t.pk for t in ward], actor=None)
        marks = {}
        for place in Enrollment.objects.filter(session=session).order_by("trainee__staff_number"):
            roll = rng.random()
            if roll < 0.06:
                enrollment_cancel(enrollment=place, actor=None, by_hr=True, reason="業務都合")
            else:
                marks[place.pk] = AttendanceMark.ABSENT if roll < 0.2 else AttendanceMark.PRESENT
        attendance_record(day=day, marks=marks, actor=None)
        survey = assessment_services.survey_from_template(
            template=template, course=course, actor=None
        )
        for place in Enrollment.objects.filter(course=course, status=Status.CONFIRMED)[:12]:
            _survey(place, survey, rng, mood=mood)
    # Every place of a session begun remembers its organisation of the day.
    enrollments_stamp_organisation(today=timezone.localdate())
    # This year's 情報セキュリティ研修 is compulsory for every ward employee.
    current = Course.objects.filter(fiscal_year=year, code="S01").first()
    if current is not None:
        # Next to be trained: whoever has no completion valid beyond the next 60 days.
        TargetRule.objects.get_or_create(course=current, defaults={"renewal_within_days": 60})
        target_list_freeze(course=current, actor=None)
    for login, years_ago, title, provider, hours in OUTSIDE:
        someone: Trainee | None = (
            Trainee.objects.filter(user__username=login).first()
            if login
            else ward[(len(ward) // 2 + years_ago) % len(ward)]
        )
        if someone is None:
            continue
        fiscal_year = year - years_ago
        history_record_add(
            trainee=someone,
            data={
                "fiscal_year": fiscal_year,
                "title": title,
                "provider": provider,
                "category": Category.SECONDMENT,
                "started_on": datetime.date(fiscal_year, 10, 6),
                "ended_on": datetime.date(fiscal_year, 10, 10),
                "hours": hours,
                "outcome": "completed",
                "note": "",
            },
            reason="派遣研修の修了証を確認して登録",
            actor=None,
        )


def seed_certificate_job() -> None:
    """HR asked for last year's 情報セキュリティ研修 certificates as one PDF: a finished
    background job (its page, its file, the notice in 100001's inbox)."""
    hr = User.objects.filter(username="100001").first()
    session = (
        Session.objects.filter(course__code="S01", course__fiscal_year=current_fiscal_year() - 1)
        .select_related("course")
        .first()
    )
    if hr is None or session is None or Job.objects.filter(owner=hr).exists():
        return
    certificate_batch_start(session=session, file_format="pdf", actor=hr)
