"""The demo ward used by ``seed_demo`` (and extended by later features)."""

from __future__ import annotations

from dataclasses import dataclass, field

from trainees.roles import Role

DEMO_PASSWORD = "kenshu-demo-2026"  # noqa: S105 - printed for newcomers; demo data only

# (code, name, parent code, external)
DEMO_ORGANISATIONS: list[tuple[str, str, str | None, bool]] = [
    ("100000", "総務部", None, False),
    ("110000", "総務課", "100000", False),
    ("120000", "人事課", "100000", False),
    ("120100", "人材育成センター", "120000", False),
    ("200000", "福祉部", None, False),
    ("210000", "福祉推進課", "200000", False),
    ("220000", "障害者福祉課", "200000", False),
    ("220100", "障害者支援係", "220000", False),
    ("300000", "区民部", None, False),
    ("310000", "戸籍住民課", "300000", False),
    ("900001", "区社会福祉協議会", None, True),
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
        coordinates=("200000",),
        note="department coordinator for 福祉部",
    ),
    DemoAccount("300001", "区民 花子", "trainee@example.jp", (Role.TRAINEE,), note="trainee"),
    DemoAccount(
        "auditor01",
        "監査 一郎",
        "auditor@example.jp",
        (Role.AUDITOR,),
        with_totp=True,
        note="auditor (MFA set up: use the secret below)",
    ),
]
