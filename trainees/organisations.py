"""組織の管理: HR keeps the organisation tree in its own pages — adds a section or an external
organisation, renames one from a day, moves it in the tree, merges it into another (its staff,
sub-units, coordinators' scopes and 所属長 follow), closes and re-opens it.

Organisations are never deleted: training history refers to them. A renaming or merger entered
late (effective on the 1st, entered on the 15th) re-counts the places on sessions begun since
through ``trainees.events`` (the enrolments' receivers); earlier places keep the name and the
organisation at the time. Each change keeps an ``OrganisationChange`` (what, from which day,
old → new, who and why) and an audit event, in one transaction: nothing is half-done.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_event_record
from lib.japanese import fold
from trainees.concurrent import concurrent_organisations_sync
from trainees.events import organisation_renamed
from trainees.models import (
    Organisation,
    OrganisationChange,
    SupervisorPost,
    Trainee,
    TraineeStatus,
    User,
)
from trainees.records import trainee_transfer


def _reason(reason: str) -> str:
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError({"reason": _("Say why (it is kept with the change).")})
    return reason[:500]


def _not_future(effective_on: datetime.date, today: datetime.date) -> None:
    if effective_on > today:
        raise ValidationError({"effective_on": _(
            "Enter the change on or after the day it takes effect: history counts by what was "
            "true on each day."
        )})  # fmt: skip


def _name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": _("The name is empty.")})
    if len(name) > 200:
        raise ValidationError({"name": _("At most 200 characters.")})
    return name


def _ancestors(organisation_id: int | None) -> set[int]:
    parent_of = dict(Organisation.objects.values_list("id", "parent_id"))
    found: set[int] = set()
    while organisation_id is not None and organisation_id not in found:
        found.add(organisation_id)
        organisation_id = parent_of.get(organisation_id)
    return found


def _parent_check(organisation: Organisation | None, parent: Organisation | None,
                  is_external: bool) -> None:  # fmt: skip
    if parent is None:
        return
    if parent.is_external != is_external or not parent.is_active:
        raise ValidationError({"parent": _(
            "The parent must be an active organisation of the same kind (ward or external)."
        )})  # fmt: skip
    if organisation is not None and organisation.pk in _ancestors(parent.pk):
        raise ValidationError({"parent": _("An organisation cannot be placed under itself.")})


def _record(organisation: Organisation, kind: str, effective_on: datetime.date,
            changes: dict[str, object], reason: str, actor: User | None) -> None:  # fmt: skip
    OrganisationChange.objects.create(
        organisation=organisation, kind=kind, effective_on=effective_on, changes=changes,
        reason=reason, changed_by=actor,
    )  # fmt: skip
    audit_event_record(
        kind=f"organisation.{kind}",
        user=actor,
        detail={"organisation": organisation.pk, "effective_on": effective_on.isoformat(),
                **changes},
    )  # fmt: skip


@transaction.atomic
def organisation_add(
    *, code: str, name: str, parent: Organisation | None, is_external: bool,
    valid_from: datetime.date, reason: str, actor: User | None,
) -> Organisation:  # fmt: skip
    """A new section or external organisation, from ``valid_from`` (a day ahead is allowed:
    the April reorganisation is prepared in March)."""
    reason = _reason(reason)
    code = fold(code).strip().upper()
    if not code or len(code) > 20 or not code.isalnum():
        raise ValidationError({"code": _("Use letters and digits only (at most 20).")})
    if Organisation.objects.filter(code=code).exists():
        raise ValidationError({"code": _("The organisation code %(code)s is already used.")
                               % {"code": code}})  # fmt: skip
    _parent_check(None, parent, is_external)
    organisation = Organisation.objects.create(
        code=code, name=_name(name), parent=parent, is_external=is_external,
        valid_from=valid_from,
    )  # fmt: skip
    concurrent_organisations_sync()  # a 兼務先 written as its name may name it now
    _record(organisation, OrganisationChange.Kind.ADDED, valid_from,
            {"code": code, "name": organisation.name,
             "parent": parent.name if parent else None}, reason, actor)  # fmt: skip
    return organisation


@transaction.atomic
def organisation_rename(
    *, organisation: Organisation, name: str, effective_on: datetime.date, reason: str,
    actor: User | None, today: datetime.date | None = None,
) -> int:  # fmt: skip
    """改称 from ``effective_on`` (today or earlier). Returns how many places on sessions begun
    since took the new name."""
    today = today or timezone.localdate()
    reason = _reason(reason)
    _not_future(effective_on, today)
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    name = _name(name)
    if name == organisation.name:
        raise ValidationError({"name": _("The organisation already has this name.")})
    old = organisation.name
    organisation.name = name
    organisation.save(update_fields=["name"])
    results = organisation_renamed.send(
        sender=Organisation, organisation_id=organisation.pk, effective_on=effective_on
    )
    renamed = sum(int(value or 0) for _receiver, value in results)
    concurrent_organisations_sync()
    _record(organisation, OrganisationChange.Kind.RENAMED, effective_on,
            {"name": [old, name], "places": renamed}, reason, actor)  # fmt: skip
    return renamed


@transaction.atomic
def organisation_move(
    *, organisation: Organisation, parent: Organisation | None, effective_on: datetime.date,
    reason: str, actor: User | None,
) -> None:  # fmt: skip
    """Put a section under another (a reorganisation): its staff and sub-units go with it."""
    reason = _reason(reason)
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if (parent.pk if parent else None) == organisation.parent_id:
        raise ValidationError({"parent": _("The organisation is already there.")})
    _parent_check(organisation, parent, organisation.is_external)
    old = organisation.parent.name if organisation.parent else None
    organisation.parent = parent
    organisation.save(update_fields=["parent"])
    _record(organisation, OrganisationChange.Kind.MOVED, effective_on,
            {"parent": [old, parent.name if parent else None]}, reason, actor)  # fmt: skip


@transaction.atomic
def organisation_merge(
    *, organisation: Organisation, into: Organisation, effective_on: datetime.date,
    reason: str, actor: User | None, today: datetime.date | None = None,
) -> dict[str, int]:  # fmt: skip
    """統合: ``organisation`` ends the day before ``effective_on`` and ``into`` takes it over.
    Its active staff are transferred (each with the change in their history; places since the
    day re-counted), its sub-units move under ``into``, its coordinators act for ``into`` too,
    its 所属長 posts end. History recorded under the old organisation is shown as ``into`` (it
    follows ``merged_into``). Returns counts of what moved."""
    today = today or timezone.localdate()
    reason = _reason(reason)
    _not_future(effective_on, today)
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    into = Organisation.objects.select_for_update().get(pk=into.pk)
    if not organisation.is_active:
        raise ValidationError({"into": _("This organisation is already closed or merged.")})
    if into.pk == organisation.pk or organisation.pk in _ancestors(into.pk):
        raise ValidationError({"into": _(
            "Merge into another organisation, not into itself or one of its sub-units."
        )})  # fmt: skip
    if into.is_external != organisation.is_external or not into.is_active:
        raise ValidationError({"into": _(
            "Choose an active organisation of the same kind (ward or external)."
        )})  # fmt: skip
    staff = list(
        Trainee.objects.filter(organisation=organisation, status=TraineeStatus.ACTIVE).order_by(
            "pk"
        )
    )
    for trainee in staff:
        day = max(effective_on, trainee.hire_date or effective_on)
        trainee_transfer(
            trainee=trainee, organisation=into, effective_on=min(day, today), actor=actor,
            reason=_("Merger of %(old)s into %(new)s: %(reason)s")
            % {"old": organisation.name, "new": into.name, "reason": reason},
            today=today,
        )  # fmt: skip
    children = list(Organisation.objects.filter(parent=organisation))
    for child in children:
        child.parent = into
        child.save(update_fields=["parent"])
    coordinators = list(User.objects.filter(coordinated_organisations=organisation))
    for user in coordinators:
        user.coordinated_organisations.add(into)
    posts = SupervisorPost.objects.filter(organisation=organisation).exclude(
        ends_on__lt=effective_on
    )
    posts_ended = posts.update(ends_on=effective_on - datetime.timedelta(days=1))
    organisation.merged_into = into
    organisation.is_active = False
    organisation.valid_to = effective_on - datetime.timedelta(days=1)
    if organisation.valid_from and organisation.valid_to < organisation.valid_from:
        organisation.valid_to = organisation.valid_from
    organisation.save(update_fields=["merged_into", "is_active", "valid_to"])
    concurrent_organisations_sync()  # 兼務 in the old organisation: now in the one it became
    counts = {"staff": len(staff), "sub_units": len(children),
              "coordinators": len(coordinators), "posts_ended": posts_ended}  # fmt: skip
    _record(organisation, OrganisationChange.Kind.MERGED, effective_on,
            {"into": into.name, **counts}, reason, actor)  # fmt: skip
    return counts


@transaction.atomic
def organisation_close(
    *, organisation: Organisation, on: datetime.date, reason: str, actor: User | None
) -> None:
    """廃止: the last day of an organisation nobody belongs to any more (move or merge its
    staff and sub-units first)."""
    reason = _reason(reason)
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if not organisation.is_active:
        raise ValidationError({"on": _("This organisation is already closed or merged.")})
    active = Trainee.objects.filter(organisation=organisation, status=TraineeStatus.ACTIVE)
    if active.exists():
        raise ValidationError({"on": _(
            "%(count)s active staff still belong here: transfer them, or merge the "
            "organisation into another."
        ) % {"count": active.count()}})  # fmt: skip
    if Organisation.objects.filter(parent=organisation, is_active=True).exists():
        raise ValidationError({"on": _("Active sub-units are still under it: move them first.")})
    if organisation.valid_from and on < organisation.valid_from:
        raise ValidationError({"on": _("The day is before the organisation began.")})
    organisation.is_active = False
    organisation.valid_to = on
    organisation.save(update_fields=["is_active", "valid_to"])
    _record(organisation, OrganisationChange.Kind.CLOSED, on, {}, reason, actor)


@transaction.atomic
def organisation_reopen(*, organisation: Organisation, reason: str, actor: User | None) -> None:
    """A closing made by mistake undone (a merged organisation stays merged)."""
    reason = _reason(reason)
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if organisation.is_active or organisation.merged_into_id:
        raise ValidationError({"reason": _("Only a closed (not merged) organisation re-opens.")})
    old = organisation.valid_to
    organisation.is_active = True
    organisation.valid_to = None
    organisation.save(update_fields=["is_active", "valid_to"])
    _record(organisation, OrganisationChange.Kind.REOPENED, timezone.localdate(),
            {"valid_to": [old.isoformat() if old else None, None]}, reason, actor)  # fmt: skip
