"""Writes for notices: the inbox, and one way to send a notice to a list of people by template
(inbox now, e-mail through the outbox after commit)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import analysis
from audit.models import AnalysisRun, ChainVerification, Finding
from audit.services import audit_event_record
from lib.bulk import insert_rows
from notices.delivery import DELIVER_TASK, lease, outbox_add
from notices.models import Delivery, Notice, NotificationTemplate
from trainees.models import Trainee, User
from trainees.roles import Role

# Deliveries per task: one SMTP connection sends a batch.
BATCH = 200
# Deliveries the sweeper hands over in one run (the next run takes the rest).
SWEEP_LIMIT = 10_000


@dataclass(frozen=True)
class Recipient:
    trainee_id: int
    user_id: int | None
    name: str
    email: str
    # What the notice is about ("order:12", "event:345", "reminder:7:session:3"): a notice of
    # one kind about one thing reaches a person once, however often it is sent.
    rule: str
    # Where the inbox notice's 開く leads for this person (default: the sender's link).
    link: str = ""


def batches(ids: list[int], size: int) -> Iterator[list[int]]:
    return (ids[i : i + size] for i in range(0, len(ids), size))


def outbox_add_batches(task: str, ids: list[int], size: int = BATCH) -> None:
    """Queue a task for these ids, `size` at a time, after commit (see notices.delivery)."""
    if ids:
        outbox_add(task, batches(ids, size))


def notices_send(
    *, user_ids: Iterable[int], kind: str, title: str, body: str, link: str = ""
) -> int:
    """Put the same notice in each person's inbox (no e-mail; set-based)."""
    now = timezone.now()
    ids = list(user_ids)
    insert_rows(
        Notice,
        ["user_id", "kind", "title", "body", "link", "created_at", "read_at"],
        ([uid, kind, title, body, link, now, None] for uid in ids),
    )
    return len(ids)


@transaction.atomic
def notice_send_by_template(
    *, kind: str, recipients: list[Recipient], values: dict[str, str], link: str,
    template: NotificationTemplate | None = None,
) -> int:  # fmt: skip
    """Send a notice of this kind to each recipient: the template filled with `values` and the
    person's name, in their inbox at once (if they have an account) and by e-mail through the
    outbox after commit. A (trainee, kind, rule) already sent is left out, so a retried job or a
    double click sends nothing twice. Returns how many were sent. Set-based (COPY on
    PostgreSQL): thousands of recipients cost a few statements."""
    rules = {r.rule for r in recipients}
    already = set(
        Delivery.objects.filter(kind=kind, rule__in=rules, trainee_id__in=[
            r.trainee_id for r in recipients
        ]).values_list("trainee_id", "rule")
    )  # fmt: skip
    recipients = [r for r in recipients if (r.trainee_id, r.rule) not in already]
    if not recipients:
        return 0
    # HR's own words for this one message (an お知らせ), or the kind's template.
    template = template or NotificationTemplate.for_kind(kind)
    texts = [template.render({**values, "name": r.name}) for r in recipients]
    now = timezone.now()
    insert_rows(
        Delivery,
        ["trainee_id", "kind", "rule", "email", "subject", "body", "status", "attempts",
         "last_error", "queued_at"],
        ([r.trainee_id, kind, r.rule, r.email, subject[:200], body,
          Delivery.Status.QUEUED if r.email else Delivery.Status.NO_EMAIL, 0, "", now]
         for r, (subject, body) in zip(recipients, texts, strict=True)),
    )  # fmt: skip
    insert_rows(
        Notice,
        ["user_id", "kind", "title", "body", "link", "created_at", "read_at"],
        ([r.user_id, kind, subject[:200], body, r.link or link, now, None]
         for r, (subject, body) in zip(recipients, texts, strict=True) if r.user_id),
    )  # fmt: skip
    queued = list(
        Delivery.objects.filter(kind=kind, rule__in=rules, status=Delivery.Status.QUEUED)
        .order_by("id")
        .values_list("id", flat=True)
    )
    outbox_add_batches(DELIVER_TASK, queued)
    return len(recipients)


@transaction.atomic
def deliveries_resend_failed(*, rule: str) -> int:
    """Queue the failed e-mails about `rule` again, to each person's current address (HR
    corrected it in the registry). Returns how many."""
    ids = list(
        Delivery.objects.filter(rule=rule, status=Delivery.Status.FAILED).values_list(
            "id", flat=True
        )
    )
    # One statement, taking each person's current address from the registry.
    Delivery.objects.filter(id__in=ids).update(
        status=Delivery.Status.QUEUED,
        last_error="",
        queued_at=timezone.now(),
        email=Subquery(Trainee.objects.filter(pk=OuterRef("trainee_id")).values("email")[:1]),
    )
    outbox_add_batches(DELIVER_TASK, ids)
    return len(ids)


