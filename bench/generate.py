"""One data generator for the benchmarks and the load test: a realistic ward in the configured
database (PostgreSQL: written with COPY through lib.bulk.insert_rows).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kenshu_load \\
        .venv/bin/python bench/generate.py --trainees 4000|100000 [--years 10] [--seed N]

What it writes (deterministic for a seed):

- the organisation tree: 部 > 課 > 係 (20 departments × 8 sections × 3 units) and six affiliated
  external organisations;
- trainees with Japanese names and kana, every employment type (external staff in the external
  organisations), birth, hire and promotion dates, 兼務先 for one in thirty (linked to the
  organisation they name, as the roster import does);
- ``--years`` fiscal years of courses (24 a year: ordered and open, classroom and e-learning,
  the same codes every year) with one-day sessions of 40 seats, spread over the year (a ward's
  four of a course a season apart), this year's still to come taking applications;
- places: about one per trainee and year (≈ 1,000,000 at 100,000 trainees) — applied, nominated
  and ordered; confirmed, waitlisted, rejected, cancelled and absent; completed and not, each
  stamped with the organisation at the time — and the attendance of every confirmed place; on
  this year's sessions still taking applications, applications waiting for HR's decision
  (申込中: the courses are decided by HR after their applications close);
- for three courses a year: a post-test of five questions with submitted attempts and their
  answers, an anonymous survey with answers (each answering place marked as having answered,
  so it is not asked again; this year's left for the load test's pool to answer), a
  completion report form with reports in every state (draft, submitted, returned,
  acknowledged);
- a video for each e-learning course, added as HR adds one (checked and stored, its length read
  from the file), and its views: watched to the end for a completed place, half-way short of
  the course's threshold for the others; history records (派遣研修) for one in ten,
  this year's inbox notices and e-mail deliveries for the ordered places;
- a pool of logins with one known password (``LOAD_PASSWORD``): HR administrators and auditors
  with a TOTP secret, coordinators (one per department) and trainees, written to
  ``var/bench/logins-<database>.json`` for the load test.

- certificates for the last two years' completed places, numbered as the issuing service
  numbers them, each with its audit event;
- the last thirty days of the access log (ten requests per trainee, by the pool's accounts),
  logins and mistyped passwords, HR's exports and 閲覧記録 — then hash-chained by the audit app's
  own sealer, as its beat task does, so the chains verify.

The last line is one JSON object: {"trainees", "organisations", "courses", "places",
"attendance", "attempts", "answers", "survey_answers", "reports", "notices", "certificates",
"access_log", "audit_events", "subject_views", "seconds"}.
"""

from __future__ import annotations

import argparse
import base64
import datetime
import json
import os
import random
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VIDEO = ROOT / "portal" / "demo_data" / "introduction.webm"  # 20 seconds, the demo's own
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

import django  # noqa: E402

django.setup()

from django.apps import apps  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from assessments.models import (  # noqa: E402
    Answer,
    Attempt,
    CompletionReport,
    Question,
    ReportForm,
    Survey,
    SurveyAnswer,
    SurveyDone,
    SurveyQuestion,
    SurveyResponse,
    Test,
)
from audit import chain  # noqa: E402
from audit.models import AccessLog, AuditEvent, SubjectView  # noqa: E402
from courses.models import Course, Session, SessionDay, TargetMember, valid_until  # noqa: E402
from enrollments.models import Attendance, Enrollment  # noqa: E402
from learning.materials import inspect_upload  # noqa: E402
from learning.models import Material, MaterialView  # noqa: E402
from learning.services import material_add  # noqa: E402
from lib.bulk import insert_rows  # noqa: E402
from notices.models import Delivery, Notice  # noqa: E402
from trainees.concurrent import concurrent_organisations_sync  # noqa: E402
from trainees.models import EmploymentType, Organisation, Trainee, User  # noqa: E402
from trainees.roles import Role  # noqa: E402

