"""Demo courses for ``seed_demo``: this fiscal year's programme at the ward office."""

from __future__ import annotations

import csv
import datetime
import io
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from courses import services as course_services
from courses.models import (
    ApprovalRoute,
    Category,
    Course,
    CourseKind,
    DeliveryMode,
    NoAnswer,
    Room,
    Selection,
    Session,
    Venue,
    current_fiscal_year,
)
from enrollments.attendance_import import attendance_import_commit, attendance_import_preview
from enrollments.models import AttendanceMark, Audience, Enrollment, Status, TrainingOrder
from enrollments.selectors import session_list
from enrollments.services import (
    announcement_send,
    attendance_record,
    enrollment_apply,
    enrollment_nominate,
    order_issue,
    reminders_send,
    session_cancel,
    session_save,
)
from learning.materials import inspect_upload
from learning.models import Material
from learning.services import material_add
from notices.models import Notice
from notices.services import notices_send
from portal.demo_assessments import course_with_session
from progress.services import completion_refresh_due
from trainees.models import Trainee, User
from trainees.selectors import trainee_scope
from trainees.supervisors import supervisor_appoint


@transaction.atomic
def seed_courses() -> None:
    year = current_fiscal_year()
    venue, _ = Venue.objects.get_or_create(
        name="区役所本庁舎", defaults={"address": "東京都新宿区歌舞伎町1-4-1"}
    )
    room, _ = Room.objects.get_or_create(venue=venue, name="5階 研修室A", defaults={"capacity": 60})
    # (code, title, category, kind, delivery, [(first day, number of days)], capacity)
    programme = [
        ("K01", "新規採用職員研修（前期）", Category.HIERARCHICAL, CourseKind.ORDERED,
         DeliveryMode.CLASSROOM,
         [(datetime.date(year, 4, 7), 2), (datetime.date(year, 4, 14), 2)], 60),
        ("S01", "情報セキュリティ研修", Category.SPECIALIST, CourseKind.ORDERED,
         DeliveryMode.ELEARNING, [(datetime.date(year, 6, 1), 1)], 4000),
        ("E03", "接遇・コミュニケーション研修", Category.ELECTIVE, CourseKind.OPEN,
         DeliveryMode.CLASSROOM,
         [(datetime.date(year, 6, 10), 1), (datetime.date(year, 7, 8), 1)], 30),
    ]  # fmt: skip
    for code, title, category, kind, delivery, sessions, capacity in programme:
        if Course.objects.filter(fiscal_year=year, code=code).exists():
            continue
        course = course_services.course_save(
            course=Course(
                fiscal_year=year, code=code, title=title, category=category, kind=kind,
                delivery=delivery, requires_materials=delivery == DeliveryMode.ELEARNING,
                requires_attendance=delivery != DeliveryMode.ELEARNING, requires_report=True,
                completion_deadline=(
                    datetime.date(year, 9, 30) if delivery == DeliveryMode.ELEARNING else None
                ),
                # 情報セキュリティ研修 is to be taken again every year (有効期限).
                valid_for_months=12 if code == "S01" else None,
            ),
            actor=None,
        )  # fmt: skip
        for number, (first_day, length) in enumerate(sessions, start=1):
            session_save(
                session=Session(
                    course=course, number=number, capacity=capacity, room=room,
                    application_opens_at=_at(first_day - datetime.timedelta(days=35), 9),
                    application_closes_at=_at(first_day - datetime.timedelta(days=14), 17),
                    instructor="人材育成センター",
                ),
                days=[
                    {"id": None, "date": first_day + datetime.timedelta(days=offset),
                     "starts_at": datetime.time(9, 30), "ends_at": datetime.time(17, 0)}
                    for offset in range(length)
                ],
                actor=None,
            )  # fmt: skip


def seed_notices() -> None:
    """A first message in every demo account's inbox."""
    if Notice.objects.exists():
        return
    notices_send(
        user_ids=User.objects.filter(is_active=True).values_list("id", flat=True),
        kind="info",
        title="研修管理システムの利用開始について",
        body="人材育成センターです。今年度から研修の申込・受講・報告はこのシステムで行います。"
        "研修命令や受講決定の通知もこの受信箱とメールでお届けします。",
    )


