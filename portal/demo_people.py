"""The demo ward used by ``seed_demo`` (and extended by later features)."""

from __future__ import annotations

from dataclasses import dataclass, field

from trainees.roles import Role

DEMO_PASSWORD = "kenshu-demo-2026"  # noqa: S105 - printed for newcomers; demo data only

# (code, name, parent code, external). Section codes and names are those of the HR system's
# roster (see tests/fixtures/roster_sample_cp932.csv), so a sample import lands in known places.
DEMO_ORGANISATIONS: list[tuple[str, str, str | None, bool]] = [
    ("110000", "総務部", None, False),
    ("110100", "総務部 総務課", "110000", False),
    ("110200", "総務部 人事課", "110000", False),
    ("110210", "総務部 人事課 人材育成センター", "110200", False),
    ("120000", "企画政策部", None, False),
    ("120100", "企画政策部 企画政策課", "120000", False),
    ("130000", "区民部", None, False),
    ("130100", "区民部 区政情報課", "130000", False),
    ("130200", "区民部 戸籍住民課", "130000", False),
    ("140000", "福祉部", None, False),
    ("140100", "福祉部 福祉政策課", "140000", False),
    ("140200", "福祉部 地域福祉課", "140000", False),
    ("150000", "子ども家庭部", None, False),
    ("150100", "子ども家庭部 子ども家庭課", "150000", False),
    ("200000", "教育委員会事務局", None, False),
    ("200100", "教育委員会事務局 教育調整課", "200000", False),
    ("EX01", "新宿区シルバー人材センター", None, True),
    ("EX02", "新宿区社会福祉協議会", None, True),
]


@dataclass(frozen=True)
class DemoAccount:
    login_id: str
    full_name: str
    email: str
    roles: tuple[Role, ...]
    coordinates: tuple[str, ...] = field(default_factory=tuple)
    with_totp: bool = False
    note: str = ""


DEMO_ACCOUNTS: list[DemoAccount] = [
    DemoAccount(
        "100001",
        "人材 育子",
        "hr-admin@example.jp",
        (Role.HR_ADMIN, Role.TRAINEE),
        with_totp=True,
        note="HR administrator (MFA set up: use the secret below)",
    ),
    DemoAccount(
        "100002",
        "研修 新人",
        "hr-new@example.jp",
        (Role.HR_ADMIN, Role.TRAINEE),
        note="HR administrator without MFA yet: shows the forced TOTP set-up",
    ),
    DemoAccount(
        "200001",
        "福祉 太郎",
        "coordinator@example.jp",
        (Role.COORDINATOR, Role.TRAINEE),
        coordinates=("140000",),
        note="department coordinator for 福祉部",
    ),
    DemoAccount("300001", "区民 花子", "trainee@example.jp", (Role.TRAINEE,), note="trainee"),
    DemoAccount(
        "400001",
        "地域 課長",
        "supervisor@example.jp",
        (Role.TRAINEE,),
        note="所属長 (supervisor) of 福祉部 地域福祉課: an application waits for approval",
    ),
    DemoAccount(
        "auditor01",
        "監査 一郎",
        "auditor@example.jp",
        (Role.AUDITOR,),
        with_totp=True,
        note="auditor (MFA set up: use the secret below)",
    ),
]


def seed_staff_records() -> None:
    """職員情報登録 as HR does it by hand, through the same services: a mid-year hire added to
    戸籍住民課, and 中島 愛 transferred from 地域福祉課 to 福祉政策課 six weeks ago (her places
    since then count there). Once; re-running leaves what is there."""
    import datetime

    from django.utils import timezone

    from trainees import records
    from trainees.models import Organisation, Trainee, TraineeChange, User

    hr = User.objects.get(username="100001")
    today = timezone.localdate()
    if not Trainee.objects.filter(staff_number="001012").exists():
        hired = (today - datetime.timedelta(days=60)).replace(day=1)
        records.trainee_add(
            raw={
                "staff_number": "001012", "name": "中途　採子", "name_kana": "チュウト サイコ",
                "organisation_code": "130200", "employment_type": "正規", "job_title": "主事",
                "job_category": "事務", "gender": "女", "birth_date": "平成10年5月6日",
                "hire_date": hired.isoformat(), "email": "staff001012@city.example.jp",
            },
            organisation=Organisation.objects.get(code="130200"),
            actor=hr,
            reason="年度途中の採用（人事課からの採用通知による）",
        )  # fmt: skip
    moved = Trainee.objects.get(staff_number="001003")
    if not TraineeChange.objects.filter(trainee=moved, kind="transferred").exists():
        records.trainee_transfer(
            trainee=moved,
            organisation=Organisation.objects.get(code="140100"),
            effective_on=today - datetime.timedelta(days=45),
            actor=hr,
            reason="人事異動（発令通知による）",
        )


def seed_organisation_changes() -> None:
    """組織の管理 as HR does it in its pages: 福祉部 高齢福祉課 was added in April and merged into
    地域福祉課 on the 1st of this month; the 社会福祉協議会's sister body was registered as an
    external organisation. Once."""
    import datetime

    from django.utils import timezone

    from courses.models import current_fiscal_year
    from trainees import organisations, records
    from trainees.models import Organisation, Trainee, User

    if Organisation.objects.filter(code="140300").exists():
        return
    hr = User.objects.get(username="100001")
    today = timezone.localdate()
    april = datetime.date(current_fiscal_year(), 4, 1)
    welfare = Organisation.objects.get(code="140000")
    elderly = organisations.organisation_add(
        code="140300", name="福祉部 高齢福祉課", parent=welfare, is_external=False,
        valid_from=april, reason="令和の組織改正（新設）", actor=hr,
    )  # fmt: skip
    organisations.organisation_merge(
        organisation=elderly, into=Organisation.objects.get(code="140200"),
        effective_on=max(today.replace(day=1), april), reason="地域福祉課への統合", actor=hr,
    )  # fmt: skip
    organisations.organisation_add(
        code="EX03", name="新宿区国際交流協会", parent=None, is_external=True,
        valid_from=april, reason="研修の受講を受け入れる団体の追加", actor=hr,
    )  # fmt: skip
    # A transfer entered ahead: 渡辺 美咲 moves to 人事課 on the 1st of next month.
    mover = Trainee.objects.filter(staff_number="001005").first()
    if mover is not None:
        first_of_next = (today.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
        records.transfer_plan(
            trainee=mover, organisation=Organisation.objects.get(code="110200"),
            effective_on=first_of_next, actor=hr, reason="翌月1日付の異動（内示済み）",
        )  # fmt: skip
