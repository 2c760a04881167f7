"""定期的な分析: the daily analysis of the audit trail (issue 20).

Each rule reads one day of the trail (local time, 00:00–24:00) and returns what it found, one
``Draft`` per account, address or person concerned; ``run`` stores them as ``Finding`` rows —
once per day, rule and key, so running a day again updates its counts and never duplicates —
and records the run (``AnalysisRun``). The thresholds are settings (AUDIT_ANALYSIS); README
"Log analysis" explains each rule. Every finding carries the filter that shows its evidence in
the access log or the event log (``evidence``).
"""

from __future__ import annotations

import datetime
import ipaddress
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import jpholiday
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.models import (
    AccessLog,
    AnalysisRun,
    AuditEvent,
    AuditEventKind,
    ChainVerification,
    Finding,
    SubjectView,
)

# The rules, in the order the pages list them: code -> label.
CATEGORIES: dict[str, Any] = {
    "failed_logins_account": _("Failed logins for one login ID"),
    "failed_logins_address": _("Failed logins from one address"),
    "lockout": _("Login locked out"),
    "off_hours": _("Login or personal data viewed outside office hours"),
    "mass_views": _("Many people's data viewed by one person"),
    "mass_exports": _("Many exports by one person"),
    "refused_burst": _("Burst of refused requests (403/404)"),
    "forged": _("Requests for someone else's data"),
    "role_mfa_change": _("Roles or MFA changed"),
    "new_network": _("Privileged login from a new network"),
    "unlogged": _("Requests that could not be logged"),
    "chain_broken": _("Audit chain verification failed"),
}

# Event kinds the rules read (codes, so this bottom layer names no app above it).
FORGED_KINDS = ("enrollment.forged_request", "assessment.refused", "request.csrf_refused")
ROLE_MFA_KINDS = (
    "account.roles_changed", "account.password_set", "account.active_changed",
    AuditEventKind.MFA_ADDED, AuditEventKind.MFA_REMOVED, AuditEventKind.MFA_RECOVERY_CODES_RESET,
)  # fmt: skip
EXPORT_SUFFIX = ".exported"
# The roles' group names and labels (the same words as trainees/roles.py, which this bottom
# layer cannot import; tests/audit/test_analysis.py holds them equal).
ROLE_LABELS: dict[str, Any] = {"hr_admin": _("HR administrator"),
                               "coordinator": _("Department coordinator"),
                               "trainee": _("Trainee"), "auditor": _("Auditor")}  # fmt: skip
# Roles whose accounts see other people's data or the trail (group names).
PRIVILEGED_ROLES = ("hr_admin", "coordinator", "auditor")


@dataclass
class Draft:
    category: str
    key: str
    count: int
    detail: dict[str, Any] = field(default_factory=dict)


def _limits() -> dict[str, int]:
    return settings.AUDIT_ANALYSIS


def day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    return start, timezone.make_aware(
        datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min)
    )


def is_closed_day(day: datetime.date) -> bool:
    """Weekend, national holiday or the ward's year-end closure (12/29–1/3)."""
    year_end = (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)
    return day.weekday() >= 5 or jpholiday.is_holiday(day) or year_end


def outside_office_hours(moment: datetime.datetime) -> bool:
    local = timezone.localtime(moment)
    limits = _limits()
    if is_closed_day(local.date()):
        return True
    return not limits["office_hours_start"] <= local.hour < limits["office_hours_end"]


def _times(moments: Iterable[datetime.datetime]) -> list[str]:
    return sorted(timezone.localtime(m).strftime("%H:%M") for m in moments)[:20]


# --- the rules -------------------------------------------------------------------------------


