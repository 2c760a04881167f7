"""Reads for accounts and organisations."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy

from lib.japanese import list_join, search_key
from trainees.models import (
    Organisation,
    RosterImport,
    SupervisorPost,
    Trainee,
    TraineeChange,
    User,
)
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


def organisation_descendants(root_ids: list[int]) -> set[int]:
    """The given organisations and all their sub-units (one query, walked in memory)."""
    children: dict[int | None, list[int]] = defaultdict(list)
    for pk, parent in Organisation.objects.values_list("id", "parent_id"):
        children[parent].append(pk)
    found: set[int] = set()
    stack = list(root_ids)
    while stack:
        pk = stack.pop()
        if pk not in found:
            found.add(pk)
            stack.extend(children[pk])
    return found


def coordinators_by_organisation(organisation_ids: set[int] | None) -> dict[int, set[int]]:
    """{organisation id: ids of the active coordinators who act for it} — the coordinators of
    the organisation itself and of every unit above it, since a coordinator's scope includes
    all sub-units (``organisations_in_scope``). This is the one answer to "who coordinates
    this person": every notice to coordinators and every review route asks it. 兼務先 do not
    count: a coordinator's scope holds a trainee by their own organisation only. None asks it
    of every organisation (a city has a few hundred). Two queries."""
    if organisation_ids is not None and not organisation_ids:
        return {}
    parent_of = dict(Organisation.objects.values_list("id", "parent_id"))
    asked_of_all = organisation_ids is None
    if organisation_ids is None:
        organisation_ids = set(parent_of)
    chains: dict[int, set[int]] = {}
    for organisation_id in organisation_ids:
        chain: set[int] = set()
        current: int | None = organisation_id
        while current is not None and current not in chain:
            chain.add(current)
            current = parent_of.get(current)
        chains[organisation_id] = chain
    acting: dict[int, set[int]] = defaultdict(set)
    coordinators = User.objects.filter(is_active=True, groups__name=Role.COORDINATOR.value)
    # Asked of every organisation, every coordinator counts: naming the few hundred
    # organisations made a query that psycopg parsed anew each time (3–4 ms of HR's home).
    coordinators = (
        coordinators.filter(coordinated_organisations__isnull=False)
        if asked_of_all
        else coordinators.filter(coordinated_organisations__in=set().union(*chains.values()))
    )
    for user_id, coordinated in coordinators.values_list("id", "coordinated_organisations"):
        acting[coordinated].add(user_id)
    return {
        organisation_id: set().union(*(acting[pk] for pk in chain))
        for organisation_id, chain in chains.items()
    }


def coordinators_of(trainee: Trainee) -> set[int]:
    """Ids of the active coordinators who act for this trainee — never the trainee's own
    account (nobody reviews or is asked about their own work)."""
    found = coordinators_by_organisation({trainee.organisation_id}).get(
        trainee.organisation_id, set()
    )
    return found - {trainee.user_id} if trainee.user_id else found


def organisation_ids_in_scope(user: User) -> set[int]:
    """The ids of ``organisations_in_scope``: the organisations a coordinator acts for with all
    their sub-units. Two light queries (the roots, then every organisation's id and parent),
    for the many callers that only filter by the scope: building a city's 666 organisations
    to read their ids cost 4.5 ms of every coordinator page, this 1.3."""
    root_ids = list(user.coordinated_organisations.values_list("id", flat=True))
    return organisation_descendants(root_ids) if root_ids else set()


def organisations_in_scope(user: User) -> list[Organisation]:
    """The organisations a coordinator acts for, with all their sub-units, in tree order.

    Three queries whatever the depth: the coordinator's roots; every organisation's id, parent
    and code (a city has a few hundred), walked in memory; then only the scope's
    organisations. Building all of a city's 666 organisations to show a 部's 33 cost 6 ms of
    the coordinator's home, this 2.
    """
    root_ids = list(user.coordinated_organisations.values_list("id", flat=True))
    if not root_ids:
        return []
    code_of: dict[int, str] = {}
    children: dict[int | None, list[int]] = defaultdict(list)
    for pk, parent_id, code in Organisation.objects.order_by("code").values_list(
        "id", "parent_id", "code"
    ):
        code_of[pk] = code
        children[parent_id].append(pk)
    order: list[tuple[int, int]] = []  # (id, depth) in tree order
    seen: set[int] = set()

    def walk(pk: int, depth: int) -> None:
        if pk in seen:
            return
        seen.add(pk)
        order.append((pk, depth))
        for child in children[pk]:
            walk(child, depth + 1)

    for root_id in sorted(root_ids, key=code_of.__getitem__):
        walk(root_id, 0)
    by_id = Organisation.objects.in_bulk(list(seen))
    result: list[Organisation] = []
    for pk, depth in order:
        organisation = by_id[pk]
        organisation.depth = depth  # type: ignore[attr-defined] # for the template's indent
        result.append(organisation)
    return result


def user_has_totp(user: User) -> bool:
    """Has the person set up an authenticator app? (Asked once per request: kept on the user.)"""
    known = user.__dict__.get("_has_totp")
    if known is None:
        known = user.__dict__["_has_totp"] = Authenticator.objects.filter(
            user=user, type=Authenticator.Type.TOTP
        ).exists()
    return known


def trainee_scope(user: User, *, concurrent: bool = True) -> QuerySet[Trainee]:
    """The trainees this person may see: HR all, a coordinator their organisations' staff
    (sub-units included) and — unless ``concurrent`` is False — those holding a 兼務 post in
    them; anyone else nobody. Lookups through this give outsiders a 404."""
    if user.has_perm("trainees.use_hr_console"):
        return Trainee.objects.all()
    if user.has_perm("trainees.use_coordinator_pages"):
        ids = sorted(organisation_ids_in_scope(user))
        if not concurrent:
            return Trainee.objects.filter(organisation_id__in=ids)
        return _coordinator_scope(ids, _post_holders(ids))
    return Trainee.objects.none()


@dataclass(frozen=True)
class CountedScope:
    """``trainee_scope(user)`` as ``staff``, how many people it holds, and what it is made of:
    the organisations (None: everyone) and the 兼務 holders of a post in them."""

    staff: QuerySet[Trainee]
    headcount: int
    organisation_ids: list[int] | None
    holders: list[int]

    def on(self, relation: str) -> Q:
        """The scope as a condition on the trainee reached by ``relation`` (a field path), to
        be asked of that table's own row: a query that joins the staff anyway (to sort by their
        organisation and number) then filters them as it reads them, rather than matching each
        row against the scope as a set and looking its person up afterwards."""
        if self.organisation_ids is None:
            return Q()
        condition = Q(**{f"{relation}__organisation_id__in": self.organisation_ids})
        if self.holders:
            condition |= Q(**{f"{relation}__id__in": self.holders})
        return condition


def trainee_scope_counted(user: User) -> CountedScope:
    """``trainee_scope(user)``, counted. A coordinator's are counted in two parts from what the
    scope is made of — their organisations' staff from the organisation index alone, and the
    兼務 holders not already among them by their keys — since the scope's OR is a filter on
    every entry of that index (a 部 at 100,000 staff: 12 → 1 ms)."""
    if user.has_perm("trainees.use_hr_console"):
        return CountedScope(Trainee.objects.all(), Trainee.objects.count(), None, [])
    if not user.has_perm("trainees.use_coordinator_pages"):
        return CountedScope(Trainee.objects.none(), 0, [], [])
    ids = sorted(organisation_ids_in_scope(user))
    holders = _post_holders(ids)
    own = Trainee.objects.filter(organisation_id__in=ids).count()
    posted = (
        Trainee.objects.filter(pk__in=holders).exclude(organisation_id__in=ids).count()
        if holders
        else 0
    )
    return CountedScope(_coordinator_scope(ids, holders), own + posted, ids, holders)


def _post_holders(organisation_ids: list[int]) -> list[int]:
    """The few holding a 兼務 post in these organisations, read first: as an EXISTS OR'd with
    the organisations, PostgreSQL scanned every member of staff and guessed ten times the
    people in scope, and every query built on the scope chose its plan by that guess (a 部 of
    5,000 at 100,000 staff: its count 31 → 6 ms, its places this year 53 → 24)."""
    holders = Trainee.concurrent_organisations.through.objects.filter(
        organisation_id__in=organisation_ids
    )
    return sorted(set(holders.values_list("trainee_id", flat=True)))


def _coordinator_scope(organisation_ids: list[int], holders: list[int]) -> QuerySet[Trainee]:
    return Trainee.objects.filter(Q(organisation_id__in=organisation_ids) | Q(pk__in=holders))


def trainee_search(queryset: QuerySet[Trainee], filters: dict) -> QuerySet[Trainee]:
    """Search as Japanese users type: staff number in full- or half-width digits, name with or
    without the space, kana in hiragana, katakana or half-width katakana."""
    if filters.get("q"):
        for word in filters["q"].split():
            queryset = queryset.filter(search_text__contains=search_key(word))
    if filters.get("organisation"):  # its own staff and those holding a 兼務 post there
        posts = Trainee.concurrent_organisations.through.objects.filter(
            trainee_id=OuterRef("pk"), organisation=filters["organisation"]
        )
        queryset = queryset.filter(Q(organisation=filters["organisation"]) | Exists(posts))
    if filters.get("employment_type"):
        queryset = queryset.filter(employment_type=filters["employment_type"])
    if filters.get("status"):
        queryset = queryset.filter(status=filters["status"])
    return queryset.select_related("organisation").order_by("organisation__code", "staff_number")


def trainee_changes(trainee: Trainee) -> list[TraineeChange]:
    return list(
        trainee.changes.select_related("changed_by", "roster_import").order_by("-changed_at", "-id")
    )


def roster_imports_recent(limit: int = 20) -> list[RosterImport]:
    return list(
        RosterImport.objects.select_related("uploaded_by", "committed_by", "organisation")
        .defer("plan")
        .order_by("-uploaded_at", "-id")[:limit]
    )


def trainee_of(user: User) -> Trainee | None:
    """The person's own registry record, if the roster has one."""
    return Trainee.objects.select_related("organisation").filter(user=user).first()