# A minimal one-page PDF (the demo handout); real handouts are uploaded by HR.
HANDOUT = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R"
    b"/Resources<</Font<</F1 5 0 R>>>>>>endobj\n"
    b"4 0 obj<</Length 62>>stream\nBT /F1 24 Tf 72 760 Td (Information security handbook) Tj ET\n"
    b"endstream endobj\n5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def seed_elearning() -> None:
    """情報セキュリティ研修 as e-learning: a video, a PDF and a link, ordered to the demo
    accounts' registry records (their order is in the inbox and var/mail/)."""
    course = Course.objects.filter(fiscal_year=current_fiscal_year(), code="S01").first()
    if course is None or Material.objects.filter(course=course).exists():
        return
    video = Path(__file__).parent / "demo_data" / "introduction.webm"
    for name, content, title in (
        ("introduction.webm", video.read_bytes(), "情報セキュリティの基本（動画・20秒）"),
        ("handbook.pdf", HANDOUT, "情報セキュリティハンドブック"),
    ):
        upload = SimpleUploadedFile(name, content)
        material_add(
            course=course, title=title, upload=upload, inspected=inspect_upload(upload),
            actor=None,
        )  # fmt: skip
    material_add(
        course=course,
        title="国民のためのサイバーセキュリティサイト（総務省）",
        url="https://www.soumu.go.jp/main_sosiki/cybersecurity/kokumin/",
        actor=None,
    )
    session = course.sessions.first()
    if session and not TrainingOrder.objects.filter(course=course).exists():
        trainees = Trainee.objects.filter(user__isnull=False).values_list("id", flat=True)
        order_issue(session=session, trainee_ids=list(trainees), actor=None)


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def seed_open_courses() -> None:
    """Two 応募研修 taking applications now (dates relative to today): one decided by HR with
    nominations and applications waiting for the lottery, one first come, first served."""
    today = timezone.localdate()
    year = current_fiscal_year()
    venue = Venue.objects.get(name="区役所本庁舎")
    room = Room.objects.get(venue=venue, name="5階 研修室A")
    made = []
    for code, title, selection, capacity, days_ahead in (
        ("E05", "ファシリテーション研修", Selection.HR_DECISION, 3, 30),
        ("E06", "文書事務研修", Selection.FIRST_COME, 2, 40),
    ):
        first_day = today + datetime.timedelta(days=days_ahead)
        if Course.objects.filter(fiscal_year=year, code=code).exists():
            continue
        course = course_services.course_save(
            course=Course(
                fiscal_year=year, code=code, title=title, category=Category.ELECTIVE,
                kind=CourseKind.OPEN, delivery=DeliveryMode.CLASSROOM, selection=selection,
                requires_attendance=True,
            ),
            actor=None,
        )  # fmt: skip
        session = session_save(
            session=Session(
                course=course, number=1, capacity=capacity, room=room,
                # Office hours: applications open at 9:00 and close at 17:00.
                application_opens_at=_at(today - datetime.timedelta(days=7), 9),
                application_closes_at=_at(today + datetime.timedelta(days=14), 17),
                cancellation_deadline=_at(first_day - datetime.timedelta(days=3), 17),
                instructor="外部講師", notes="筆記用具をお持ちください。",
            ),
            days=[{"id": None, "date": first_day, "starts_at": datetime.time(13, 30),
                   "ends_at": datetime.time(17, 0)}],
            actor=None,
        )  # fmt: skip
        made.append(session)
    if not made or made[0].course.code != "E05":
        return
    session = made[0]
    coordinator = User.objects.filter(username="200001").first()
    staff = Trainee.objects.filter(user__isnull=False).exclude(
        user__username__in=["100001", "100002", "200001", "300001"]
    )
    if coordinator is not None:
        for priority, trainee in enumerate(staff.filter(pk__in=trainee_scope(coordinator))[:2], 1):
            enrollment_nominate(
                session=session, trainee=trainee, actor=coordinator, priority=priority
            )
    for trainee in staff.exclude(enrollments__session=session)[:3]:
        enrollment_apply(session=session, trainee=trainee, actor=trainee.user)


