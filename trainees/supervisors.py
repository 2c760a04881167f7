"""所属長: HR appoints the supervisor of an organisation (and a deputy) from a day, and ends the
appointment. Appointing a new 所属長 from a day ends the previous open appointment the day
before (人事異動 on 1 April: the outgoing 課長 holds the post until 31 March); any other
overlap is refused, so on each day an organisation has at most one 所属長."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import audit_event_record
from trainees.models import Organisation, SupervisorPost, Trainee, TraineeStatus, User


def _may_act(person: Trainee, field: str) -> None:
    if person.status != TraineeStatus.ACTIVE or person.is_external or not person.user_id:
        raise ValidationError({field: _(
            "%(name)s cannot hold the post: only active ward staff with a login account can "
            "approve in the portal."
        ) % {"name": person.name}})  # fmt: skip


@transaction.atomic
def supervisor_appoint(
    *,
    organisation: Organisation,
    holder: Trainee,
    deputy: Trainee | None,
    starts_on: datetime.date,
    ends_on: datetime.date | None,
    note: str,
    actor: User | None,
) -> tuple[SupervisorPost, SupervisorPost | None]:
    """Appoint a 所属長 (and deputy) from ``starts_on``. Returns the new post and the previous
    one it ended, if any."""
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if organisation.is_external:
        raise ValidationError(
            {"organisation": _("External organisations approve outside the portal.")}
        )
    _may_act(holder, "holder")
    if deputy is not None:
        _may_act(deputy, "deputy")
        if deputy.pk == holder.pk:
            raise ValidationError({"deputy": _("The deputy must be another person.")})
    if ends_on is not None and ends_on < starts_on:
        raise ValidationError({"ends_on": _("The end is before the start.")})
    posts = list(SupervisorPost.objects.select_for_update().filter(organisation=organisation))
    ended = None
    for post in posts:
        overlaps = post.starts_on <= (ends_on or datetime.date.max) and starts_on <= (
            post.ends_on or datetime.date.max
        )
        if not overlaps:
            continue
        if post.ends_on is None and post.starts_on < starts_on and ended is None:
            post.ends_on = starts_on - datetime.timedelta(days=1)
            post.save(update_fields=["ends_on"])
            ended = post
            continue
        raise ValidationError({"starts_on": _(
            "%(name)s holds the post from %(start)s to %(end)s: the periods overlap."
        ) % {"name": post.holder.name, "start": post.starts_on.isoformat(),
             "end": post.ends_on.isoformat() if post.ends_on else "—"}})  # fmt: skip
    post = SupervisorPost.objects.create(
        organisation=organisation, holder=holder, deputy=deputy, starts_on=starts_on,
        ends_on=ends_on, note=" ".join(note.split())[:200], created_by=actor,
    )  # fmt: skip
    audit_event_record(
        kind="supervisor.appointed",
        user=actor,
        detail={"post": post.pk, "organisation": organisation.pk, "holder": holder.pk,
                "deputy": deputy.pk if deputy else None, "from": starts_on.isoformat(),
                "until": ends_on.isoformat() if ends_on else None,
                **({"ended": ended.pk} if ended else {})},
    )  # fmt: skip
    return post, ended


@transaction.atomic
def supervisor_post_end(
    *, post: SupervisorPost, ends_on: datetime.date, actor: User | None
) -> SupervisorPost:
    """End an appointment on a day (the last day it is held)."""
    post = SupervisorPost.objects.select_for_update().get(pk=post.pk)
    if ends_on < post.starts_on:
        raise ValidationError({"ends_on": _("The end is before the start.")})
    post.ends_on = ends_on
    post.save(update_fields=["ends_on"])
    audit_event_record(
        kind="supervisor.ended",
        user=actor,
        detail={"post": post.pk, "organisation": post.organisation_id,
                "until": ends_on.isoformat()},
    )  # fmt: skip
    return post