def describe_changes(change_sets: list[dict]) -> list[list[tuple[str, object, object]]]:
    """Each {field: [old, new]} as (label, old, new) people can read: field labels, organisation
    names instead of ids, status and other choices by their label (one query for the names)."""
    labels = {f.name: f.verbose_name for f in Trainee._meta.fields}
    labels["organisation_id"] = labels["organisation"]
    labels["effective_on"] = gettext_lazy("Effective from")
    org_ids: set[int] = set()
    for changes in change_sets:
        org_ids.update(v for v in changes.get("organisation_id", ()) if isinstance(v, int))
    names = dict(Organisation.objects.filter(id__in=org_ids).values_list("id", "name"))
    choices = {field.name: dict(field.choices) for field in Trainee._meta.fields if field.choices}

    def shown(field: str, value: object) -> object:
        if value in (None, "", []):
            return None
        if field == "organisation_id":
            if isinstance(value, str):  # "new:CODE" in a preview: created on commit
                return value.removeprefix("new:")
            return names.get(value, value) if isinstance(value, int) else value
        if field in choices:
            return choices[field].get(value, value)
        if isinstance(value, list):
            return list_join(value)
        return value

    return [
        [(labels.get(f, f), shown(f, old), shown(f, new)) for f, (old, new) in changes.items()]
        for changes in change_sets
    ]


