"""職員情報登録・管理: HR keeps one person's record by hand — adds a mid-year hire or an external
organisation's staff member, corrects fields, transfers them (with the day it took effect),
marks a leaver and re-activates them.

Every value goes through the roster import's own checks (``trainees.roster.clean_values``: kana,
和暦 dates, full-width digits, e-mail form) and the registry's (staff number and login ID free,
the e-mail address not another person's), so a record made by hand is one the next annual
import reads as its own. Each write keeps a ``TraineeChange`` with who, why and old → new, and an
audit event; a write moves ``updated_at``, so a roster preview made before it is refused as
stale and the next one shows the hand-made values as the file's changes.
"""

from __future__ import annotations

import datetime
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_event_record
from trainees.concurrent import concurrent_organisations_sync
from trainees.events import trainee_transferred
from trainees.models import (
    EmploymentType,
    Organisation,
    PlannedTransfer,
    Trainee,
    TraineeChange,
    TraineeStatus,
    User,
)
from trainees.roles import Role
from trainees.roster import clean_values
from trainees.roster_import import COMPARED, DATE_COLUMNS, _external_username, _search_text

# The fields a hand edit may change (the organisation and the status have their own actions,
# the staff number is the person's key).
EDITABLE = [f for f in COMPARED if f not in {"organisation_id", "status", "age"}]


def _reason(reason: str) -> str:
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError({"reason": _("Say why (it is kept with the change).")})
    return reason[:500]


def _checked(raw: dict[str, str], *, today: datetime.date) -> dict[str, Any]:
    values, errors = clean_values(raw, today=today)
    if errors:
        raise ValidationError(errors)
    return values


def _email_free(email: str, user_id: int | None, trainee_id: int | None = None) -> None:
    """An e-mail address is one person's: not another account's verified address, nor on
    another active person's record."""
    if not email:
        return
    owner = (
        EmailAddress.objects.filter(email__iexact=email, verified=True)
        .exclude(user_id=user_id)
        .exists()
    )
    other = Trainee.objects.filter(email__iexact=email, status=TraineeStatus.ACTIVE)
    if trainee_id is not None:  # the person's own record (with or without a login)
        other = other.exclude(pk=trainee_id)
    if user_id is not None:
        other = other.exclude(user_id=user_id)
    if owner or other.exists():
        raise ValidationError({"email": _("This e-mail address belongs to another person.")})


def _change(
    trainee: Trainee, kind: str, changes: dict[str, Any], actor: User | None, reason: str
) -> TraineeChange:
    return TraineeChange.objects.create(
        trainee=trainee, changed_by=actor, kind=kind, changes=changes, reason=reason
    )


def _stored(field: str, value: Any) -> Any:
    """A model value as the change log keeps it (dates as ISO text, like the roster import)."""
    if field in DATE_COLUMNS and isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _to_field(field: str, value: Any) -> Any:
    if field in DATE_COLUMNS and value:
        return datetime.date.fromisoformat(value)
    return value


@transaction.atomic
def trainee_add(
    *,
    raw: dict[str, str],
    organisation: Organisation,
    actor: User | None,
    reason: str,
    today: datetime.date | None = None,
) -> Trainee:
    """A new person, with a login account (ID = staff number; external staff: CODE-number)
    that has no password until they are invited."""
    today = today or timezone.localdate()
    reason = _reason(reason)
    values = _checked(raw, today=today)
    external = organisation.is_external
    _employment_fits(values, external)
    number = values["staff_number"]
    taken = Trainee.objects.filter(staff_number=number, is_external=external)
    if external:
        taken = taken.filter(organisation=organisation)
    if taken.exists():
        raise ValidationError({"staff_number": _("This staff number is already registered.")})
    username = _external_username(organisation.code, number) if external else number
    user = User.objects.filter(username=username).first()
    if user is not None and Trainee.objects.filter(user=user).exists():
        raise ValidationError(
            {
                "staff_number": _("The login ID %(login)s belongs to another person's account.")
                % {"login": username}
            }
        )
    _email_free(values.get("email", ""), user.pk if user else None)
    if user is None:
        user = User(username=username)
        user.set_unusable_password()
    user.full_name, user.email, user.is_active = values["name"], values.get("email", ""), True
    user.save()
    user.groups.add(Group.objects.get(name=Role.TRAINEE.value))
    if user.email:
        EmailAddress.objects.update_or_create(
            user=user, email=user.email.lower(), defaults={"verified": True, "primary": True}
        )
    now = timezone.now()
    trainee = Trainee(
        staff_number=number,
        is_external=external,
        organisation=organisation,
        user=user,
        created_at=now,
        updated_at=now,
        search_text=_search_text(values, number),
    )
    for field in EDITABLE:
        setattr(trainee, field, _to_field(field, values.get(field)) or _blank(field))
    trainee.save()
    changes = {
        f: [None, _stored(f, getattr(trainee, f))]
        for f in EDITABLE
        if getattr(trainee, f) not in (None, "", [])
    }
    changes["organisation_id"] = [None, organisation.pk]
    concurrent_organisations_sync([trainee.pk])
    _change(trainee, "added", changes, actor, reason)
    audit_event_record(
        kind="trainee.added",
        user=actor,
        subject_user=user,
        detail={"trainee": trainee.pk, "organisation": organisation.code},
    )
    return trainee


