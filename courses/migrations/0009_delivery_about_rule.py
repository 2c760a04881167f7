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
    from notices.models import DEFAULT_TEMPLATES

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