def seed_cancelled_session() -> None:
    """An ordinary month (issue 22): HR cancelled a session because of a typhoon warning and
    named a replacement — 区民 花子 (300001) finds the notice in her inbox and a button to move;
    the replacement's afternoon was then moved to the morning, and the person on it was told
    old → new. Done through the services HR's pages use."""
    year = current_fiscal_year()
    if Course.objects.filter(fiscal_year=year, code="E07").exists():
        return
    today = timezone.localdate()
    hr = User.objects.filter(username="100001").first()
    room = Room.objects.get(venue__name="区役所本庁舎", name="5階 研修室A")
    course = course_services.course_save(
        course=Course(
            fiscal_year=year, code="E07", title="メンタルヘルス研修（セルフケア）",
            category=Category.ELECTIVE, kind=CourseKind.OPEN, delivery=DeliveryMode.CLASSROOM,
            selection=Selection.FIRST_COME, requires_attendance=True,
        ),
        actor=None,
    )  # fmt: skip
    sessions = []
    for number, days_ahead in ((1, 5), (2, 26)):
        day = today + datetime.timedelta(days=days_ahead)
        sessions.append(session_save(
            session=Session(
                course=course, number=number, capacity=20, room=room,
                application_opens_at=_at(today - datetime.timedelta(days=14), 9),
                application_closes_at=_at(day - datetime.timedelta(days=2), 17),
                instructor="産業医",
            ),
            days=[{"id": None, "date": day, "starts_at": datetime.time(13, 30),
                   "ends_at": datetime.time(16, 30)}],
            actor=None,
        ))  # fmt: skip
    first, second = sessions
    applicants = list(
        Trainee.objects.filter(user__isnull=False)
        .exclude(user__username__in=["100001", "100002", "200001"])
        .order_by("staff_number")[:3]
    )
    hanako = Trainee.objects.filter(user__username="300001").first()
    for trainee in [t for t in [hanako, *applicants] if t is not None][:3]:
        enrollment_apply(session=first, trainee=trainee, actor=trainee.user)
    if applicants:
        enrollment_apply(session=second, trainee=applicants[-1], actor=applicants[-1].user)
    session_cancel(session=first, reason="台風接近に伴う警報発令の見込みのため",
                   replacement=second, actor=hr)  # fmt: skip
    second.refresh_from_db()
    moved = second.days.get()
    session_save(session=second, days=[{"id": moved.pk, "date": moved.date,
                                        "starts_at": datetime.time(9, 30),
                                        "ends_at": datetime.time(12, 30)}], actor=hr)  # fmt: skip
    announcement_send(
        course=course, session=None, audience=[Audience.CONFIRMED, Audience.WAITLISTED],
        subject="【お知らせ】{course}の事前アンケート",
        body="{name} 様\n\n{course}（{session}、{dates}）の前に、職場のストレスについての簡単な"
             "アンケートにお答えください。当日の演習で使います。\n\n{portal_link}\n\n人材育成センター",
        actor=hr,
    )  # fmt: skip


def seed_completion() -> None:
    """What the nightly job would have worked out (past sessions not completed)."""
    completion_refresh_due()


def seed_attendance_sheet() -> None:
    """An ordinary month (issue 22): a two-day course that asks for 75 % of the hours; the
    paper sign-in sheet came back from the venue and HR uploaded it (出欠の一括取込) — most
    present, one absent a day (not completed), one an hour late (completed: 93 %). Done
    through the sheet HR downloads and the import HR's pages use."""
    year = current_fiscal_year()
    if Course.objects.filter(fiscal_year=year, code="M02").exists():
        return
    hr = User.objects.filter(username="100001").first()
    room = Room.objects.get(venue__name="区役所本庁舎", name="5階 研修室A")
    course = course_services.course_save(
        course=Course(
            fiscal_year=year, code="M02", title="係長級マネジメント研修",
            category=Category.HIERARCHICAL, kind=CourseKind.ORDERED,
            delivery=DeliveryMode.CLASSROOM, requires_attendance=True, attendance_share=75,
            description="部下育成、業務改善、チームづくり。2日間の時間の75%以上の出席で修了。",
        ),
        actor=None,
    )  # fmt: skip
    first = timezone.localdate() - datetime.timedelta(days=20)
    session = session_save(
        session=Session(course=course, number=1, capacity=30, room=room, instructor="外部講師"),
        days=[{"id": None, "date": first + datetime.timedelta(days=offset),
               "starts_at": datetime.time(9, 30), "ends_at": datetime.time(17, 0)}
              for offset in (0, 1)],
        actor=None,
    )  # fmt: skip
    staff = list(Trainee.objects.filter(is_external=False).order_by("-staff_number")[:8])
    order_issue(session=session, trainee_ids=[t.pk for t in staff], actor=hr)
    _header, rows = session_list(session, "sheet")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(_header)
    for index, row in enumerate(rows):
        person, day = divmod(index, 2)
        mark, minutes = "○", ""
        if person == 1 and day == 1:
            mark = "×"  # absent on the second day: 50 % of the hours
        elif person == 2 and day == 0:
            mark, minutes = "遅刻", "６０"  # an hour late: 810 of 900 minutes
        writer.writerow([*row[:5], mark, minutes])
    data = out.getvalue().encode("cp932")
    record = attendance_import_preview(session=session, data=data, file_name="出欠表_M02.csv",
                                       uploaded_by=hr)  # fmt: skip
    attendance_import_commit(record=record, actor=hr)


