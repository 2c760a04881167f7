"""個人情報保護対策の状況: the system-side lines of the ward's personal-data checklist, each with
the evidence in force right now, read from the settings and the database (issue 20).

A line is "ok" only when its evidence says so; a line whose feature is not in the portal yet is
"not_configured" — never a tick without evidence. The page and its PDF are made from ``lines``.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from audit import analysis
from audit.models import AccessLog, AnalysisRun, ChainCut, ChainVerification, Finding
from audit.services import write_failures
from lib import pdf, scanning

OK, WARN, NOT_CONFIGURED = "ok", "warn", "not_configured"
STATUS_LABELS = {OK: _("In force"), WARN: pgettext_lazy("checklist", "Needs attention"),
                 NOT_CONFIGURED: _("Not configured")}  # fmt: skip
# The roles whose holders must use a second factor (group names; trainees/roles.py decides).
PRIVILEGED = ("hr_admin", "auditor")


@dataclass
class Line:
    code: str
    title: Any
    status: str
    evidence: list[str] = field(default_factory=list)

    @property
    def status_label(self) -> Any:
        return STATUS_LABELS[self.status]


def _transport(request: HttpRequest | None) -> Line:
    hsts = getattr(settings, "SECURE_HSTS_SECONDS", 0)
    cookies = settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE
    redirect = getattr(settings, "SECURE_SSL_REDIRECT", False)
    secure_now = request.is_secure() if request is not None else None
    good = bool(hsts and cookies and redirect) and secure_now is not False
    return Line("transport", _("Encrypted transport (HTTPS)"), OK if good else WARN, [
        f"SECURE_SSL_REDIRECT = {redirect}",
        f"SECURE_HSTS_SECONDS = {hsts}",
        f"SESSION_COOKIE_SECURE = {settings.SESSION_COOKIE_SECURE}, "
        f"CSRF_COOKIE_SECURE = {settings.CSRF_COOKIE_SECURE}",
        str(_("This request: %(scheme)s") % {"scheme": "HTTPS" if secure_now else "HTTP"})
        if secure_now is not None else "",
    ])  # fmt: skip


def _access_control() -> Line:
    users = get_user_model().objects.filter(is_active=True)
    counts = dict(
        users.filter(groups__name__in=analysis.ROLE_LABELS)
        .values_list("groups__name")
        .annotate(n=Count("id"))
    )
    privileged = users.filter(Q(groups__name__in=PRIVILEGED) | Q(is_superuser=True)).distinct()
    totp = Authenticator.objects.filter(type=Authenticator.Type.TOTP).values("user_id")
    enrolled = privileged.filter(pk__in=totp).count()
    total = privileged.count()
    evidence = [
        str(_("Active accounts by role: %(counts)s")
            % {"counts": ", ".join(f"{label} {counts.get(r, 0)}"
                                   for r, label in analysis.ROLE_LABELS.items())}),
        str(_("Privileged accounts (HR, auditors, superusers) with MFA: %(n)s of %(total)s")
            % {"n": enrolled, "total": total}),
        str(_("Roles are checked on every page by permission; coordinators see their own "
              "organisation only.")),
        str(_("Password asked again before a role change or an authenticator's removal in the "
              "admin (ADMIN_REAUTHENTICATION): %(value)s")
            % {"value": _("yes") if settings.ADMIN_REAUTHENTICATION else _("no")}),
    ]  # fmt: skip
    return Line("access_control", _("Authentication with MFA and access control by role"),
                OK if enrolled == total else WARN, evidence)  # fmt: skip


def _password_policy() -> Line:
    validators: list[Any] = settings.AUTH_PASSWORD_VALIDATORS
    length = next(
        (v.get("OPTIONS", {}).get("min_length", 8) for v in validators
         if v["NAME"].endswith("MinimumLengthValidator")), None,
    )  # fmt: skip
    evidence = [
        str(_("Minimum password length: %(n)s") % {"n": length or "-"}),
        str(_("Lock-out after failed logins: %(account)s per account, %(pair)s per account "
              "and address") % {"account": settings.ACCOUNT_RATE_LIMITS.get("login_failed"),
                                "pair": settings.RATE_LIMIT_LOGIN_FAILED_PAIR}),
        str(_("Signed out after %(n)s minutes without activity")
            % {"n": settings.SESSION_IDLE_MINUTES}),
    ]  # fmt: skip
    return Line("password", _("ID and password policy"), OK if (length or 0) >= 8 else WARN,
                evidence)  # fmt: skip


def _access_log() -> Line:
    start, end = analysis.day_bounds(timezone.localdate())
    today = AccessLog.objects.filter(occurred_at__gte=start, occurred_at__lt=end).count()
    failures = write_failures()
    evidence = [
        str(_("Requests logged today: %(n)s") % {"n": today}),
        str(_("Requests that could not be logged (since the counter started): %(n)s")
            % {"n": failures}),
    ]  # fmt: skip
    return Line("access_log", _("Access log obtained"), OK if failures == 0 else WARN, evidence)


def _analysis() -> Line:
    last = AnalysisRun.objects.order_by("-ran_at", "-id").first()
    open_findings = Finding.objects.filter(reviewed_at__isnull=True).count()
    if last is None:
        return Line("analysis", _("Access log analysed regularly"), NOT_CONFIGURED,
                    [str(_("The log analysis has not run yet."))])  # fmt: skip
    stale = timezone.now() - last.ran_at > datetime.timedelta(days=2)
    evidence = [
        str(_("Last analysis: %(when)s (day %(day)s, %(n)s findings)") % {
            "when": f"{timezone.localtime(last.ran_at):%Y-%m-%d %H:%M}", "day": last.day,
            "n": last.findings}),
        str(_("Findings not yet reviewed: %(n)s") % {"n": open_findings}),
    ]  # fmt: skip
    return Line("analysis", _("Access log analysed regularly"),
                WARN if stale or open_findings else OK, evidence)  # fmt: skip


def _tamper() -> Line:
    last = ChainVerification.objects.order_by("-verified_at", "-id").first()
    if last is None:
        return Line("tamper", _("Tampering detected (hash chains)"), NOT_CONFIGURED,
                    [str(_("The chains have not been verified yet."))])  # fmt: skip
    evidence = [
        str(_("Last verification: %(when)s — %(verdict)s, %(rows)s rows") % {
            "when": f"{timezone.localtime(last.verified_at):%Y-%m-%d %H:%M}",
            "verdict": _("intact") if last.intact else _("BROKEN"), "rows": last.rows}),
    ] + [f"{log}: {head.get('row')} {str(head.get('hash', ''))[:16]}…"
         for log, head in sorted((last.heads or {}).items())]  # fmt: skip
    cuts = list(ChainCut.objects.order_by("-cut_at")[:3])
    evidence += [
        str(_("Cut by the retention purge %(when)s: %(log)s up to row %(row)s (%(rows)s rows), "
              "head %(hash)s…") % {"when": f"{timezone.localtime(c.cut_at):%Y-%m-%d}",
                                   "log": c.log, "row": c.last_id, "rows": c.rows,
                                   "hash": c.hash[:16]})
        for c in cuts
    ]  # fmt: skip
    stale = timezone.now() - last.verified_at > datetime.timedelta(days=2)
    return Line("tamper", _("Tampering detected (hash chains)"),
                OK if last.intact and not stale else WARN, evidence)  # fmt: skip


def _networks() -> Line:
    title = _("Communication only with specific networks")
    staff = [str(n) for n in settings.STAFF_ALLOWED_NETWORKS]
    external = [str(n) for n in settings.EXTERNAL_LEARNING_NETWORKS]
    evidence = [
        str(_("Staff pages (%(paths)s) only from: %(networks)s")
            % {"paths": " ".join(settings.STAFF_NETWORK_PATHS), "networks": ", ".join(staff)})
        if staff else str(_("No allow-list for the staff pages (STAFF_ALLOWED_NETWORKS).")),
        str(_("External organisations' e-learning only from: %(networks)s")
            % {"networks": ", ".join(external)}) if external else "",
        str(_("Client address behind %(n)s trusted proxies (TRUSTED_PROXY_COUNT)")
            % {"n": settings.ALLAUTH_TRUSTED_PROXY_COUNT}),
        str(_("Data residency: %(value)s") % {"value": settings.DATA_RESIDENCY or "—"}),
    ]  # fmt: skip
    return Line("networks", title, OK if staff else NOT_CONFIGURED, evidence)


def _file_passwords() -> Line:
    required = settings.EXPORT_PROTECTION_REQUIRED
    evidence = [
        str(_("Every export of personal data is offered as an Excel file with a one-time "
              "password shown on the page (never sent with the file).")),
        str(_("Protection mandatory (EXPORT_PROTECTION_REQUIRED): %(value)s")
            % {"value": _("yes") if required else _("no")}),
        str(_("Password asked again before an export (EXPORT_REAUTHENTICATION): %(value)s")
            % {"value": _("yes") if settings.EXPORT_REAUTHENTICATION else _("no")}),
    ]  # fmt: skip
    return Line("file_passwords", _("Files with passwords"), OK if required else WARN, evidence)


def _antivirus() -> Line:
    title = _("Anti-virus scanning of uploads")
    if not scanning.configured():
        return Line("antivirus", title, NOT_CONFIGURED, [
            str(_("No virus scanner is configured (CLAMD_SOCKET or CLAMD_HOST): uploads are not "
                  "scanned.")),
        ])  # fmt: skip
    answer = scanning.version()
    evidence = [
        str(_("Every upload is scanned by ClamAV before it is accepted; an infected file is "
              "refused and recorded.")),
        str(_("Scanner: %(version)s") % {"version": answer}) if answer
        else str(_("The scanner does not answer: uploads are refused until it does.")),
        str(_("If the scanner is down, uploads are let through (CLAMD_FAIL_OPEN)."))
        if settings.CLAMD_FAIL_OPEN else "",
    ]  # fmt: skip
    good = answer is not None and not settings.CLAMD_FAIL_OPEN
    return Line("antivirus", title, OK if good else WARN, evidence)


def _not_yet(code: str, title: Any) -> Line:
    return Line(code, title, NOT_CONFIGURED, [str(_("Not in the portal yet."))])


# Lines whose evidence lives in an app above this one (the deletion reports, the backups): the
# app registers a function making its line when it starts (AppConfig.ready), as event kinds are.
_providers: dict[str, Callable[[], Line]] = {}


def register_line(code: str, provider: Callable[[], Line]) -> None:
    _providers[code] = provider


def _provided(code: str, title: Any) -> Line:
    provider = _providers.get(code)
    return provider() if provider is not None else _not_yet(code, title)


def lines(request: HttpRequest | None = None) -> list[Line]:
    return [
        _access_control(),
        _password_policy(),
        _transport(request),
        _access_log(),
        _analysis(),
        _tamper(),
        _provided("backup", _("Backups")),
        _provided("deletion", _("Deletion of data no longer needed, with a deletion report")),
        _file_passwords(),
        _antivirus(),
        _networks(),
    ]


def render_pdf(checked: list[Line], *, made_at: datetime.datetime) -> bytes:
    """The checklist as an A4 PDF for the ward's files (in the language active: the page makes
    it in Japanese)."""
    style = pdf.styles()
    small = style["small"]
    table = [[pdf.text(_("Measure"), small), pdf.text(_("State"), small),
              pdf.text(_("Evidence"), small)]] + [
        [pdf.text(line.title, small), pdf.text(line.status_label, small),
         pdf.lines([e for e in line.evidence if e], small)]
        for line in checked
    ]  # fmt: skip
    story: list[Any] = [
        pdf.text(_("Personal data protection measures: state of the system"), style["title"]),
        pdf.Spacer(1, 3 * pdf.mm),
        pdf.text(_("Training administration portal — as of %(when)s")
                 % {"when": f"{timezone.localtime(made_at):%Y-%m-%d %H:%M}"}, style["body"]),
        pdf.Spacer(1, 5 * pdf.mm),
        pdf.ruled_table(table, col_widths=[52 * pdf.mm, 26 * pdf.mm, 108 * pdf.mm]),
    ]  # fmt: skip
    return pdf.document_bytes(story, title=str(_("Personal data protection measures")))