def failed_logins(start: datetime.datetime, end: datetime.datetime) -> list[Draft]:
    failed = AuditEvent.objects.filter(
        kind=AuditEventKind.LOGIN_FAILED, occurred_at__gte=start, occurred_at__lt=end
    )
    drafts = []
    for row in failed.values("login_id").annotate(n=Count("id")):
        if row["n"] >= _limits()["failed_logins_per_account"]:
            drafts.append(Draft("failed_logins_account", row["login_id"] or "-", row["n"],
                                {"user": row["login_id"]}))  # fmt: skip
    for row in failed.exclude(ip_address=None).values("ip_address").annotate(n=Count("id")):
        office = any(
            ipaddress.ip_address(row["ip_address"]) in network
            for network in settings.TRUSTED_OFFICE_NETWORKS
        )
        limit = "failed_logins_per_office_address" if office else "failed_logins_per_address"
        if row["n"] >= _limits()[limit]:
            drafts.append(Draft("failed_logins_address", row["ip_address"], row["n"],
                                {"ip": row["ip_address"]}))  # fmt: skip
    return drafts


def lockouts(start: datetime.datetime, end: datetime.datetime) -> list[Draft]:
    rows = (
        AuditEvent.objects.filter(
            kind=AuditEventKind.LOGIN_RATE_LIMITED, occurred_at__gte=start, occurred_at__lt=end
        )
        .values("login_id", "ip_address")
        .annotate(n=Count("id"))
    )
    return [
        Draft("lockout", r["login_id"] or r["ip_address"] or "-", r["n"],
              {"user": r["login_id"], "ip": r["ip_address"]})
        for r in rows
    ]  # fmt: skip


def off_hours(start: datetime.datetime, end: datetime.datetime) -> list[Draft]:
    """Logins and views of other people's data outside office hours, one finding per person."""
    logins: dict[str, list[datetime.datetime]] = defaultdict(list)
    views: dict[str, list[datetime.datetime]] = defaultdict(list)
    for username, moment in AuditEvent.objects.filter(
        kind=AuditEventKind.LOGIN_SUCCEEDED, occurred_at__gte=start, occurred_at__lt=end
    ).values_list("username", "occurred_at"):
        if outside_office_hours(moment):
            logins[username].append(moment)
    for username, moment in SubjectView.objects.filter(
        viewed_at__gte=start, viewed_at__lt=end
    ).values_list("username", "viewed_at"):
        if outside_office_hours(moment):
            views[username].append(moment)
    closed = is_closed_day(timezone.localtime(start).date())
    return [
        Draft("off_hours", username, len(logins[username]) + len(views[username]),
              {"user": username, "logins": len(logins[username]), "views": len(views[username]),
               "times": _times(logins[username] + views[username]), "closed_day": closed})
        for username in sorted(set(logins) | set(views))
    ]  # fmt: skip


def mass_views(start: datetime.datetime, end: datetime.datetime) -> list[Draft]:
    rows = (
        SubjectView.objects.filter(viewed_at__gte=start, viewed_at__lt=end)
        .exclude(what="export")
        .values("username")
        .annotate(n=Count("subject_id", distinct=True))
    )
    return [
        Draft("mass_views", r["username"], r["n"], {"user": r["username"]})
        for r in rows
        if r["n"] >= _limits()["mass_view_subjects"]
    ]


def mass_exports(start: datetime.datetime, end: datetime.datetime) -> list[Draft]:
    exports: Counter[str] = Counter()
    people: Counter[str] = Counter()
    for username, detail in AuditEvent.objects.filter(
        kind__endswith=EXPORT_SUFFIX, occurred_at__gte=start, occurred_at__lt=end
    ).values_list("username", "detail"):
        exports[username] += 1
        people[username] += int((detail or {}).get("subjects") or 0)
    limits = _limits()
    return [
        Draft("mass_exports", username, exports[username],
              {"user": username, "exports": exports[username], "subjects": people[username]})
        for username in sorted(exports)
        if exports[username] >= limits["exports_per_day"]
        or people[username] >= limits["export_subjects_per_day"]
    ]  # fmt: skip


def refused_bursts(start: datetime.datetime, end: datetime.datetime) -> list[Draft]:
    """403 and 404 answers by one person (or, signed out, one address) within an hour."""
    per_hour: Counter[tuple[str, int]] = Counter()
    for username, ip, moment in AccessLog.objects.filter(
        occurred_at__gte=start, occurred_at__lt=end, status_code__in=(403, 404)
    ).values_list("username", "ip_address", "occurred_at"):
        per_hour[(username or ip or "-", timezone.localtime(moment).hour)] += 1
    peak: dict[str, tuple[int, int]] = {}
    for (who, hour), n in per_hour.items():
        if n >= _limits()["refused_per_hour"] and n > peak.get(who, (0, 0))[0]:
            peak[who] = (n, hour)
    return [
        Draft("refused_burst", who, n,
              {"user" if not _is_address(who) else "ip": who, "hour": f"{hour:02d}:00"})
        for who, (n, hour) in sorted(peak.items())
    ]  # fmt: skip