def seed_renewals() -> None:
    """An ordinary month (issue 22): 普通救命講習 is valid for three years; those who took it
    three years ago (less 20 days) see 有効期限 in their history and got the reminder a month
    before it expires — the nightly reminder run, through the services HR's pages use."""
    today = timezone.localdate()
    taken = today - datetime.timedelta(days=3 * 365 - 20)
    year = taken.year if taken.month >= 4 else taken.year - 1
    if Course.objects.filter(fiscal_year=year, code="Q01").exists():
        return
    session = course_with_session(
        Course(
            fiscal_year=year, code="Q01", title="普通救命講習", category=Category.SPECIALIST,
            kind=CourseKind.ORDERED, delivery=DeliveryMode.CLASSROOM, requires_attendance=True,
            valid_for_months=36, remind_days_before_expiry=30,
            description="心肺蘇生法とAEDの使い方。修了の有効期間は3年間です。",
        ),
        taken,
        Room.objects.filter(name="5階 研修室A").first(),
    )  # fmt: skip
    staff = list(
        Trainee.objects.filter(is_external=False, user__isnull=False).order_by("staff_number")[:6]
    )
    order_issue(session=session, trainee_ids=[t.pk for t in staff], actor=None)
    places = Enrollment.objects.filter(session=session, status=Status.CONFIRMED)
    attendance_record(day=session.days.get(), marks=dict.fromkeys(
        places.values_list("id", flat=True), AttendanceMark.PRESENT), actor=None)  # fmt: skip
    reminders_send(today=today)


def seed_approvals() -> None:
    """所属長承認 (issue 22): HR has appointed 地域 課長 (400001) 所属長 of 福祉部 地域福祉課 with
    遠藤 裕子 as deputy, and 鈴木 裕子 所属長 of 福祉政策課; the course コーチング研修 asks for the
    supervisor's approval. 遠藤 裕子's application waits in 400001's queue (being the deputy
    does not let her approve her own), 林 和也's in 鈴木 裕子's, and the mid-year hire in
    戸籍住民課 (no 所属長 there) went to HR marked 未承認. Through the services the pages use."""
    year = current_fiscal_year()
    if Course.objects.filter(fiscal_year=year, code="E08").exists():
        return
    today = timezone.localdate()
    hr = User.objects.get(username="100001")
    staff = {t.staff_number: t for t in Trainee.objects.filter(
        staff_number__in=["400001", "001001", "001002", "001004", "001012"]
    )}  # fmt: skip
    april = datetime.date(year, 4, 1)
    supervisor_appoint(
        organisation=staff["400001"].organisation, holder=staff["400001"],
        deputy=staff["001001"], starts_on=april, ends_on=None, note="令和の定期異動", actor=hr,
    )  # fmt: skip
    supervisor_appoint(
        organisation=staff["001004"].organisation, holder=staff["001004"], deputy=None,
        starts_on=april, ends_on=None, note="", actor=hr,
    )  # fmt: skip
    room = Room.objects.get(venue__name="区役所本庁舎", name="5階 研修室A")
    first_day = today + datetime.timedelta(days=35)
    course = course_services.course_save(
        course=Course(
            fiscal_year=year, code="E08", title="コーチング研修", category=Category.ELECTIVE,
            kind=CourseKind.OPEN, delivery=DeliveryMode.CLASSROOM,
            selection=Selection.HR_DECISION, approval=ApprovalRoute.SUPERVISOR,
            approval_no_answer=NoAnswer.PASS, requires_attendance=True,
        ),
        actor=hr,
    )  # fmt: skip
    session = session_save(
        session=Session(
            course=course, number=1, capacity=20, room=room,
            application_opens_at=_at(today - datetime.timedelta(days=3), 9),
            application_closes_at=_at(today + datetime.timedelta(days=10), 17),
            cancellation_deadline=_at(first_day - datetime.timedelta(days=3), 17),
            instructor="外部講師",
        ),
        days=[{"id": None, "date": first_day, "starts_at": datetime.time(9, 30),
               "ends_at": datetime.time(16, 30)}],
        actor=hr,
    )  # fmt: skip
    for number, note in (
        ("001001", "係内の若手職員の育成を任されたため、面談の進め方を学びたい。"),
        ("001002", "保健指導の場面で相手の話を引き出す技法を身につけたい。"),
        ("001012", "中途採用で配属されたばかりで、職場での対話を学びたい。"),
    ):
        trainee = staff.get(number)
        if trainee is not None:
            enrollment_apply(session=session, trainee=trainee, actor=trainee.user, note=note)