def _employment_fits(values: dict[str, Any], external: bool) -> None:
    """他団体 is the employment type of external organisations' staff, and only theirs."""
    if external != (values["employment_type"] == EmploymentType.EXTERNAL):
        raise ValidationError(
            {
                "employment_type": _(
                    "Staff of an external organisation have the employment type 他団体; ward "
                    "staff another one."
                )
            }
        )


def _blank(field: str) -> Any:
    if field == "concurrent_posts":
        return []
    return None if field in DATE_COLUMNS else ""


@transaction.atomic
def trainee_edit(
    *,
    trainee: Trainee,
    raw: dict[str, str],
    actor: User | None,
    reason: str,
    today: datetime.date | None = None,
) -> dict[str, list[Any]]:
    """Correct a person's fields (not the organisation or the status: those are a transfer
    and a leaving). Returns what changed, field → [old, new]; nothing changed is refused."""
    today = today or timezone.localdate()
    reason = _reason(reason)
    trainee = Trainee.objects.select_for_update().get(pk=trainee.pk)
    values = _checked({**raw, "staff_number": trainee.staff_number}, today=today)
    _employment_fits(values, trainee.is_external)
    _email_free(values.get("email", ""), trainee.user_id, trainee.pk)
    changes: dict[str, list[Any]] = {}
    for field in EDITABLE:
        old = _stored(field, getattr(trainee, field))
        new = values.get(field)
        if field in DATE_COLUMNS or field == "concurrent_posts":
            new = new or _blank(field)
        if (new or None) != (old or None):
            changes[field] = [old, new]
            setattr(trainee, field, _to_field(field, new))
    if not changes:
        raise ValidationError(_("Nothing was changed."))
    trainee.search_text = _search_text(
        {"name": trainee.name, "name_kana": trainee.name_kana}, trainee.staff_number
    )
    trainee.updated_at = timezone.now()
    trainee.save()
    if trainee.user is not None and {"name", "email"} & changes.keys():
        trainee.user.full_name, trainee.user.email = trainee.name, trainee.email
        trainee.user.save(update_fields=["full_name", "email"])
        if "email" in changes:
            EmailAddress.objects.filter(user=trainee.user).delete()
            if trainee.email:
                EmailAddress.objects.create(
                    user=trainee.user, email=trainee.email.lower(), verified=True, primary=True
                )
    if "concurrent_posts" in changes:
        concurrent_organisations_sync([trainee.pk])
    _change(trainee, "edited", changes, actor, reason)
    audit_event_record(
        kind="trainee.edited",
        user=actor,
        subject_user=trainee.user,
        detail={"trainee": trainee.pk, "fields": sorted(changes)},
    )
    return changes


def _transfer_check(
    trainee: Trainee, organisation: Organisation, effective_on: datetime.date
) -> None:
    if trainee.hire_date and effective_on < trainee.hire_date:
        raise ValidationError({"effective_on": _("The day is before the hire date.")})
    if organisation.pk == trainee.organisation_id:
        raise ValidationError({"organisation": _("The person already belongs there.")})
    if organisation.is_external != trainee.is_external or not organisation.is_active:
        raise ValidationError(
            {
                "organisation": _(
                    "Choose an active organisation of the same kind (ward or external)."
                )
            }
        )