def _is_address(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def forged(start: datetime.datetime, end: datetime.datetime) -> list[Draft]:
    rows = (
        AuditEvent.objects.filter(
            kind__in=FORGED_KINDS, occurred_at__gte=start, occurred_at__lt=end
        )
        .values("username", "ip_address")
        .annotate(n=Count("id"))
    )
    found: Counter[str] = Counter()
    for r in rows:
        found[r["username"] or r["ip_address"] or "-"] += r["n"]
    return [
        Draft("forged", who, n, {"user" if not _is_address(who) else "ip": who})
        for who, n in sorted(found.items())
        if n >= _limits()["forged_per_day"]
    ]


def role_mfa_changes(start: datetime.datetime, end: datetime.datetime) -> list[Draft]:
    """Every change of roles, MFA, an administrator-set password or an account's state: one
    finding per event kind, listing whose (a roster import's changes come as one)."""
    by_kind: dict[str, list[int | None]] = defaultdict(list)
    for kind, subject in AuditEvent.objects.filter(
        kind__in=ROLE_MFA_KINDS, occurred_at__gte=start, occurred_at__lt=end
    ).values_list("kind", "subject_user_id"):
        by_kind[kind].append(subject)
    return [
        Draft("role_mfa_change", kind, len(subjects),
              {"kind": kind, "subjects": sorted({s for s in subjects if s})[:50]})
        for kind, subjects in sorted(by_kind.items())
    ]  # fmt: skip


def network_of(address: str) -> str:
    ip = ipaddress.ip_address(address)
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def new_networks(start: datetime.datetime, end: datetime.datetime) -> list[Draft]:
    """A privileged account signing in from a network it has not used in the look-back period
    (it must have signed in before: an account's first login is no change of network)."""
    privileged = set(
        get_user_model()
        .objects.filter(Q(groups__name__in=PRIVILEGED_ROLES) | Q(is_superuser=True))
        .values_list("pk", flat=True)
    )
    today = AuditEvent.objects.filter(
        kind=AuditEventKind.LOGIN_SUCCEEDED, occurred_at__gte=start, occurred_at__lt=end,
        user_id__in=privileged,
    ).exclude(ip_address=None)  # fmt: skip
    logins: dict[tuple[int, str], list[str]] = defaultdict(list)
    names: dict[int, str] = {}
    for user_id, username, ip in today.values_list("user_id", "username", "ip_address"):
        logins[(user_id, network_of(ip))].append(ip)
        names[user_id] = username
    if not logins:
        return []
    since = start - datetime.timedelta(days=_limits()["network_lookback_days"])
    known: dict[int, set[str]] = defaultdict(set)
    for user_id, ip in AuditEvent.objects.filter(
        kind=AuditEventKind.LOGIN_SUCCEEDED, occurred_at__gte=since, occurred_at__lt=start,
        user_id__in={u for u, _n in logins},
    ).exclude(ip_address=None).values_list("user_id", "ip_address"):  # fmt: skip
        known[user_id].add(network_of(ip))
    return [
        Draft("new_network", f"{names[user_id]} {network}", len(ips),
              {"user": names[user_id], "network": network, "ip": sorted(set(ips))[0]})
        for (user_id, network), ips in sorted(logins.items())
        if known[user_id] and network not in known[user_id]
    ]  # fmt: skip


def chain_failures(start: datetime.datetime, end: datetime.datetime) -> list[Draft]:
    return [
        Draft("chain_broken", f"{timezone.localtime(v.verified_at):%H:%M} #{v.pk}",
              len(v.breaks) or 1, {"breaks": v.breaks[:5], "source": v.source})
        for v in ChainVerification.objects.filter(
            verified_at__gte=start, verified_at__lt=end, intact=False
        )
    ]  # fmt: skip


RULES: tuple[Callable[[datetime.datetime, datetime.datetime], list[Draft]], ...] = (
    failed_logins, lockouts, off_hours, mass_views, mass_exports, refused_bursts, forged,
    role_mfa_changes, new_networks, chain_failures,
)  # fmt: skip


# Rules whose facts live in an app above this one (the backups): registered at start-up with
# their category's label, as event kinds and checklist lines are.
Rule = Callable[[datetime.datetime, datetime.datetime], list[Draft]]
_registered: list[Rule] = []


def register_rule(category: str, label: Any, rule: Rule) -> None:
    CATEGORIES[category] = label
    if rule not in _registered:
        _registered.append(rule)


def last_run() -> AnalysisRun | None:
    return AnalysisRun.objects.order_by("-ran_at", "-id").first()


def analyse(day: datetime.date) -> list[Draft]:
    """What every rule finds in the day's trail (nothing is stored)."""
    start, end = day_bounds(day)
    return [draft for rule in (*RULES, *_registered) for draft in rule(start, end)]


def _unlogged(day: datetime.date, failures: int) -> list[Draft]:
    """Requests whose audit row could not be written since the last run (the shared counter,
    audit.services.write_failures): their lines are in the application log."""
    last = last_run()
    before = last.write_failures if last is not None else 0
    if failures > before:
        return [Draft("unlogged", "audit", failures - before, {"since": str(last.day) if last
                                                                  else ""})]  # fmt: skip
    return []


def run(day: datetime.date, *, source: str = "command") -> tuple[AnalysisRun, list[Finding]]:
    """Analyse `day`, store its findings (a finding already stored keeps its review; its count
    and detail follow the trail) and record the run. Returns the run and the new findings."""
    from audit.services import write_failures  # the writer is above the readers here

    began = time.monotonic()
    failures = write_failures()
    drafts = analyse(day) + _unlogged(day, failures)
    new: list[Finding] = []
    with transaction.atomic():
        for draft in drafts:
            finding, created = Finding.objects.get_or_create(
                day=day, category=draft.category, key=draft.key[:200],
                defaults={"count": draft.count, "detail": draft.detail},
            )  # fmt: skip
            if created:
                new.append(finding)
            elif (finding.count, finding.detail) != (draft.count, draft.detail):
                Finding.objects.filter(pk=finding.pk).update(count=draft.count, detail=draft.detail)
        analysis_run = AnalysisRun.objects.create(
            day=day, source=source, findings=len(drafts), new_findings=len(new),
            new_finding_ids=[f.pk for f in new],
            seconds=round(time.monotonic() - began, 3), write_failures=failures,
        )  # fmt: skip
    return analysis_run, new


# Where each rule's evidence is: the event log filtered by kind, or the access log.
_EVIDENCE_KIND = {
    "failed_logins_account": AuditEventKind.LOGIN_FAILED,
    "failed_logins_address": AuditEventKind.LOGIN_FAILED,
    "lockout": AuditEventKind.LOGIN_RATE_LIMITED,
    "new_network": AuditEventKind.LOGIN_SUCCEEDED,
}
_IN_ACCESS_LOG = {"off_hours", "mass_views", "refused_burst", "unlogged"}


def evidence(finding: Finding) -> tuple[str, dict[str, str]]:
    """Where the evidence is — "access" (the access log), "events" (the event log) or "home"
    (the verification on the auditors' home) — and the filter that shows it for the day."""
    if finding.category in ("chain_broken", "backup_stale"):
        return "home", {}
    detail = finding.detail or {}
    day = finding.day.isoformat()
    query = {"date_from": day, "date_to": day, "user": detail.get("user") or "",
             "ip": detail.get("ip") or ""}  # fmt: skip
    if finding.category in _IN_ACCESS_LOG:
        if finding.category == "refused_burst":
            query["status"] = "4"
        return "access", {k: v for k, v in query.items() if v}
    query["kind"] = _EVIDENCE_KIND.get(finding.category) or detail.get("kind") or ""
    if finding.category == "new_network":
        query.pop("ip")  # the logins from every network, to compare
    return "events", {k: str(v) for k, v in query.items() if v}
