"""Reads for notices: the inbox and what became of the e-mails about something."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db.models import Count, QuerySet

from notices.models import UNDELIVERED, Delivery, Notice
from trainees.models import User

if TYPE_CHECKING:  # typing only (django-stubs)
    from django_stubs_ext import StrOrPromise


def unread_notices(user: User) -> int:
    return Notice.objects.filter(user=user, read_at__isnull=True).count()


def inbox(user: User) -> QuerySet[Notice]:
    return Notice.objects.filter(user=user).order_by("-created_at", "-id")


def delivery_counts(rule: str) -> list[tuple[StrOrPromise, int]]:
    """(status label, count) for every status of the deliveries about `rule`, in one query."""
    found = dict(Delivery.objects.filter(rule=rule).values_list("status").annotate(n=Count("id")))
    return [(label, found.get(value, 0)) for value, label in Delivery.Status.choices]


def delivery_problems(rule: str, limit: int = 500) -> list[Delivery]:
    """Deliveries about `rule` that did not reach anyone by e-mail, by staff number."""
    return list(
        Delivery.objects.filter(rule=rule, status__in=UNDELIVERED)
        .select_related("trainee__organisation")
        .order_by("trainee__staff_number")[:limit]
    )


def trainees_notified(*, kind: str, rules: Iterable[str]) -> QuerySet:
    """A subquery of the trainees sent a notice of this kind about one of `rules`."""
    return Delivery.objects.filter(kind=kind, rule__in=list(rules)).values("trainee_id")


def notified_pairs(*, kind: str, rules: Iterable[str]) -> set[tuple[int, str]]:
    """{(trainee id, rule)} already sent a notice of this kind about one of `rules`."""
    return set(
        Delivery.objects.filter(kind=kind, rule__in=list(rules)).values_list("trainee_id", "rule")
    )


def undelivered_by_rule(*, prefix: str) -> dict[str, int]:
    """{rule: e-mails that failed or had no address} for the rules starting with `prefix`."""
    return dict(
        Delivery.objects.filter(
            rule__startswith=prefix,
            status__in=UNDELIVERED,
        )
        .values_list("rule")
        .annotate(n=Count("id"))
        .order_by("rule")
    )
