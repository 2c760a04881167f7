"""Notices: the in-system inbox (受信箱), the wording HR edits for each kind of notice, and the
way each notice also goes out by e-mail (a delivery row per person, through an outbox and Celery).

This app knows nothing of courses or enrolments: what a notice is about is a rule string
(``order:12``, ``event:345``, ``reminder:7:session:3``) chosen by the app that sends it, and the
text is rendered once, when the notice is made, so the e-mail says what the inbox says.
"""

from __future__ import annotations

import string

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NoticeKind(models.TextChoices):
    ORDER = "order", _("Training order")
    DECISION = "decision", _("Decision")
    WAITLIST = "waitlist", _("Waitlisted")
    REJECTION = "rejection", _("Not selected")
    REMINDER = "reminder", _("Reminder")
    INFO = "info", _("Information")
    REPORT = "report", _("Completion report")
    CANCELLED = "cancelled", _("Session cancelled")
    CHANGED = "changed", _("Session changed")
    EXPIRY = "expiry", _("Completion expiring")
    APPROVAL = "approval", _("Application to approve")
    VERDICT = "verdict", _("Approval of your application")


class Notice(models.Model):
    """A message in a person's in-system inbox (受信箱)."""

    user = models.ForeignKey(
        "trainees.User",
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notices",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=NoticeKind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"))
    link = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("received"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notice_user_unread")]

    def __str__(self) -> str:
        return self.title


# Placeholders a notification template may use, with what they stand for.
TEMPLATE_PLACEHOLDERS = {
    "name": _("the trainee's name"),
    "course": _("the course title"),
    "session": _("the session (第n回)"),
    "dates": _("the session's days and times"),
    "venue": _("the venue or online URL"),
    "deadline": _("the cancellation deadline"),
    "order_number": _("the order number"),
    "order_date": _("the order date"),
    "portal_link": _("the link to the portal"),
    "reason": _("why the session was cancelled"),
    "replacement": _("the replacement session, if any"),
    "changes": _("what changed (old → new)"),
    "urgent": _("【至急】 when the change is within 24 hours"),
    "valid_until": _("the day a completion expires (有効期限)"),
    "applicant": _("the applicant's name (approvals)"),
    "approval_due": _("the day approval is due"),
    "result": _("the approval's result"),
    "comment": _("the approver's comment"),
}


def validate_placeholders(text: str) -> None:
    """Reject a template whose placeholders are malformed or unknown — when it is saved, not
    when 4,000 e-mails are being sent."""
    try:
        fields = [
            name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name is not None
        ]
    except ValueError as exc:
        raise ValidationError(
            _("A placeholder is malformed (%(error)s). Write it as {name}.") % {"error": exc}
        ) from None
    unknown = sorted({name for name in fields if name not in TEMPLATE_PLACEHOLDERS})
    if unknown:
        raise ValidationError(
            _("Unknown placeholder: %(names)s. Use: %(allowed)s.")
            % {"names": ", ".join("{" + n + "}" for n in unknown),
               "allowed": ", ".join("{" + n + "}" for n in TEMPLATE_PLACEHOLDERS)}
        )  # fmt: skip


DEFAULT_TEMPLATES = {
    "order": (
        "【研修命令】{course}（{session}）",
        "{name} 様\n\n次の研修の受講を命じます。\n\n"
        "研修名：{course}（{session}）\n日時：{dates}\n会場：{venue}\n"
        "命令番号：{order_number}（{order_date}）\n取消・欠席の連絡期限：{deadline}\n\n"
        "詳細は研修管理システムで確認してください。\n{portal_link}\n\n人材育成センター",
    ),
    "decision": (
        "【受講決定通知】{course}（{session}）",
        "{name} 様\n\n次の研修の受講が決定しました。\n\n"
        "研修名：{course}（{session}）\n日時：{dates}\n"
        "会場：{venue}\n取消期限：{deadline}\n\n{portal_link}\n\n人材育成センター",
    ),
    "waitlist": (
        "【補欠のお知らせ】{course}（{session}）",
        "{name} 様\n\n次の研修は定員に達したため、補欠として登録しました。"
        "欠員が出た場合は順番に繰り上げ、改めてお知らせします。\n\n"
        "研修名：{course}（{session}）\n日時：{dates}\n会場：{venue}\n\n{portal_link}\n\n人材育成センター",
    ),
    "rejection": (
        "【受講結果のお知らせ】{course}（{session}）",
        "{name} 様\n\n申込みの多かった次の研修は、今回は受講いただけないこととなりました。\n\n"
        "研修名：{course}（{session}）\n\n{portal_link}\n\n人材育成センター",
    ),
    "reminder": (
        "【お知らせ】{course}（{session}）",
        "{name} 様\n\n{course}（{session}）についてのお知らせです。\n"
        "日時：{dates}\n会場：{venue}\n\n"
        "研修管理システムで、未完了の項目を確認してください。\n{portal_link}\n\n人材育成センター",
    ),
    "info": ("{course}", "{name} 様\n\n{portal_link}"),
    "cancelled": (
        "【中止のお知らせ】{course}（{session}）",
        "{name} 様\n\n次の研修は中止となりました。お申込み・受講予定は取り消されています。\n\n"
        "研修名：{course}（{session}）\n日時：{dates}\n中止の理由：{reason}\n\n"
        "{replacement}\n\n{portal_link}\n\n人材育成センター",
    ),
    "changed": (
        "{urgent}【日程等変更のお知らせ】{course}（{session}）",
        "{name} 様\n\n次の研修の日時・会場等が変更になりました。\n\n"
        "研修名：{course}（{session}）\n{changes}\n\n"
        "変更後の日時：{dates}\n会場：{venue}\n\n{portal_link}\n\n人材育成センター",
    ),
    "expiry": (
        "【有効期限のお知らせ】{course}",
        "{name} 様\n\n{course}の修了の有効期限は{valid_until}です。"
        "期限が切れる前に、改めて受講してください。\n"
        "受講履歴は研修管理システムで確認できます。\n{portal_link}\n\n人材育成センター",
    ),
    "approval": (
        "【承認依頼】{applicant}さんの研修申込（{course}）",
        "{name} 様\n\n{applicant}さんから次の研修への申込みがありました。"
        "所属長として承認してください。\n\n研修名：{course}（{session}）\n日時：{dates}\n"
        "承認期限：{approval_due}\n\n承認・差し戻しは研修管理システムの「承認待ち」から行えます。\n"
        "{portal_link}\n\n人材育成センター",
    ),
    "verdict": (
        "【申込の承認結果】{course}（{session}）：{result}",
        "{name} 様\n\n次の研修への申込みについて、所属の承認結果をお知らせします。\n\n"
        "研修名：{course}（{session}）\n日時：{dates}\n結果：{result}\n{comment}\n\n"
        "{portal_link}\n\n人材育成センター",
    ),
    "report": (
        "【受講結果報告】{course}（{session}）",
        "{name} 様\n\n{course}（{session}）の受講結果報告について、所属から連絡があります。\n"
        "研修管理システムで内容を確認してください。\n{portal_link}\n\n人材育成センター",
    ),
}


class NotificationTemplate(models.Model):
    """The subject and body HR edits for each kind of notice (sent in the inbox and by e-mail)."""

    kind = models.CharField(_("kind"), max_length=10, choices=NoticeKind.choices, unique=True)
    subject = models.CharField(_("subject"), max_length=200, validators=[validate_placeholders])
    body = models.TextField(_("body"), validators=[validate_placeholders])
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("notification template")
        verbose_name_plural = _("notification templates")
        ordering = ["kind"]

    def __str__(self) -> str:
        return self.get_kind_display()

    @classmethod
    def for_kind(cls, kind: str) -> NotificationTemplate:
        """The template for a kind of notice: HR's wording, or — never saved — the default
        wording, unsaved (reading it writes nothing; notices.services.template_save keeps it)."""
        subject, body = DEFAULT_TEMPLATES[kind]
        return cls.objects.filter(kind=kind).first() or cls(kind=kind, subject=subject, body=body)

    def render(self, values: dict[str, str]) -> tuple[str, str]:
        """(subject, body) with the placeholders filled in."""
        filled = {name: values.get(name, "") for name in TEMPLATE_PLACEHOLDERS}
        return self.subject.format_map(filled), self.body.format_map(filled)


# Deliveries that reached nobody by e-mail (Delivery.Status FAILED and NO_EMAIL): named here,
# before the model, for its partial index; the selectors ask with the same list, which the
# index's condition must match.
UNDELIVERED = ["failed", "no_email"]


class Delivery(models.Model):
    """One notice's e-mail to one trainee. Unique per (trainee, kind, rule), so a retry, a double
    click or a restarted worker can never make a second one."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        NO_EMAIL = "no_email", _("No e-mail address (notice only)")

    Kind = NoticeKind

    trainee = models.ForeignKey("trainees.Trainee", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(
        _("kind"), max_length=10, choices=NoticeKind.choices, default=NoticeKind.ORDER
    )
    # What this delivery is about, in the sender's words: "order:12" (a training order),
    # "event:345" (a decision), "reminder:7:session:3" (3 days before session 7).
    rule = models.CharField(_("about"), max_length=60)
    email = models.EmailField(_("e-mail"), blank=True)
    # Rendered when the notice was made: the e-mail says what the inbox says.
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("body"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("reason"), max_length=300, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # When it was last handed to the broker: a row queued long ago whose task the broker lost
    # is handed over again by the sweeper (notices.services.deliveries_sweep).
    queued_at = models.DateTimeField(_("queued"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["trainee", "kind", "rule"], name="delivery_once_per_rule"
            ),
        ]
        indexes = [
            models.Index(fields=["rule", "status"], name="delivery_rule_status"),
            models.Index(
                fields=["queued_at"],
                name="delivery_waiting",
                condition=models.Q(status__in=["queued", "sending"]),
            ),
            # The few that reached nobody by e-mail, by rule: HR's home asks which orders have
            # any. A rule's prefix ("order:") is a LIKE, which the (rule, status) index takes
            # only under the "C" collation: elsewhere every delivery's entry was read.
            models.Index(
                fields=["rule"],
                name="delivery_undelivered",
                condition=models.Q(status__in=UNDELIVERED),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule}:{self.trainee_id} {self.status}"


class OutboxMessage(models.Model):
    """A task to enqueue, written in the same transaction as what it is about. The relay
    publishes it to the broker after commit; if the broker is down it stays here until it is
    back — nothing committed is lost, and the deliveries it names are idempotent."""

    task = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    relayed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["created_at"],
                name="outbox_pending",
                condition=models.Q(relayed_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.task} {self.created_at:%Y-%m-%d %H:%M:%S}"