@transaction.atomic
def trainee_transfer(
    *,
    trainee: Trainee,
    organisation: Organisation,
    effective_on: datetime.date,
    actor: User | None,
    reason: str,
    today: datetime.date | None = None,
) -> int:
    """Move a person to another organisation from ``effective_on`` (today or earlier: a move
    entered late). Places on sessions that began on or after that day count under the new
    organisation (``trainee_transferred``); earlier ones keep the organisation at the time.
    Returns how many places were re-counted."""
    today = today or timezone.localdate()
    reason = _reason(reason)
    trainee = Trainee.objects.select_for_update().get(pk=trainee.pk)
    if effective_on > today:  # a move ahead is planned (transfer_plan), not made now
        raise ValidationError(
            {"effective_on": _("That day has not come: plan the transfer for it instead.")}
        )
    _transfer_check(trainee, organisation, effective_on)
    old = trainee.organisation_id
    trainee.organisation = organisation
    trainee.updated_at = timezone.now()
    trainee.save(update_fields=["organisation", "updated_at"])
    _change(
        trainee,
        "transferred",
        {
            "organisation_id": [old, organisation.pk],
            "effective_on": [None, effective_on.isoformat()],
        },
        actor,
        reason,
    )
    results = trainee_transferred.send(
        sender=Trainee, trainee_id=trainee.pk, effective_on=effective_on
    )
    recounted = sum(int(value or 0) for _receiver, value in results)
    audit_event_record(
        kind="trainee.transferred",
        user=actor,
        subject_user=trainee.user,
        detail={
            "trainee": trainee.pk,
            "from": old,
            "to": organisation.pk,
            "effective_on": effective_on.isoformat(),
            "places_recounted": recounted,
        },
    )
    return recounted


@transaction.atomic
def trainee_set_active(
    *,
    trainee: Trainee,
    active: bool,
    on: datetime.date,
    actor: User | None,
    reason: str,
    today: datetime.date | None = None,
) -> None:
    """Mark a leaver (退職・転出; their login is disabled, their history stays) or bring them
    back (再任用・復職; the login works again)."""
    today = today or timezone.localdate()
    reason = _reason(reason)
    trainee = (
        Trainee.objects.select_for_update(of=("self",)).select_related("user").get(pk=trainee.pk)
    )
    wanted = TraineeStatus.ACTIVE if active else TraineeStatus.LEFT
    if trainee.status == wanted:
        raise ValidationError(_("The record already says so."))
    if on > today or (trainee.hire_date and on < trainee.hire_date):
        raise ValidationError({"on": _("Give a day between the hire date and today.")})
    if not active and actor is not None and trainee.user_id == actor.pk:
        raise ValidationError(_("You cannot mark yourself as having left."))
    old = trainee.status
    trainee.status, trainee.status_changed_on = wanted, on
    trainee.updated_at = timezone.now()
    trainee.save(update_fields=["status", "status_changed_on", "updated_at"])
    if trainee.user is not None:
        trainee.user.is_active = active
        trainee.user.save(update_fields=["is_active"])
    _change(
        trainee,
        "reactivated" if active else "left",
        {"status": [old, wanted], "status_changed_on": [None, on.isoformat()]},
        actor,
        reason,
    )
    audit_event_record(
        kind="trainee.reactivated" if active else "trainee.left",
        user=actor,
        subject_user=trainee.user,
        detail={"trainee": trainee.pk, "on": on.isoformat()},
    )