@transaction.atomic
def deliveries_sweep(*, now: datetime.datetime | None = None) -> int:
    """Hand to the broker again the deliveries whose task it seems to have lost: queued longer
    than DELIVERY_SWEEP_AFTER_SECONDS (longer than a retry's longest back-off, so a greylisted
    mail waits its turn), or claimed by a worker whose lease ran out. Sending stays exactly
    once — a worker claims each row before sending, so a task handed over twice sends nothing
    twice. Returns how many were handed over (Celery beat runs it every minute)."""
    now = now or timezone.now()
    waiting = Delivery.objects.filter(
        Q(status=Delivery.Status.QUEUED,
          queued_at__lt=now - datetime.timedelta(seconds=settings.DELIVERY_SWEEP_AFTER_SECONDS))
        | Q(status=Delivery.Status.SENDING, claimed_at__lt=now - lease())
    )  # fmt: skip
    ids = list(waiting.order_by("id").values_list("id", flat=True)[:SWEEP_LIMIT])
    Delivery.objects.filter(id__in=ids, status=Delivery.Status.QUEUED).update(queued_at=now)
    outbox_add_batches(DELIVER_TASK, ids)
    return len(ids)


def notice_mark_read(*, user: User, notice_id: int | None = None) -> int:
    """Mark one notice (or, without an id, all of them) read; only the person's own."""
    notices = Notice.objects.filter(user=user, read_at__isnull=True)
    if notice_id is not None:
        notices = notices.filter(pk=notice_id)
    return notices.update(read_at=timezone.now())


@transaction.atomic
def template_save(*, template: NotificationTemplate, actor: User | None) -> NotificationTemplate:
    """HR's wording of a kind of notice (placeholders checked by the model's validators). The
    default wording, never saved before, is saved now — once, even if two HR officers save it
    at the same moment (the later one's wording stands)."""
    template.updated_at = timezone.now()
    template.full_clean(validate_unique=False)
    stored = NotificationTemplate.objects.filter(kind=template.kind).first()
    changes = {
        name: [getattr(stored, name) if stored else "", getattr(template, name)]
        for name in ("subject", "body")
        if (getattr(stored, name) if stored else None) != getattr(template, name)
    }
    with transaction.atomic():
        template, _created = NotificationTemplate.objects.update_or_create(
            kind=template.kind,
            defaults={"subject": template.subject, "body": template.body,
                      "updated_at": template.updated_at},
        )  # fmt: skip
    audit_event_record(kind="template.saved", user=actor,
                       detail={"kind": template.kind, "changes": changes})  # fmt: skip
    return template


def _tell_auditors(*, title: str, body: str, link: str) -> int:
    """A notice in every active auditor's inbox and an e-mail (auditors need not be trainees,
    so not through the deliveries). Returns how many were told."""
    auditors = list(User.objects.filter(is_active=True, groups__name=Role.AUDITOR.value).distinct())
    notices_send(user_ids=[a.pk for a in auditors], kind="info", title=title, body=body, link=link)
    send_mass_mail(
        [(f"[研修管理システム] {title}", body, None, [a.email]) for a in auditors if a.email]
    )
    return len(auditors)


def auditors_alert_chain_broken(*, verification_id: int) -> int:
    """Tell every active auditor that a verification of the audit chains failed, naming the
    first break and where to look."""
    verification = ChainVerification.objects.get(pk=verification_id)
    first = verification.breaks[0] if verification.breaks else {}
    body = _(
        "The verification of %(when)s found %(count)s break(s) in the audit trail's hash chains. "
        "First: %(log)s row %(row)s — %(what)s. Run manage.py verify_audit for the full list."
    ) % {
        "when": timezone.localtime(verification.verified_at).strftime("%Y-%m-%d %H:%M"),
        "count": len(verification.breaks), "log": first.get("log", "?"),
        "row": first.get("row", "?"), "what": first.get("what", ""),
    }  # fmt: skip
    return _tell_auditors(title=_("The audit trail failed its verification"), body=body,
                          link=reverse("audit:home"))  # fmt: skip


def auditors_findings_digest(*, run_id: int) -> int:
    """The day's digest of the log analysis: one notice and one e-mail to every auditor with
    the new findings by category (names of categories and counts only: no personal data in an
    e-mail), linking to the findings page."""
    analysis_run = AnalysisRun.objects.get(pk=run_id)
    new = Finding.objects.filter(pk__in=analysis_run.new_finding_ids)
    counts: dict[str, int] = {}
    for finding in new:
        counts[finding.category] = counts.get(finding.category, 0) + 1
    lines = [f"・{analysis.CATEGORIES.get(code, code)}: {n}" for code, n in sorted(counts.items())]
    body = _(
        "The log analysis of %(day)s found %(count)s new finding(s) to review:\n%(lines)s"
    ) % {"day": analysis_run.day.isoformat(), "count": analysis_run.new_findings,
         "lines": "\n".join(lines)}  # fmt: skip
    return _tell_auditors(title=_("New findings of the log analysis"), body=body,
                          link=reverse("audit:findings"))  # fmt: skip
