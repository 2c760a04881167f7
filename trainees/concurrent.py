"""兼務先 as links: the roster and the hand-kept record name a person's concurrent posts in
words (``Trainee.concurrent_posts``, as the HR system writes them); each that names an
organisation — by its name or its code, however the spaces and widths were typed — is linked
(``Trainee.concurrent_organisations``), so the 兼務先's coordinators see the person and target
rules can match on it. A name that matches nothing stays as words (shown, not linked)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

from lib.japanese import fold
from trainees.models import Organisation, Trainee


def _key(text: str) -> str:
    return "".join(fold(text).split())


def organisation_lookup() -> dict[str, tuple[int, bool]]:
    """{folded name or code: (organisation id, external)} — what a 兼務先 may be written as (a
    merged organisation leads to the one it became)."""
    organisations = list(Organisation.objects.all())
    by_id = {o.pk: o for o in organisations}
    found: dict[str, tuple[int, bool]] = {}
    for organisation in organisations:
        target = organisation
        seen = {target.pk}
        while target.merged_into_id and target.merged_into_id not in seen:
            target = by_id[target.merged_into_id]
            seen.add(target.pk)
        found.setdefault(_key(organisation.code), (target.pk, target.is_external))
        found.setdefault(_key(organisation.name), (target.pk, target.is_external))
    return found


def concurrent_organisations_sync(trainee_ids: Iterable[int] | None = None) -> int:
    """Bring the links in step with the words for these people (everyone: None). Set-based: a
    few queries for a whole roster. Returns how many links were added or removed."""
    lookup = organisation_lookup()
    people = Trainee.objects.all()
    if trainee_ids is not None:
        people = people.filter(pk__in=list(trainee_ids))
    link = Trainee.concurrent_organisations.through
    wanted: dict[int, set[int]] = {}
    rows = people.values_list("pk", "concurrent_posts", "organisation_id", "is_external")
    for pk, posts, own, external in rows:
        # A post in an organisation of the other kind (ward / external) is not linked: its
        # coordinators act for their own kind's staff.
        found = [lookup[_key(p)] for p in posts or [] if _key(p) in lookup]
        wanted[pk] = {org for org, org_external in found if org_external == external} - {own}
    existing: dict[int, set[int]] = {pk: set() for pk in wanted}
    links = link.objects.filter(trainee_id__in=list(wanted)).values_list(
        "trainee_id", "organisation_id"
    )
    for trainee_id, organisation_id in links:
        existing[trainee_id].add(organisation_id)
    removed = [(pk, org) for pk, orgs in existing.items() for org in orgs - wanted[pk]]
    added = [(pk, org) for pk, orgs in wanted.items() for org in orgs - existing[pk]]
    for start in range(0, len(removed), 500):
        gone = Q()
        for pk, org in removed[start : start + 500]:
            gone |= Q(trainee_id=pk, organisation_id=org)
        link.objects.filter(gone).delete()
    link.objects.bulk_create(
        [link(trainee_id=pk, organisation_id=org) for pk, org in added], batch_size=1000
    )
    return len(added) + len(removed)