@transaction.atomic
def transfer_plan(
    *,
    trainee: Trainee,
    organisation: Organisation,
    effective_on: datetime.date,
    actor: User | None,
    reason: str,
    today: datetime.date | None = None,
) -> PlannedTransfer:
    """A transfer entered ahead of its day: kept, shown on the person's page, and made by the
    morning job on that day (transfers_apply_due) with the same checks and history as one
    entered on the day. A new plan for the same person replaces a pending one."""
    today = today or timezone.localdate()
    reason = _reason(reason)
    trainee = Trainee.objects.select_for_update().get(pk=trainee.pk)
    if effective_on <= today:
        raise ValidationError({"effective_on": _("That day has come: transfer the person now.")})
    if trainee.status != TraineeStatus.ACTIVE:
        raise ValidationError({"organisation": _("Only an active person can be transferred.")})
    _transfer_check(trainee, organisation, effective_on)
    replaced = list(
        PlannedTransfer.objects.select_for_update().filter(
            trainee=trainee, applied_at__isnull=True, cancelled_at__isnull=True
        )
    )
    now = timezone.now()
    for old in replaced:
        old.cancelled_at = now
        old.save(update_fields=["cancelled_at"])
    plan = PlannedTransfer.objects.create(
        trainee=trainee, organisation=organisation, effective_on=effective_on, reason=reason,
        created_by=actor,
    )  # fmt: skip
    _change(trainee, "plan_transfer",
            {"organisation_id": [trainee.organisation_id, organisation.pk],
             "effective_on": [None, effective_on.isoformat()]}, actor, reason)  # fmt: skip
    audit_event_record(
        kind="trainee.transfer_planned",
        user=actor,
        subject_user=trainee.user,
        detail={"trainee": trainee.pk, "to": organisation.pk,
                "effective_on": effective_on.isoformat(),
                **({"replaced": [p.pk for p in replaced]} if replaced else {})},
    )  # fmt: skip
    return plan


@transaction.atomic
def transfer_plan_cancel(*, plan: PlannedTransfer, actor: User | None, reason: str) -> None:
    reason = _reason(reason)
    plan = PlannedTransfer.objects.select_for_update().get(pk=plan.pk)
    if not plan.pending:
        raise ValidationError({"reason": _("This planned transfer is no longer pending.")})
    plan.cancelled_at = timezone.now()
    plan.save(update_fields=["cancelled_at"])
    _change(plan.trainee, "plan_cancelled",
            {"organisation_id": [plan.organisation_id, None],
             "effective_on": [plan.effective_on.isoformat(), None]}, actor, reason)  # fmt: skip
    audit_event_record(
        kind="trainee.transfer_cancelled", user=actor, subject_user=plan.trainee.user,
        detail={"trainee": plan.trainee_id, "plan": plan.pk},
    )  # fmt: skip


def transfers_apply_due(*, today: datetime.date | None = None) -> dict[str, int]:
    """The morning job: every pending planned transfer whose day has come is made (each in its
    own transaction), by whoever planned it and with their reason. One the annual roster made
    already (the person is there) is marked applied; one for someone who has left, or into an
    organisation since closed, is cancelled with the reason in the history. Safe to run
    again."""
    today = today or timezone.localdate()
    done = {"applied": 0, "cancelled": 0}
    due = PlannedTransfer.objects.filter(
        applied_at__isnull=True, cancelled_at__isnull=True, effective_on__lte=today
    ).values_list("pk", flat=True)
    for pk in list(due):
        done[_apply_planned(pk, today)] += 1
    return done


@transaction.atomic
def _apply_planned(pk: int, today: datetime.date) -> str:
    plan = PlannedTransfer.objects.select_for_update().select_related("trainee").get(pk=pk)
    if not plan.pending:
        return "applied"
    trainee = plan.trainee
    if trainee.organisation_id == plan.organisation_id:
        plan.applied_at = timezone.now()
        plan.save(update_fields=["applied_at"])
        return "applied"
    try:
        if trainee.status != TraineeStatus.ACTIVE:
            raise ValidationError(_("The person has left."))
        with transaction.atomic():
            trainee_transfer(trainee=trainee, organisation=plan.organisation,
                             effective_on=plan.effective_on, actor=plan.created_by,
                             reason=plan.reason, today=today)  # fmt: skip
    except ValidationError as exc:
        plan.cancelled_at = timezone.now()
        plan.save(update_fields=["cancelled_at"])
        why = "; ".join(exc.messages)
        _change(trainee, "plan_cancelled",
                {"organisation_id": [plan.organisation_id, None],
                 "effective_on": [plan.effective_on.isoformat(), None]}, None,
                _("Not made on its day: %(why)s") % {"why": why})  # fmt: skip
        return "cancelled"
    plan.applied_at = timezone.now()
    plan.save(update_fields=["applied_at"])
    return "applied"