LOAD_PASSWORD = "load-test-2026"  # noqa: S105 - generated benchmark data only
SURNAMES = [
    ("佐藤", "サトウ"), ("鈴木", "スズキ"), ("高橋", "タカハシ"), ("田中", "タナカ"), ("伊藤", "イトウ"),
    ("渡辺", "ワタナベ"), ("山本", "ヤマモト"), ("中村", "ナカムラ"), ("小林", "コバヤシ"), ("加藤", "カトウ"),
    ("吉田", "ヨシダ"), ("山田", "ヤマダ"), ("佐々木", "ササキ"), ("山口", "ヤマグチ"), ("松本", "マツモト"),
    ("井上", "イノウエ"), ("木村", "キムラ"), ("林", "ハヤシ"), ("斎藤", "サイトウ"), ("清水", "シミズ"),
    ("山崎", "ヤマザキ"), ("森", "モリ"), ("池田", "イケダ"), ("橋本", "ハシモト"), ("阿部", "アベ"),
]  # fmt: skip
GIVEN = [
    ("太郎", "タロウ", "男"), ("花子", "ハナコ", "女"), ("翔", "ショウ", "男"), ("美咲", "ミサキ", "女"),
    ("健一", "ケンイチ", "男"), ("裕子", "ユウコ", "女"), ("大輔", "ダイスケ", "男"), ("恵", "メグミ", "女"),
    ("直樹", "ナオキ", "男"), ("陽子", "ヨウコ", "女"), ("拓也", "タクヤ", "男"), ("愛", "アイ", "女"),
    ("誠", "マコト", "男"), ("由美", "ユミ", "女"), ("和也", "カズヤ", "男"), ("彩", "アヤ", "女"),
]  # fmt: skip
DEPARTMENTS = ["総務部", "企画政策部", "区民部", "地域振興部", "文化観光部", "福祉部", "子ども家庭部",
               "健康部", "環境清掃部", "都市計画部", "みどり土木部", "会計室", "選挙管理委員会事務局",
               "監査事務局", "議会事務局", "教育委員会事務局", "危機管理室", "デジタル推進部",
               "資産管理部", "保健所"]  # fmt: skip
EXTERNAL = ["社会福祉協議会", "シルバー人材センター", "文化財団", "生涯学習財団", "地域振興公社",
            "国際交流協会"]  # fmt: skip
TITLES = ["主事", "主任主事", "係長", "課長補佐", "課長", "部長"]
CATEGORIES = ["事務", "福祉", "土木", "建築", "保健師", "技能・業務系"]
DUTIES = ["庶務担当", "窓口業務", "企画担当", "保健指導", "施設管理", "道路管理"]
WARD_TYPES = [EmploymentType.REGULAR] * 14 + [
    EmploymentType.REAPPOINTED, EmploymentType.REEMPLOYED, EmploymentType.FISCAL_YEAR,
    EmploymentType.FISCAL_YEAR, EmploymentType.FIXED_TERM, EmploymentType.TEMPORARY,
]  # fmt: skip
COURSES = [  # (code, title, category, kind, delivery)
    ("A01", "新規採用職員研修", "階層別研修", "ordered", "classroom"),
    ("A02", "主任主事研修", "階層別研修", "ordered", "classroom"),
    ("A03", "係長級マネジメント研修", "階層別研修", "ordered", "classroom"),
    ("A04", "課長級研修", "階層別研修", "ordered", "classroom"),
    ("B01", "情報セキュリティ研修", "専門研修", "ordered", "elearning"),
    ("B02", "個人情報保護研修", "専門研修", "ordered", "elearning"),
    ("B03", "公文書管理研修", "専門研修", "ordered", "elearning"),
    ("B04", "人権研修", "専門研修", "ordered", "classroom"),
    ("B05", "普通救命講習", "専門研修", "ordered", "classroom"),
    ("B06", "ハラスメント防止研修", "専門研修", "ordered", "elearning"),
    ("E01", "接遇・コミュニケーション研修", "選択研修", "open", "classroom"),
    ("E02", "ファシリテーション研修", "選択研修", "open", "classroom"),
    ("E03", "文書事務研修", "選択研修", "open", "classroom"),
    ("E04", "コーチング研修", "選択研修", "open", "classroom"),
    ("E05", "データ活用研修", "選択研修", "open", "online"),
    ("E06", "プレゼンテーション研修", "選択研修", "open", "classroom"),
    ("E07", "メンタルヘルス研修", "選択研修", "open", "elearning"),
    ("E08", "政策法務研修", "選択研修", "open", "classroom"),
    ("E09", "財務会計研修", "選択研修", "open", "classroom"),
    ("E10", "防災研修", "選択研修", "open", "classroom"),
    ("E11", "広報研修", "選択研修", "open", "online"),
    ("E12", "業務改善研修", "選択研修", "open", "classroom"),
    ("S01", "特別区職員研修所 政策形成研修", "派遣研修", "ordered", "classroom"),
    ("S02", "自治大学校 研修", "派遣研修", "ordered", "classroom"),
]  # fmt: skip
SEATS = 40
ASSESSED = {"B01", "B02", "A03"}  # the courses with a test, a survey and a report form
# Completions of these expire (再受講): 情報セキュリティ and 個人情報保護 every year.
VALID_FOR = {"B01": 12, "B02": 12}


