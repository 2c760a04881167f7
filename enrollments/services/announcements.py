"""お知らせ: HR writes to a course's or a session's people, chosen by the state of their place;
sent through the notices app (inbox now, e-mail through the outbox), once per person."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import groupby

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from audit.services import audit_event_record
from courses.models import Course, Session
from courses.selectors import session_notice_values
from enrollments.models import Announcement, Audience, Completion, Enrollment, Status
from notices.models import NoticeKind, NotificationTemplate, validate_placeholders
from notices.services import Recipient, notice_send_by_template
from trainees.models import User

SUBJECT_MAX = 200
BODY_MAX = 5000

_STATES = {
    Audience.CONFIRMED: Q(status=Status.CONFIRMED),
    Audience.REQUESTED: Q(status=Status.REQUESTED),
    Audience.WAITLISTED: Q(status=Status.WAITLISTED),
    Audience.NOT_COMPLETED: Q(status=Status.CONFIRMED) & ~Q(completion=Completion.COMPLETED),
}


def announcement_recipients(
    course: Course, session: Session | None, audience: Iterable[str]
) -> QuerySet[Enrollment]:
    """The places an お知らせ goes to: on the course (or the one session), in any of the
    chosen states, one per person (a person holds one active place per course)."""
    wanted = Q(pk__in=[])
    for code in audience:
        wanted |= _STATES[Audience(code)]
    places = Enrollment.objects.filter(course=course).filter(wanted)
    if session is not None:
        places = places.filter(session=session)
    return places.select_related("trainee").order_by("session_id", "trainee__staff_number")


def announcement_check(subject: str, body: str, audience: list[str]) -> None:
    """What the form says before anything is written (the same messages from any caller)."""
    errors: dict[str, list[str]] = {}
    if not subject.strip():
        errors.setdefault("subject", []).append(_("Write a subject."))
    if not body.strip():
        errors.setdefault("body", []).append(_("Write the message."))
    for name, text, limit in (("subject", subject, SUBJECT_MAX), ("body", body, BODY_MAX)):
        if len(text) > limit:
            errors.setdefault(name, []).append(
                _("At most %(limit)s characters (now %(n)s).") % {"limit": limit, "n": len(text)}
            )
    for name, text in (("subject", subject), ("body", body)):
        try:
            validate_placeholders(text)
        except ValidationError as exc:
            errors.setdefault(name, []).extend(exc.messages)
    if not audience:
        errors.setdefault("audience", []).append(_("Choose who it is for."))
    if errors:
        raise ValidationError(errors)


def announcement_preview(
    *, course: Course, session: Session | None, audience: list[str], subject: str, body: str
) -> tuple[int, tuple[str, str] | None]:
    """(how many it would reach, (subject, body) as the first of them would read it)."""
    announcement_check(subject, body, audience)
    places = announcement_recipients(course, session, audience)
    first = places.select_related("session__course", "session__room__venue").first()
    if first is None:
        return 0, None
    template = NotificationTemplate(kind=NoticeKind.INFO, subject=subject, body=body)
    values = {**session_notice_values(first.session), "name": first.trainee.name}
    return places.count(), template.render(values)


@transaction.atomic
def announcement_send(
    *, course: Course, session: Session | None, audience: list[str], subject: str, body: str,
    actor: User | None,
) -> Announcement:  # fmt: skip
    """Send it: an inbox notice now and an e-mail through the outbox to each person, with
    their own session's values filled in; all or nothing; refused when it reaches nobody."""
    announcement_check(subject, body, audience)
    places = list(
        announcement_recipients(course, session, audience).select_related(
            "session__course", "session__room__venue"
        ).prefetch_related("session__days")
    )  # fmt: skip
    if not places:
        raise ValidationError(_("Nobody on the course matches: nothing was sent."))
    announcement = Announcement.objects.create(
        course=course, session=session, audience=sorted(audience), subject=subject, body=body,
        sent_by=actor, recipients=len(places),
    )  # fmt: skip
    template = NotificationTemplate(kind=NoticeKind.INFO, subject=subject, body=body)
    for _session_id, group in groupby(places, key=lambda e: e.session_id):
        members = list(group)
        notice_send_by_template(
            kind=NoticeKind.INFO,
            recipients=[
                Recipient(trainee_id=e.trainee_id, user_id=e.trainee.user_id, name=e.trainee.name,
                          email=e.trainee.email, rule=announcement.rule,
                          link=reverse("enrollment_detail", args=[e.pk]))
                for e in members
            ],
            values=session_notice_values(members[0].session), link=reverse("trainee_home"),
            template=template,
        )  # fmt: skip
    audit_event_record(
        kind="announcement.sent", user=actor,
        detail={"announcement": announcement.pk, "course": course.pk,
                "session": session.pk if session else None, "audience": sorted(audience),
                "recipients": len(places)},
    )  # fmt: skip
    return announcement
