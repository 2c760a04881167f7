"""Reads for accounts and organisations."""

from __future__ import annotations

from collections import defaultdict

from allauth.mfa.models import Authenticator
from django.db.models import Count, Q

from trainees.models import Organisation, User
from trainees.roles import Role


def user_counts_by_role() -> list[tuple[Role, int, int]]:
    """(role, active accounts, of which with MFA) for each role, in one query."""
    totp = Authenticator.Type.TOTP
    rows = (
        User.objects.filter(is_active=True, groups__name__in=[r.value for r in Role])
        .values("groups__name")
        .annotate(
            total=Count("id", distinct=True),
            with_mfa=Count("id", distinct=True, filter=Q(authenticator__type=totp)),
        )
    )
    by_name = {row["groups__name"]: (row["total"], row["with_mfa"]) for row in rows}
    return [(role, *by_name.get(role.value, (0, 0))) for role in Role]


def account_totals() -> dict[str, int]:
    return User.objects.aggregate(
        active=Count("id", filter=Q(is_active=True)),
        inactive=Count("id", filter=Q(is_active=False)),
    )


def organisation_totals() -> dict[str, int]:
    return Organisation.objects.aggregate(
        internal=Count("id", filter=Q(is_external=False, is_active=True)),
        external=Count("id", filter=Q(is_external=True, is_active=True)),
    )


def organisations_in_scope(user: User) -> list[Organisation]:
    """The organisations a coordinator acts for, with all their sub-units, in tree order.

    Two queries whatever the depth: the coordinator's roots, then all organisations (a ward
    has a few hundred), walked in memory.
    """
    root_ids = list(user.coordinated_organisations.values_list("id", flat=True))
    if not root_ids:
        return []
    everything = list(Organisation.objects.order_by("code"))
    children: dict[int | None, list[Organisation]] = defaultdict(list)
    for organisation in everything:
        children[organisation.parent_id].append(organisation)
    by_id = {organisation.id: organisation for organisation in everything}
    result: list[Organisation] = []
    seen: set[int] = set()

    def walk(organisation: Organisation, depth: int) -> None:
        if organisation.id in seen:
            return
        seen.add(organisation.id)
        organisation.depth = depth
        result.append(organisation)
        for child in children[organisation.id]:
            walk(child, depth + 1)

    for root_id in sorted(root_ids, key=lambda pk: by_id[pk].code):
        walk(by_id[root_id], 0)
    return result


def user_has_totp(user: User) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
