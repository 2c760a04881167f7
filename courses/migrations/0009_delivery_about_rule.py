"""Deliveries say what they are about in `rule` ("order:12", "event:345",
"reminder:7:session:3") and carry their rendered text, so that they can move to the notices app
without foreign keys to orders and sessions (0010 drops those, 0011 moves the table)."""

from django.db import migrations, models
from django.db.models import CharField, F, Value
from django.db.models.functions import Cast, Concat
from django.utils import formats, timezone

PENDING = ("queued", "sending", "failed")


def _values(session, order, name, portal):
    days = "、".join(
        f"{formats.date_format(d.date)} {d.starts_at:%H:%M}–{d.ends_at:%H:%M}"
        for d in session.days.order_by("date", "starts_at")
    )
    room = session.room
    deadline = session.cancellation_deadline
    return {
        "name": name,
        "course": session.course.title,
        "session": f"第{session.number}回",
        "dates": days,
        "venue": f"{room.venue.name} {room.name}" if room else session.online_url,
        "deadline": formats.date_format(timezone.localtime(deadline), "DATETIME_FORMAT")
        if deadline
        else "",
        "order_number": order.number if order else "",
        "order_date": formats.date_format(order.issued_on) if order else "",
        "portal_link": portal,
    }


# The default wordings as they were when this migration was written (frozen: a migration must
# give the same result whatever the code says later).
DEFAULT_TEMPLATES = {'decision': ['【受講決定通知】{course}（{session}）',
              '{name} 様\n'
              '\n'
              '次の研修の受講が決定しました。\n'
              '\n'
              '研修名：{course}（{session}）\n'
              '日時：{dates}\n'
              '会場：{venue}\n'
              '取消期限：{deadline}\n'
              '\n'
              '{portal_link}\n'
              '\n'
              '人材育成センター'],
 'info': ['{course}', '{name} 様\n\n{portal_link}'],
 'order': ['【研修命令】{course}（{session}）',
           '{name} 様\n'
           '\n'
           '次の研修の受講を命じます。\n'
           '\n'
           '研修名：{course}（{session}）\n'
           '日時：{dates}\n'
           '会場：{venue}\n'
           '命令番号：{order_number}（{order_date}）\n'
           '取消・欠席の連絡期限：{deadline}\n'
           '\n'
           '詳細は研修管理システムで確認してください。\n'
           '{portal_link}\n'
           '\n'
           '人材育成センター'],
 'rejection': ['【受講結果のお知らせ】{course}（{session}）',
               '{name} 様\n'
               '\n'
               '申込みの多かった次の研修は、今回は受講いただけないこととなりました。\n'
               '\n'
               '研修名：{course}（{session}）\n'
               '\n'
               '{portal_link}\n'
               '\n'
               '人材育成センター'],
 'reminder': ['【お知らせ】{course}（{session}）',
              '{name} 様\n'
              '\n'
              '{course}（{session}）についてのお知らせです。\n'
              '日時：{dates}\n'
              '会場：{venue}\n'
              '\n'
              '研修管理システムで、未完了の項目を確認してください。\n'
              '{portal_link}\n'
              '\n'
              '人材育成センター'],
 'waitlist': ['【補欠のお知らせ】{course}（{session}）',
              '{name} 様\n'
              '\n'
              '次の研修は定員に達したため、補欠として登録しました。欠員が出た場合は順番に繰り上げ、改めてお知らせします。\n'
              '\n'
              '研修名：{course}（{session}）\n'
              '日時：{dates}\n'
              '会場：{venue}\n'
              '\n'
              '{portal_link}\n'
              '\n'
              '人材育成センター']}


def forwards(apps, schema_editor):
    from django.conf import settings

    Delivery = apps.get_model("courses", "Delivery")
    Template = apps.get_model("courses", "NotificationTemplate")
    text = lambda field: Cast(field, CharField())  # noqa: E731
    Delivery.objects.filter(kind="reminder").update(
        rule=Concat(Value("reminder:"), text("session_id"), Value(":"), F("rule"))
    )
    Delivery.objects.filter(order__isnull=False).exclude(kind="reminder").update(
        rule=Concat(Value("order:"), text("order_id"))
    )
    # Mails still to be sent (or to be resent) need their text; sent ones keep none.
    # As NotificationTemplate.for_kind: HR's wording, or the default one if never saved.
    templates = {kind: text for kind, text in DEFAULT_TEMPLATES.items()}
    templates.update({t.kind: (t.subject, t.body) for t in Template.objects.all()})
    portal = f"{settings.PORTAL_BASE_URL}/inbox/"
    pending = Delivery.objects.filter(status__in=PENDING).select_related(
        "order", "session__course", "session__room__venue", "trainee"
    )
    for delivery in pending.iterator(chunk_size=500):
        subject, body = templates[delivery.kind]
        values = _values(delivery.session, delivery.order, delivery.trainee.name, portal)
        delivery.subject = subject.format_map(values)[:200]
        delivery.body = body.format_map(values)
        delivery.save(update_fields=["subject", "body"])


class Migration(migrations.Migration):

    dependencies = [
        ("courses", "0008_delivery_session_required"),
    ]

    operations = [
        migrations.AddField(
            model_name="delivery",
            name="subject",
            field=models.CharField(blank=True, max_length=200, verbose_name="subject"),
        ),
        migrations.AddField(
            model_name="delivery",
            name="body",
            field=models.TextField(blank=True, verbose_name="body"),
        ),
        migrations.AlterField(
            model_name="delivery",
            name="rule",
            field=models.CharField(blank=True, max_length=60, verbose_name="about"),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