def account_for_login(login: str) -> User | None:
    """The account a login ID (staff number) or an e-mail address names, or None: one lookup
    by login ID, else one by e-mail (a verified address first, then the account's own)."""
    user = User.objects.filter(username=login).first()
    if user is not None or "@" not in login:
        return user
    address = (
        EmailAddress.objects.filter(email__iexact=login)
        .select_related("user")
        .order_by("-verified", "-primary", "id")
        .first()
    )
    if address is not None:
        return address.user
    return User.objects.filter(email__iexact=login).order_by("id").first()


class Member(Protocol):
    """What supervisors_for reads of a person: a Trainee, or the two values alone."""

    @property
    def pk(self) -> Any: ...

    @property
    def organisation_id(self) -> Any: ...


def supervisors_for(trainees: Sequence[Member], on: datetime.date) -> dict[int, list[Trainee]]:
    """{trainee id: who approves for them on ``on``} — the 所属長 in effect for their
    organisation and its deputy; where the organisation has none, the nearest one up the tree.
    Nobody approves their own application: where the applicant holds the post, the deputy
    acts, and with no deputy the 所属長 one level up. Two queries whatever the number of
    people (the posts in effect, the organisation tree). Empty list: nobody is appointed."""
    if not trainees:
        return {}
    parent_of = dict(Organisation.objects.values_list("id", "parent_id"))
    acting: dict[int, list[Trainee]] = {}
    for post in SupervisorPost.objects.filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=on), starts_on__lte=on
    ).select_related("holder", "deputy"):
        acting[post.organisation_id] = [p for p in (post.holder, post.deputy) if p is not None]
    result: dict[int, list[Trainee]] = {}
    for trainee in trainees:
        found: list[Trainee] = []
        current: int | None = trainee.organisation_id
        seen: set[int] = set()
        while current is not None and current not in seen and not found:
            seen.add(current)
            found = [p for p in acting.get(current, []) if p.pk != trainee.pk]
            current = parent_of.get(current)
        result[trainee.pk] = found
    return result


