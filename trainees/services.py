"""Writes for accounts, roles and organisations."""

from __future__ import annotations

from collections.abc import Iterable

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_event_record
from trainees.models import Organisation, Trainee, TraineeStatus, User
from trainees.roles import ROLE_PERMISSIONS, STAFF_ROLES, Role
from trainees.tasks import send_invitation


def role_groups_sync(*, using: str = "default") -> None:
    """Create the role groups and give each exactly the permissions of ``ROLE_PERMISSIONS``.

    Permissions whose app has not been migrated yet are skipped; the next post_migrate adds them.
    """
    for role, perm_names in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.using(using).get_or_create(name=role.value)
        wanted = []
        for name in perm_names:
            app_label, codename = name.split(".")
            perm = (
                Permission.objects.using(using)
                .filter(content_type__app_label=app_label, codename=codename)
                .first()
            )
            if perm is not None:
                wanted.append(perm)
        group.permissions.set(wanted)


@transaction.atomic
def user_provision(
    *,
    username: str,
    full_name: str,
    email: str = "",
    password: str | None = None,
    roles: Iterable[Role] = (Role.TRAINEE,),
    coordinated_organisations: Iterable[Organisation] = (),
    actor: User | None = None,
) -> User:
    """Create or update an account provisioned by HR, with its roles and verified e-mail.

    Without a password the account cannot log in by password until it is reset by e-mail.
    """
    username = User.normalize_username(username).strip()
    email = User.objects.normalize_email(email.strip()) if email else ""
    user = User.objects.filter(username=username).first()
    created = user is None
    if user is None:
        user = User(username=username)
    user.full_name = full_name.strip()
    user.email = email
    if password:
        user.set_password(password)
    elif created:
        user.set_unusable_password()
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from exc
    user.save()
    user_set_roles(user=user, roles=roles, actor=actor)
    user.coordinated_organisations.set(coordinated_organisations)
    if email:
        # HR supplies the address, so it counts as verified; it is the primary address.
        EmailAddress.objects.filter(user=user).exclude(email__iexact=email).delete()
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
    audit_event_record(
        kind="account.provisioned" if created else "account.updated",
        user=actor,
        subject_user=user,
        detail={"roles": sorted(role.value for role in user.roles)},
    )
    return user


@transaction.atomic
def user_set_roles(*, user: User, roles: Iterable[Role], actor: User | None = None) -> None:
    roles = {Role(role) for role in roles}
    if not roles:
        raise ValidationError(_("An account needs at least one role."))
    other_groups = user.groups.exclude(name__in=[role.value for role in Role])
    user.groups.set([*other_groups, *Group.objects.filter(name__in=[r.value for r in roles])])
    is_staff = bool(roles & STAFF_ROLES) or user.is_superuser
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])
    user.forget_roles()


@transaction.atomic
def user_set_language(*, user: User, language: str) -> None:
    if user.language != language:
        audit_event_record(
            kind="account.language_changed", user=user, subject_user=user,
            detail={"changes": {"language": [user.language, language]}},
        )  # fmt: skip
        user.language = language
        user.save(update_fields=["language"])


def invitations_send(*, trainee_ids: Iterable[int], actor: User | None) -> int:
    """Queue a one-time set-password e-mail for each active trainee with an address and an
    account that has never had a password. Returns how many were queued."""

    candidates = list(
        Trainee.objects.filter(
            id__in=list(trainee_ids), status=TraineeStatus.ACTIVE, user__is_active=True
        )
        .exclude(email="")
        .select_related("user")
    )
    targets = [t for t in candidates if t.user is not None and not t.user.has_usable_password()]
    if not targets:
        return 0
    now = timezone.now()
    with transaction.atomic():
        Trainee.objects.filter(id__in=[t.id for t in targets]).update(invited_at=now)
        audit_event_record(kind="account.invited", user=actor, detail={"count": len(targets)})
        user_ids = [t.user_id for t in targets if t.user_id is not None]
        transaction.on_commit(lambda: [send_invitation.delay(uid) for uid in user_ids])
    return len(targets)
