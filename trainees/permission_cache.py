"""What each role's group and each account may do, kept in the cache between requests.

Django's ModelBackend reads a person's permissions from the database on every request that
checks one (two queries joining the permissions, their content types and the groups: 4.5 ms of
every page, about a third of a trainee's inbox). Permissions change only when a role's group is
given or loses one (``role_groups_sync`` after ``migrate``, or a superuser in the admin) or an
account is given one directly, so they are kept in the cache (Redis in production, shared by
every web node):

- the permissions of every group, by group name, and each account's own, each stored with the
  *generation* they were read in;
- the generation, a random token, replaced whenever a group's or an account's permissions, a
  group or a permission change (at once, and again when the change commits: a request that
  read the database before the commit cannot leave its answer under the new token). Entries
  are read afresh at least hourly (``ENTRY_SECONDS``) in any case.

A request reads the three entries in one round trip and uses them only if they carry the
current generation; otherwise it reads the database and stores what it read. The groups a
person belongs to are not kept: they are read on every request (``User.group_names``), so a
role taken away counts from the next request. When the cache cannot be reached the permissions
are read from the database, as before (a page does not fail for it).
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db import transaction
from django.db.models import QuerySet
from django.db.models.signals import m2m_changed, post_delete, post_save
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

GENERATION_KEY = "permissions:generation"
GROUPS_KEY = "permissions:groups"
# Entries are read again from the database at least this often, whatever the generation says:
# the bound on how long a change could go unseen if the cache could not be told of it (it was
# unreachable from the node that made the change; logged as an error).
ENTRY_SECONDS = 3600


def _account_key(user_pk: Any) -> str:
    return f"permissions:account:{user_pk}"


def _names(permissions: QuerySet[Permission]) -> frozenset[str]:
    rows = permissions.values_list("content_type__app_label", "codename").order_by()
    return frozenset(f"{app_label}.{codename}" for app_label, codename in rows)


def _groups_from_database() -> dict[str, frozenset[str]]:
    granted: dict[str, set[str]] = {}
    rows = Group.objects.values_list(
        "name", "permissions__content_type__app_label", "permissions__codename"
    ).order_by()
    for name, app_label, codename in rows:
        held = granted.setdefault(name, set())
        if codename is not None:
            held.add(f"{app_label}.{codename}")
    return {name: frozenset(held) for name, held in granted.items()}


def permissions_of(user: Any) -> set[str]:
    """Every "app_label.codename" this active, not superuser account holds, directly or through
    its groups."""
    own_key = _account_key(user.pk)
    try:
        found = cache.get_many([GENERATION_KEY, GROUPS_KEY, own_key])
        generation = found.get(GENERATION_KEY)
        if generation is None:
            # First use, or the cache was emptied: a new token, so nothing kept under an earlier
            # one counts (add: when two requests start one at once, the first one's stays).
            cache.add(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
            generation = cache.get(GENERATION_KEY)
    except RedisError as error:  # unreachable: read the database, as Django does
        logger.warning("permissions read without the cache: %s", type(error).__name__)
        found, generation = {}, None
    groups = found.get(GROUPS_KEY)
    own = found.get(own_key)
    stored: dict[str, Any] = {}
    if generation is None or groups is None or groups[0] != generation:
        groups = stored[GROUPS_KEY] = (generation, _groups_from_database())
    if generation is None or own is None or own[0] != generation:
        own = stored[own_key] = (generation, _names(Permission.objects.filter(user=user)))
    if generation is not None and stored:
        try:
            cache.set_many(stored, timeout=ENTRY_SECONDS)
        except RedisError as error:
            logger.warning("permissions not kept: %s", type(error).__name__)
    held = set(own[1])
    for name in user.group_names:
        held |= groups[1].get(name, frozenset())
    return held


def permissions_changed(**kwargs: Any) -> None:
    """A new generation now (this transaction's own requests, and a test's) and again when the
    change commits (requests that read the database before it)."""
    _new_generation()
    transaction.on_commit(_new_generation)


def _new_generation() -> None:
    try:
        cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
    except RedisError as error:
        # Not kept: the entries under the old token must not be trusted. Dropping the token
        # makes the next request start a new one; if that fails too, the cache is unreachable
        # and requests read the database anyway.
        logger.error("permissions' generation not renewed: %s", type(error).__name__)
        with contextlib.suppress(RedisError):
            cache.delete(GENERATION_KEY)


def connect() -> None:
    from trainees.models import User

    m2m_changed.connect(permissions_changed, sender=Group.permissions.through,
                        dispatch_uid="permissions.group")  # fmt: skip
    m2m_changed.connect(permissions_changed, sender=User.user_permissions.through,
                        dispatch_uid="permissions.account")  # fmt: skip
    for model in (Group, Permission):
        post_save.connect(permissions_changed, sender=model,
                          dispatch_uid=f"permissions.saved.{model.__name__}")  # fmt: skip
        post_delete.connect(permissions_changed, sender=model,
                            dispatch_uid=f"permissions.deleted.{model.__name__}")  # fmt: skip