def supervisor_posts(on: datetime.date) -> list[tuple[Organisation, list[SupervisorPost]]]:
    """The ward's organisations in tree order (code), each with its posts — the one in effect
    on ``on`` first, then those to come, then the past (three queries)."""
    posts: dict[int, list[SupervisorPost]] = defaultdict(list)
    for post in SupervisorPost.objects.select_related("holder", "deputy").order_by(
        "-starts_on", "-id"
    ):
        posts[post.organisation_id].append(post)

    def order(post: SupervisorPost) -> tuple[int, int]:
        if post.in_effect(on):
            return (0, 0)
        return (1, post.starts_on.toordinal()) if post.starts_on > on else (2, 0)

    organisations = (
        Organisation.objects.filter(is_external=False)
        .filter(Q(is_active=True) | Q(supervisor_posts__isnull=False))
        .distinct()
        .order_by("code")
    )
    return [(o, sorted(posts[o.pk], key=order)) for o in organisations]


def supervised_by(user: User, on: datetime.date) -> bool:
    """Whether this person holds a 所属長 post (or its deputy) on ``on``."""
    return SupervisorPost.objects.filter(
        Q(holder__user=user) | Q(deputy__user=user),
        Q(ends_on__isnull=True) | Q(ends_on__gte=on),
        starts_on__lte=on,
    ).exists()


@dataclass
class OrganisationRow:
    organisation: Organisation
    depth: int
    staff: int  # active staff


def organisation_tree() -> list[OrganisationRow]:
    """Every organisation in tree order (ward first, then external; merged and closed ones
    where they stood), with its depth and active staff. Two queries."""
    organisations = list(
        Organisation.objects.select_related("merged_into").order_by("is_external", "code")
    )
    staff = dict(
        Trainee.objects.filter(status="active").values("organisation_id")
        .annotate(n=Count("id")).values_list("organisation_id", "n")
    )  # fmt: skip
    children: dict[int | None, list[Organisation]] = defaultdict(list)
    ids = {o.pk for o in organisations}
    for organisation in organisations:
        parent = organisation.parent_id if organisation.parent_id in ids else None
        children[parent].append(organisation)
    rows: list[OrganisationRow] = []
    seen: set[int] = set()

    def walk(parent: int | None, depth: int) -> None:
        for organisation in children[parent]:
            if organisation.pk in seen:
                continue
            seen.add(organisation.pk)
            rows.append(OrganisationRow(organisation, depth, staff.get(organisation.pk, 0)))
            walk(organisation.pk, depth + 1)

    walk(None, 0)
    return rows