def session_days(year: int, index: int, count: int) -> list[datetime.date]:
    """The days of a fiscal year's ``count`` one-day sessions of its ``index``-th course: from
    a start in May to November (a course's first sessions nine days after the previous
    course's), spread evenly to mid-March — a ward's four sessions of a course a season
    apart, a city's hundred every third day, wrapping round — all within the year."""
    start = datetime.date(year, 5, 1) + datetime.timedelta(days=index * 9)
    span = (datetime.date(year + 1, 3, 15) - start).days
    step = max(3, span // count)
    return [start + datetime.timedelta(days=(n * step) % span) for n in range(count)]


def _fiscal_year(day: datetime.date) -> int:
    return day.year if day.month >= 4 else day.year - 1


class Generator:
    def __init__(self, *, trainees: int, years: int, seed: int) -> None:
        self.size, self.years, self.rng = trainees, years, random.Random(seed)
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.last_year = _fiscal_year(self.today)
        self.counts: dict[str, int] = {}

    def uuid(self) -> uuid.UUID:
        """A UUID from the seed (uuid4 would make two runs differ)."""
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def secret(self) -> str:
        """A TOTP secret from the seed: 20 bytes in base32, as allauth makes them."""
        return base64.b32encode(self.rng.randbytes(20)).decode()

    # --- organisations and people ---------------------------------------------------------

    def organisations(self) -> None:
        rows = []
        for d, name in enumerate(DEPARTMENTS, 1):
            rows.append((f"{d:02d}0000", name, None, False))
            for s in range(1, 9):
                section = f"{name} 第{s}課"
                rows.append((f"{d:02d}{s:02d}00", section, f"{d:02d}0000", False))
                for u in range(1, 4):
                    rows.append((f"{d:02d}{s:02d}{u:02d}", f"{section} 第{u}係",
                                 f"{d:02d}{s:02d}00", False))  # fmt: skip
        rows += [(f"EX{n:02d}", name, None, True) for n, name in enumerate(EXTERNAL, 1)]
        by_code: dict[str, Organisation] = {}
        for code, name, parent, external in rows:  # parents before children
            by_code[code] = Organisation.objects.create(
                code=code, name=name, parent=by_code.get(parent) if parent else None,
                is_external=external, valid_from=datetime.date(self.last_year - self.years, 4, 1),
            )  # fmt: skip
        self.units = [o for c, o in by_code.items() if not o.is_external and c[-2:] != "00"]
        self.sections = [o for c, o in by_code.items() if c[-2:] == "00" and c[-4:] != "0000"]
        self.departments = [o for c, o in by_code.items() if c.endswith("0000")]
        self.external = [o for o in by_code.values() if o.is_external]
        self.counts["organisations"] = len(by_code)

    def people(self) -> None:
        rng = self.rng
        rows = []
        for n in range(self.size):
            external = n % 33 == 32
            surname, surname_kana = rng.choice(SURNAMES)
            given, given_kana, gender = rng.choice(GIVEN)
            organisation = rng.choice(self.external if external else self.units)
            birth = datetime.date(1960, 1, 1) + datetime.timedelta(days=rng.randrange(40 * 365))
            hire_year = min(self.last_year, birth.year + rng.randint(22, 40))
            hire = datetime.date(hire_year, 4, 1)
            promoted = (
                datetime.date(rng.randint(hire_year, self.last_year), 4, 1)
                if rng.random() < 0.4 else None
            )  # fmt: skip
            posts = [rng.choice(self.sections).name] if not external and n % 30 == 7 else []
            number = f"{n + 10000:06d}"
            name = f"{surname}　{given}"
            kana = f"{surname_kana} {given_kana}"
            rows.append([
                number, external, name, kana, organisation.pk, posts, rng.choice(TITLES),
                rng.choice(CATEGORIES), rng.choice(DUTIES), gender, birth, hire, promoted,
                f"s{number}@city.example.jp",
                EmploymentType.EXTERNAL if external else rng.choice(WARD_TYPES), "active",
                f"{number}{surname}{given}{surname_kana}{given_kana}", self.now, self.now,
            ])  # fmt: skip
        insert_rows(
            Trainee,
            ["staff_number", "is_external", "name", "name_kana", "organisation_id",
             "concurrent_posts", "job_title", "job_category", "duty", "gender", "birth_date",
             "hire_date", "promotion_date", "email", "employment_type", "status", "search_text",
             "created_at", "updated_at"],
            rows,
        )  # fmt: skip
        concurrent_organisations_sync()
        self.trainees = list(
            Trainee.objects.order_by("id").values_list("id", "organisation_id", "is_external")
        )
        self.org_names = dict(Organisation.objects.values_list("id", "name"))
        self.counts["trainees"] = len(self.trainees)

    def logins(self) -> list[dict[str, str]]:
        """The load test's pool: one known password (hashed once), TOTP for HR and auditors."""
        from allauth.mfa.totp.internal.auth import TOTP

        password = make_password(LOAD_PASSWORD)
        groups = {role: Group.objects.get(name=role.value) for role in Role}
        pool: list[dict[str, str]] = []
        ward = [t for t in self.trainees if not t[2]]
        self.pool_trainees: set[int] = set()

        def account(username: str, roles: list[Role], trainee_id: int | None = None) -> User:
            user = User.objects.create(username=username, password=password,
                                       full_name=f"負荷 {username}", is_staff=Role.HR_ADMIN in roles)  # fmt: skip
            user.groups.set([groups[r] for r in roles])
            if trainee_id is not None:
                Trainee.objects.filter(pk=trainee_id).update(user=user)
                self.pool_trainees.add(trainee_id)
            return user

        for n in range(3):
            user = account(f"h{n:03d}", [Role.HR_ADMIN, Role.TRAINEE], ward[n][0])
            secret = self.secret()
            TOTP.activate(user, secret)
            pool.append({"login": user.username, "role": "hr_admin", "totp": secret})
        for n in range(2):
            user = account(f"a{n:03d}", [Role.AUDITOR])
            secret = self.secret()
            TOTP.activate(user, secret)
            pool.append({"login": user.username, "role": "auditor", "totp": secret})
        for n, department in enumerate(self.departments):
            user = account(f"c{n:03d}", [Role.COORDINATOR, Role.TRAINEE], ward[10 + n][0])
            user.coordinated_organisations.add(department)
            pool.append({"login": user.username, "role": "coordinator"})
        for n in range(min(300, len(ward) - 100)):
            user = account(f"t{n:04d}", [Role.TRAINEE], ward[100 + n][0])
            pool.append({"login": user.username, "role": "trainee"})
        return pool

    # --- courses and places ---------------------------------------------------------------

    def courses(self) -> None:
        per_course = max(SEATS, self.size // len(COURSES))
        self.sessions: dict[tuple[int, str], list[tuple[int, datetime.date]]] = {}
        self.course_ids: dict[tuple[int, str], int] = {}
        first = self.last_year - self.years + 1
        for year in range(first, self.last_year + 1):
            for index, (code, title, category, kind, delivery) in enumerate(COURSES):
                course = Course.objects.create(
                    fiscal_year=year, code=code, title=title, category=category, kind=kind,
                    delivery=delivery, requires_attendance=delivery != "elearning",
                    requires_materials=delivery == "elearning",
                    requires_test=code in ASSESSED, requires_survey=code in ASSESSED,
                    requires_report=code in ASSESSED, external_allowed=code.startswith("E"),
                    valid_for_months=VALID_FOR.get(code),
                )  # fmt: skip
                self.course_ids[(year, code)] = course.pk
                count = max(1, per_course // SEATS)
                sessions = Session.objects.bulk_create(
                    Session(course=course, number=n + 1, capacity=SEATS) for n in range(count)
                )
                days = session_days(year, index, count)
                SessionDay.objects.bulk_create(
                    SessionDay(session=s, date=d, starts_at=datetime.time(9, 30),
                               ends_at=datetime.time(17))
                    for s, d in zip(sessions, days, strict=True)
                )  # fmt: skip
                self.sessions[(year, code)] = [
                    (s.pk, d) for s, d in zip(sessions, days, strict=True)
                ]
                if year == self.last_year and kind == "open":
                    # This year's open sessions still to come take applications now (the
                    # catalogue), closing two weeks before their day.
                    for session, day in zip(sessions, days, strict=True):
                        if day > self.today + datetime.timedelta(days=15):
                            Session.objects.filter(pk=session.pk).update(
                                application_opens_at=self.now - datetime.timedelta(days=7),
                                application_closes_at=self.now
                                + datetime.timedelta(days=(day - self.today).days - 14),
                            )
                if delivery == "elearning":
                    # A video as HR uploads one (checked, stored, its length read): the load
                    # test's trainees watch it and their players report their progress.
                    upload = SimpleUploadedFile("introduction.webm", VIDEO.read_bytes())
                    material_add(course=course, title=f"{title} 動画", upload=upload,
                                 inspected=inspect_upload(upload), actor=None)  # fmt: skip
        self.counts["courses"] = len(self.course_ids)

    def places(self) -> None:
        """About one place per trainee and year; confirmed ones with their attendance."""
        rng, now = self.rng, self.now
        seats: dict[int, int] = {}
        place_rows = []
        codes = [c[0] for c in COURSES]
        # This year's open sessions still taking applications (as courses() opened them): HR
        # decides after they close, so their places are applications waiting (申込中).
        taking = {
            session_id
            for code, _title, _category, kind, _delivery in COURSES if kind == "open"
            for session_id, day in self.sessions[(self.last_year, code)]
            if day > self.today + datetime.timedelta(days=15)
        }  # fmt: skip
        for year in range(self.last_year - self.years + 1, self.last_year + 1):
            for pk, organisation_id, external in self.trainees:
                code = rng.choice([c for c in codes if c.startswith("E")] if external else codes)
                sessions = self.sessions[(year, code)]
                session_id, day = sessions[rng.randrange(len(sessions))]
                if seats.get(session_id, 0) >= SEATS:
                    status = rng.choice(["waitlisted", "rejected"])
                else:
                    roll = rng.random()
                    status = ("cancelled" if roll < 0.06 else "absent" if roll < 0.09
                              else "confirmed")  # fmt: skip
                if session_id in taking and status != "cancelled":
                    status = "requested"
                if status == "confirmed":
                    seats[session_id] = seats.get(session_id, 0) + 1
                source = ("ordered" if code[0] in "ABS" else
                          rng.choice(["applied", "applied", "nominated"]))  # fmt: skip
                past = day < self.today
                completion = ("completed" if status == "confirmed" and past and rng.random() < 0.88
                              else "incomplete" if status == "confirmed" and past
                              else "not_started")  # fmt: skip
                stamped = organisation_id if past and rng.random() > 0.05 else (
                    rng.choice(self.units).pk if past else None)  # fmt: skip
                place_rows.append([
                    session_id, self.course_ids[(year, code)], pk, status, source, "",
                    now, None if status == "requested" else now, completion, [],
                    now if completion == "completed" else None, stamped, stamped or organisation_id,
                    self.org_names.get(stamped, "") if stamped else "",
                    valid_until(day, VALID_FOR.get(code)) if completion == "completed" else None,
                ])  # fmt: skip
        insert_rows(
            Enrollment,
            ["session_id", "course_id", "trainee_id", "status", "source", "nomination_comment",
             "requested_at", "decided_at", "completion", "completion_missing", "completed_at",
             "organisation_id", "counted_in_id", "organisation_name", "valid_until"],
            place_rows,
        )  # fmt: skip
        with connection.cursor() as cursor:  # the seat counts in step with the places
            cursor.execute(
                "UPDATE courses_session s SET confirmed_count = c.n FROM (SELECT session_id, "
                "count(*) n FROM enrollments_enrollment WHERE status = 'confirmed' "
                "GROUP BY session_id) c WHERE c.session_id = s.id"
            )
        self.counts["places"] = len(place_rows)
        confirmed = Enrollment.objects.filter(
            status="confirmed", session__days__date__lt=self.today
        )
        day_of = dict(SessionDay.objects.values_list("session_id", "id"))
        marks = ["present"] * 17 + ["absent", "late", "left_early"]
        rows = (
            [pk, day_of[session_id], mark, 30 if mark in ("late", "left_early") else 0, "hr",
             None, now]
            # Read before the COPY starts: the connection cannot run a query during it.
            for pk, session_id in list(confirmed.values_list("id", "session_id"))
            for mark in [marks[pk % len(marks)]]
        )  # fmt: skip
        insert_rows(
            Attendance,
            ["enrollment_id", "day_id", "mark", "minutes_missed", "method", "recorded_by_id",
             "recorded_at"],
            rows,
        )  # fmt: skip
        self.counts["attendance"] = Attendance.objects.count()

    # --- what trainees did ----------------------------------------------------------------

    def assessments(self) -> None:
        rng, now = self.rng, self.now
        attempts = answers = survey_answers = reports = 0
        states = ["draft", "submitted", "returned", "acknowledged", "acknowledged"]
        for (year, code), course_id in self.course_ids.items():
            if code not in ASSESSED:
                continue
            test = Test.objects.create(course_id=course_id, kind="post", title="事後テスト")
            questions = Question.objects.bulk_create(
                Question(test=test, kind="short", text=f"問{n + 1}", position=n + 1,
                         points=2, accepted_answers=["正解"])
                for n in range(5)
            )  # fmt: skip
            survey = Survey.objects.create(course_id=course_id, title="研修アンケート",
                                           anonymous=True)  # fmt: skip
            asked = SurveyQuestion.objects.create(survey=survey, position=1, kind="satisfaction",
                                                  text="満足度", required=True)  # fmt: skip
            form = ReportForm.objects.create(course_id=course_id, title="受講結果報告",
                                             requires_review=True)  # fmt: skip
            sample = list(
                Enrollment.objects.filter(course_id=course_id, status="confirmed").values_list(
                    "id", "session_id", "organisation_id", "trainee_id"
                )[:2000]
            )
            insert_rows(
                Attempt,
                ["test_id", "enrollment_id", "number", "state", "question_ids", "choice_order",
                 "started_at", "submitted_at", "auto_submitted", "score", "max_score",
                 "adjust_reason"],
                ([test.pk, pk, 1, "submitted", [q.pk for q in questions], {}, now, now, False,
                  rng.randint(4, 10), 10, ""] for pk, _s, _o, _t in sample),
            )  # fmt: skip
            attempt_ids = list(Attempt.objects.filter(test=test).values_list("id", flat=True))
            attempts += len(attempt_ids)
            insert_rows(
                Answer,
                ["attempt_id", "question_id", "text", "saved_at", "points"],
                ([a, q.pk, rng.choice(["正解", "不明"]), now, 2] for a in attempt_ids
                 for q in questions),
            )  # fmt: skip
            answers += len(attempt_ids) * len(questions)
            # This year's survey is still to be answered by the pool's people (the load test
            # answers it as they would).
            answered = [row for row in sample
                        if year < self.last_year or row[3] not in self.pool_trainees]  # fmt: skip
            responses = [self.uuid() for _ in answered]
            insert_rows(
                SurveyResponse,
                ["id", "survey_id", "session_id", "organisation_id", "anonymous"],
                ([rid, survey.pk, s, o, True]
                 for rid, (_pk, s, o, _t) in zip(responses, answered, strict=True)),
            )  # fmt: skip
            insert_rows(
                SurveyAnswer,
                ["id", "response_id", "question_id", "choice", "choices", "text"],
                ([self.uuid(), rid, asked.pk, rng.randint(0, 4), [], ""] for rid in responses),
            )  # fmt: skip
            insert_rows(
                SurveyDone,
                ["survey_id", "enrollment_id", "answered_on"],
                ([survey.pk, pk, self.today] for pk, _s, _o, _t in answered),
            )  # fmt: skip
            survey_answers += len(responses)
            reported = sample[:1000]
            insert_rows(
                CompletionReport,
                ["form_id", "enrollment_id", "trainee_id", "answers", "state", "saved_at",
                 "submitted_at", "review_comment", "review_round"],
                ([form.pk, pk, trainee, {}, states[n % len(states)], now,
                  None if n % len(states) == 0 else now,
                  "具体的に" if states[n % len(states)] == "returned" else "", 0]
                 for n, (pk, _s, _o, trainee) in enumerate(reported)),
            )  # fmt: skip
            reports += len(reported)
        self.counts.update(attempts=attempts, answers=answers, survey_answers=survey_answers,
                           reports=reports)  # fmt: skip

    def learning_and_history(self) -> None:
        rng, now = self.rng, self.now
        materials = {
            course_id: (pk, duration, threshold)
            for course_id, pk, duration, threshold in Material.objects.values_list(
                "course_id", "id", "duration", "course__materials_threshold"
            )
        }

        def view(course_id: int, trainee_id: int, completion: str) -> list:
            """Watched to the end where the place was completed, half-way where it was not
            (short of the course's threshold, as the player would have left it)."""
            pk, duration, threshold = materials[course_id]
            watched = duration if completion == "completed" else duration * threshold / 200
            return [pk, trainee_id, [[0, watched]], watched, watched, now, now,
                    now if completion == "completed" else None]  # fmt: skip

        views = (
            view(course_id, trainee_id, completion)
            for course_id, trainee_id, completion in list(
                Enrollment.objects.filter(
                    status="confirmed", course_id__in=list(materials)
                ).values_list("course_id", "trainee_id", "completion")
            )
        )
        insert_rows(
            MaterialView,
            [
                "material_id",
                "trainee_id",
                "ranges",
                "watched_seconds",
                "position",
                "opened_at",
                "reported_at",
                "completed_at",
            ],
            views,
        )
        records = [
            [pk, rng.randint(self.last_year - self.years + 1, self.last_year), "派遣研修（自治大学校）",
             "自治大学校", "派遣研修", datetime.date(self.last_year - 1, 9, 1),
             datetime.date(self.last_year - 1, 9, 5), 30, "completed", organisation_id,
             self.org_names[organisation_id], "", "manual", now]
            for pk, organisation_id, external in self.trainees[::10] if not external
        ]  # fmt: skip
        insert_rows(
            # By label: run from bench/, "reports" may name bench/reports.py, not the app.
            apps.get_model("reports", "HistoryRecord"),
            ["trainee_id", "fiscal_year", "title", "provider", "category", "started_on",
             "ended_on", "hours", "outcome", "organisation_id", "organisation_name", "note",
             "source", "created_at"],
            records,
        )  # fmt: skip

    def targets(self) -> None:
        """This year's 情報セキュリティ研修 is for every ward employee: its target list (the
        compliance dashboard and the chase list read it)."""
        course_id = self.course_ids[(self.last_year, "B01")]
        insert_rows(
            TargetMember,
            ["course_id", "trainee_id", "source", "reasons", "excluded", "added_at"],
            ([course_id, pk, "rule", ["all"], False, self.now]
             for pk, _organisation, external in self.trainees if not external),
        )  # fmt: skip

    def notices(self) -> None:
        """This year's ordered places: the order's inbox notice and its e-mail delivery."""
        now = self.now
        ordered = list(
            Enrollment.objects.filter(
                course__fiscal_year=self.last_year, source="ordered", trainee__user__isnull=False
            ).values_list("id", "trainee_id", "trainee__user_id", "trainee__email")
        )
        insert_rows(
            Notice,
            ["user_id", "kind", "title", "body", "link", "created_at", "read_at"],
            ([user_id, "order", "【研修命令】", "研修の受講を命じます。", "/me/", now, None]
             for _pk, _t, user_id, _e in ordered),
        )  # fmt: skip
        everyone = Enrollment.objects.filter(
            course__fiscal_year=self.last_year, source="ordered"
        ).values_list("id", "trainee_id", "trainee__email")
        insert_rows(
            Delivery,
            ["trainee_id", "kind", "rule", "email", "subject", "body", "status", "attempts",
             "last_error", "queued_at", "sent_at"],
            ([trainee_id, "order", f"order-place:{pk}", email, "【研修命令】", "…", "sent", 1, "",
              now, now] for pk, trainee_id, email in list(everyone)),
        )  # fmt: skip
        self.counts["notices"] = len(ordered)

    def certificates(self) -> None:
        """The last two years' completed places have their certificates, numbered as the issuing
        service numbers them (<fiscal year>-<id, six digits>), each with its audit event."""
        # By label: run from bench/, "reports" may name bench/reports.py, not the app.
        Certificate = apps.get_model("reports", "Certificate")
        hr = User.objects.get(username="h000")
        completed = list(
            Enrollment.objects.filter(
                completion="completed", course__fiscal_year__gte=self.last_year - 1
            ).values_list("id", "trainee__name", "course__title", "session__days__date",
                          "completed_at")
        )  # fmt: skip
        insert_rows(
            Certificate,
            ["enrollment_id", "number", "trainee_name", "course_title", "first_day", "last_day",
             "hours", "issued_by", "issued_on", "revoked_reason"],
            ([pk, f"tmp-{pk}", name, title, day, day, "7.5", settings.CERTIFICATE_ISSUER,
              day + datetime.timedelta(days=14), ""]
             for pk, name, title, day, _at in completed),
        )  # fmt: skip
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE reports_certificate c SET number = co.fiscal_year || '-' || "
                "lpad(c.id::text, 6, '0') FROM enrollments_enrollment e JOIN courses_course co "
                "ON co.id = e.course_id WHERE e.id = c.enrollment_id"
            )
        issued = list(Certificate.objects.values_list("id", "enrollment_id", "issued_on"))
        insert_rows(
            AuditEvent,
            ["occurred_at", "kind", "user_id", "username", "login_id", "detail"],
            ([self.at(on), "certificate.issued", hr.pk, hr.username, "",
              {"certificate": pk, "enrollment": place}] for pk, place, on in issued),
        )  # fmt: skip
        self.counts["certificates"] = len(issued)

    def at(self, day: datetime.date, hour: int = 10) -> datetime.datetime:
        """A moment of office hours on `day`, never in the future."""
        moment = timezone.make_aware(
            datetime.datetime.combine(day, datetime.time(hour, self.rng.randrange(60)))
        )
        return min(moment, self.now - datetime.timedelta(minutes=5))

    def logs(self) -> None:
        """The last thirty days of the access log (ten requests per trainee, by the pool's
        accounts), their logins and a few mistyped passwords, HR's registry exports and record
        views (閲覧記録) — written as plain rows, then hash-chained by the audit app's own sealer
        (audit.chain.seal_all), as the beat task does."""
        rng = self.rng
        users = list(User.objects.filter(username__regex=r"^[hact]\d").values_list(
            "id", "username"))  # fmt: skip
        roles = {u: r for u, r in User.objects.filter(pk__in=[u for u, _n in users]).values_list(
            "id", "groups__name")}  # fmt: skip
        pages = [("/me/", "me"), ("/catalogue/", "catalogue"), ("/inbox/", "inbox"),
                 ("/me/history/", "my_history"), ("/hr/", "hr_home"),
                 ("/trainees/", "trainee_list"), ("/dashboards/", "dashboard_completion"),
                 ("/audit/access-log/", "audit:access_log")]  # fmt: skip
        days = [self.today - datetime.timedelta(days=n) for n in range(30)]
        offices = [f"10.{n}.0.{m}" for n in range(1, 21) for m in (1, 2)]

        def access() -> object:
            for _n in range(len(self.trainees) * 10):
                user_id, username = users[rng.randrange(len(users))]
                path, view = pages[rng.randrange(len(pages))]
                yield [self.at(days[rng.randrange(30)], rng.randint(8, 18)), self.uuid(),
                       user_id, username, roles.get(user_id, ""),
                       offices[rng.randrange(len(offices))], "GET", path, "", view,
                       200, round(rng.uniform(15, 180), 1)]  # fmt: skip

        insert_rows(
            AccessLog,
            ["occurred_at", "request_id", "user_id", "username", "roles", "ip_address",
             "method", "path", "query_keys", "view_name", "status_code", "duration_ms"],
            access(),
        )  # fmt: skip
        events = []
        for day in days:
            for user_id, username in users:
                if rng.random() < 0.6:
                    events.append([self.at(day, 8), "login.succeeded", user_id, username, "",
                                   offices[user_id % len(offices)], {}])  # fmt: skip
                if rng.random() < 0.02:
                    events.append([self.at(day, 8), "login.failed", None, "", username,
                                   offices[user_id % len(offices)], {}])  # fmt: skip
            hr_id, hr_name = users[0]
            events.append([self.at(day, 16), "trainees.exported", hr_id, hr_name, "",
                           offices[0], {"format": "xlsx", "rows": 4000}])  # fmt: skip
        insert_rows(
            AuditEvent,
            ["occurred_at", "kind", "user_id", "username", "login_id", "ip_address", "detail"],
            events,
        )  # fmt: skip
        hr_users = [(u, n) for u, n in users if n.startswith("h")]
        views = [
            [self.at(days[rng.randrange(30)]), self.uuid(), *hr_users[n % len(hr_users)],
             "負荷 " + hr_users[n % len(hr_users)][1], "hr_admin,trainee", offices[0],
             pk, "record", f"/trainees/{pk}/"]
            for n, (pk, _o, _e) in enumerate(self.trainees[::10])
        ]  # fmt: skip
        insert_rows(
            SubjectView,
            ["viewed_at", "request_id", "user_id", "username", "viewer_name", "roles",
             "ip_address", "subject_id", "what", "path"],
            views,
        )  # fmt: skip
        self.counts["access_log"] = len(self.trainees) * 10
        # Those written here, each certificate's and each video's (added as HR adds one).
        self.counts["audit_events"] = AuditEvent.objects.count()
        self.counts["subject_views"] = len(views)

    def run(self) -> dict[str, int]:
        with transaction.atomic():
            self.organisations()
            self.people()
            pool = self.logins()
            self.courses()
        with transaction.atomic():
            self.places()
        with transaction.atomic():
            self.assessments()
            self.learning_and_history()
            self.targets()
            self.notices()
        with transaction.atomic():
            self.certificates()
            self.logs()
        # As the beat task does, after the rows are written. Its lag (a row younger than that
        # may belong to a transaction not yet committed) does not apply: every row here is
        # committed, the videos' events of a moment ago too.
        chain.seal_all(
            now=timezone.now() + datetime.timedelta(seconds=settings.AUDIT_SEAL_LAG_SECONDS)
        )
        with connection.cursor() as cursor:
            # What autovacuum does soon after a load, so that the ward is measured as it runs:
            # the statistics, and the visibility map (without it, an index-only scan reads
            # the table too). VACUUM cannot run inside a transaction.
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
        out = logins_file()
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({"password": LOAD_PASSWORD, "logins": pool}, ensure_ascii=False))
        return self.counts


def logins_file() -> Path:
    """Where the login pool of the configured database's ward is kept: one file per database
    (``var/bench/logins-<database>.json``), so that generating another ward — bench/reports.py
    makes its own — never leaves the load test with the TOTP secrets of a different one."""
    name = Path(str(connection.settings_dict["NAME"])).name
    return Path(settings.VAR_DIR) / "bench" / f"logins-{name}.json"


def generate(*, trainees: int, years: int = 10, seed: int = 1) -> dict[str, int]:
    """Fill the configured (empty) database; returns what was written."""
    return Generator(trainees=trainees, years=years, seed=seed).run()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trainees", type=int, default=4000)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        reason = "needs DATABASE_URL=postgres://… (the data set is written with COPY)"
        print(f"generate skipped: {reason}")
        print(json.dumps({"skipped": reason}))
        return
    if Trainee.objects.exists():
        sys.exit("The database already holds trainees: generate into an empty, migrated one.")
    started = time.perf_counter()
    counts = generate(trainees=args.trainees, years=args.years, seed=args.seed)
    counts["seconds"] = round(time.perf_counter() - started, 1)
    for name, value in counts.items():
        print(f"{name:>16}: {value:,}")
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
