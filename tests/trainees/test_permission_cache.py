"""Permissions kept in the cache between requests (trainees.permission_cache): each request
gets exactly what the database says, whoever changed it and however, without the two queries
Django's ModelBackend asks on every request."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from redis.exceptions import ConnectionError as RedisConnectionError

from tests.trainees.factories import UserFactory
from trainees import permission_cache
from trainees.models import User
from trainees.roles import COORDINATOR_PAGES, HR_CONSOLE, TRAINEE_PAGES, Role
from trainees.services import user_set_roles

pytestmark = pytest.mark.django_db


def as_next_request(user: User) -> User:
    """The account as the next request reads it (a new instance: nothing kept on it)."""
    return User.objects.get(pk=user.pk)


def permission(name: str) -> Permission:
    app_label, codename = name.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def test_the_second_request_asks_the_database_nothing_about_permissions():
    person = UserFactory(roles=[Role.COORDINATOR])
    assert as_next_request(person).has_perm(COORDINATOR_PAGES)  # read and kept
    again = as_next_request(person)
    assert again.group_names == {Role.COORDINATOR.value}  # read on every request (below)
    with CaptureQueriesContext(connection) as asked:
        assert again.has_perm(COORDINATOR_PAGES)
        assert not again.has_perm(HR_CONSOLE)
    assert asked.captured_queries == []


def test_a_role_losing_a_permission_loses_it_at_the_next_request():
    person = UserFactory(roles=[Role.COORDINATOR])
    assert as_next_request(person).has_perm(COORDINATOR_PAGES)
    group = Group.objects.get(name=Role.COORDINATOR.value)
    group.permissions.remove(permission(COORDINATOR_PAGES))
    assert not as_next_request(person).has_perm(COORDINATOR_PAGES)
    group.permissions.add(permission(COORDINATOR_PAGES))
    assert as_next_request(person).has_perm(COORDINATOR_PAGES)
    # The same through the role sync that runs after every migrate.
    group.permissions.clear()
    assert not as_next_request(person).has_perm(COORDINATOR_PAGES)
    from trainees.services import role_groups_sync

    role_groups_sync()
    assert as_next_request(person).has_perm(COORDINATOR_PAGES)


def test_a_person_losing_a_role_loses_its_permissions_at_the_next_request():
    person = UserFactory(roles=[Role.HR_ADMIN, Role.TRAINEE])
    assert as_next_request(person).has_perm(HR_CONSOLE)
    user_set_roles(user=person, roles=[Role.TRAINEE])
    after = as_next_request(person)
    assert not after.has_perm(HR_CONSOLE) and after.has_perm(TRAINEE_PAGES)
    # The instance that made the change forgets what it had read, too.
    assert not person.has_perm(HR_CONSOLE)


def test_a_permission_given_to_one_account_counts_for_it_alone():
    person, other = UserFactory(roles=[Role.TRAINEE]), UserFactory(roles=[Role.TRAINEE])
    assert not as_next_request(person).has_perm(HR_CONSOLE)
    assert not as_next_request(other).has_perm(HR_CONSOLE)
    person.user_permissions.add(permission(HR_CONSOLE))
    assert as_next_request(person).has_perm(HR_CONSOLE)
    assert not as_next_request(other).has_perm(HR_CONSOLE)
    # Taken back from the permission's side of the relation.
    permission(HR_CONSOLE).user_set.remove(person)
    assert not as_next_request(person).has_perm(HR_CONSOLE)


def test_a_group_renamed_or_deleted_counts_at_the_next_request():
    person = UserFactory(roles=[Role.TRAINEE])
    extra = Group.objects.create(name="研修講師")
    extra.permissions.add(permission(HR_CONSOLE))
    person.groups.add(extra)
    assert as_next_request(person).has_perm(HR_CONSOLE)
    # Renamed: its permissions are found under the new name (the groups are kept by name).
    extra.name = "外部講師"
    extra.save()
    assert as_next_request(person).has_perm(HR_CONSOLE)
    extra.delete()
    assert not as_next_request(person).has_perm(HR_CONSOLE)


def test_an_inactive_account_holds_nothing_and_a_superuser_everything():
    person = UserFactory(roles=[Role.HR_ADMIN])
    assert as_next_request(person).has_perm(HR_CONSOLE)
    User.objects.filter(pk=person.pk).update(is_active=False)
    assert not as_next_request(person).has_perm(HR_CONSOLE)
    assert as_next_request(person).get_all_permissions() == set()
    boss = UserFactory(roles=[Role.TRAINEE], is_superuser=True)
    assert as_next_request(boss).get_all_permissions() == {
        f"{app_label}.{codename}"
        for app_label, codename in Permission.objects.values_list(
            "content_type__app_label", "codename"
        )
    }


def test_entries_of_an_earlier_generation_are_not_used():
    """What was kept under another token (another deployment's, or before the cache was told
    of a change) is read again from the database."""
    person = UserFactory(roles=[Role.COORDINATOR])
    as_next_request(person).has_perm(COORDINATOR_PAGES)
    cache.set(permission_cache.GROUPS_KEY, ("old", {Role.COORDINATOR.value: frozenset()}))
    cache.set(f"permissions:account:{person.pk}", ("old", frozenset({HR_CONSOLE})))
    fresh = as_next_request(person)
    assert fresh.has_perm(COORDINATOR_PAGES) and not fresh.has_perm(HR_CONSOLE)
    # The token itself lost (the cache emptied, or evicted): a new one, and nothing kept counts.
    cache.delete(permission_cache.GENERATION_KEY)
    cache.set(f"permissions:account:{person.pk}", (None, frozenset({HR_CONSOLE})))
    assert not as_next_request(person).has_perm(HR_CONSOLE)


def test_without_the_cache_the_database_answers(monkeypatch):
    person = UserFactory(roles=[Role.COORDINATOR])

    def unreachable(*args, **kwargs):
        raise RedisConnectionError("cache down")

    monkeypatch.setattr(cache, "get_many", unreachable)
    fresh = as_next_request(person)
    assert fresh.has_perm(COORDINATOR_PAGES) and not fresh.has_perm(HR_CONSOLE)


@pytest.mark.django_db(transaction=True)
def test_the_generation_is_renewed_again_when_the_change_commits():
    """A request reading between the change and its commit reads the old permissions: the token
    renewed at the commit keeps it from storing them as current."""
    person = UserFactory(roles=[Role.COORDINATOR])
    as_next_request(person).has_perm(COORDINATOR_PAGES)
    group = Group.objects.get(name=Role.COORDINATOR.value)
    with transaction.atomic():
        group.permissions.remove(permission(COORDINATOR_PAGES))
        during = cache.get(permission_cache.GENERATION_KEY)
        # A request on another connection, before the commit, stores the old answer.
        cache.set(permission_cache.GROUPS_KEY,
                  (during, {Role.COORDINATOR.value: frozenset({COORDINATOR_PAGES})}))  # fmt: skip
    assert cache.get(permission_cache.GENERATION_KEY) != during
    assert not as_next_request(person).has_perm(COORDINATOR_PAGES)
    group.permissions.add(permission(COORDINATOR_PAGES))
