"""The roster import: preview (parse, compare with the registry, store the plan), then commit.

The preview stores the exact plan, compressed, on the RosterImport row together with a
fingerprint of the registry. ``roster_import_commit`` applies that plan — the file is not parsed
again — and only if the registry still has the same fingerprint; otherwise the preview is stale
and nothing is written. Writes are set-based (bulk inserts and updates in batches), so a
100,000-row roster is a few dozen statements per table, not a loop of saves.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import secrets
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Manager, Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_event_record
from lib.bulk import insert_rows, update_rows
from lib.japanese import search_key
from lib.tables import TableFileError
from trainees.models import (
    EmploymentType,
    ImportMode,
    Organisation,
    RosterImport,
    Trainee,
    TraineeChange,
    TraineeStatus,
    User,
)
from trainees.roles import Role
from trainees.roster import ParsedRoster, Problem, RosterRow, parse_roster

BATCH = 2000
# Fields compared between the file and the registry, in display order.
COMPARED = [
    "name",
    "name_kana",
    "organisation_id",
    "concurrent_posts",
    "job_title",
    "job_category",
    "duty",
    "gender",
    "birth_date",
    "age",
    "hire_date",
    "promotion_date",
    "email",
    "employment_type",
    "status",
]
# What a new trainee gets for a column the file does not have.
_EMPTY = {"name_kana": "", "concurrent_posts": [], "job_title": "", "job_category": "", "duty": "",
          "gender": "", "email": ""}  # fmt: skip
DATE_COLUMNS = {"birth_date", "hire_date", "promotion_date", "age_as_of", "status_changed_on"}


NEW_ORGANISATION = "new:"


class StaleImportError(Exception):
    """The registry changed after the preview: it must be previewed again."""


@dataclass
class ImportResult:
    roster_import: RosterImport
    committed: bool

    def as_dict(self) -> dict[str, Any]:
        record = self.roster_import
        return {
            "rows": record.rows,
            "created": record.created,
            "updated": record.updated,
            "unchanged": record.unchanged,
            "deactivated": record.deactivated,
            "warnings": record.warnings,
            "errors": record.errors,
            "committed": self.committed,
        }


def registry_fingerprint() -> str:
    """Changes whenever a trainee or organisation is added or changed (two aggregate queries)."""
    trainees = Trainee.objects.aggregate(n=Count("id"), last=Max("updated_at"))
    organisations = Organisation.objects.aggregate(n=Count("id"), last=Max("id"))
    last = trainees["last"].isoformat() if trainees["last"] else "-"
    return f"t{trainees['n']}:{last}:o{organisations['n']}:{organisations['last']}"


def _pack(plan: dict[str, Any]) -> bytes:
    return zlib.compress(json.dumps(plan, ensure_ascii=False, separators=(",", ":")).encode(), 6)


def unpack_plan(record: RosterImport) -> dict[str, Any]:
    return json.loads(zlib.decompress(bytes(record.plan))) if record.plan else {}


def _external_username(organisation_code: str, staff_number: str) -> str:
    return f"{organisation_code}-{staff_number}"


# --- Preview ------------------------------------------------------------------------------


def _plan(
    parsed: ParsedRoster, *, mode: str, scope: Organisation | None, today: datetime.date
) -> dict[str, Any]:
    """Compare the parsed rows with the registry. Adds problems to ``parsed``."""
    organisations = {
        code: (pk, name, external)
        for pk, code, name, external in Organisation.objects.values_list(
            "id", "code", "name", "is_external"
        )
    }
    code_by_name = {name: code for code, (_pk, name, _ext) in organisations.items()}
    new_organisations: dict[str, dict[str, Any]] = {}

    def error(row: RosterRow, column: str, value: str, message: str) -> None:
        parsed.errors.append(Problem(row.line, column, value, message))

    resolved = []
    for row in parsed.rows:
        values = row.values
        code, name = values["organisation_code"], values["organisation_name"]
        if scope is not None:
            if code and code != scope.code:
                error(
                    row,
                    "所属コード",
                    code,
                    _("This import is for %(name)s (%(code)s) only.")
                    % {"name": scope.name, "code": scope.code},
                )
                continue
            code = scope.code
        elif not code:
            code = code_by_name.get(name, "")
            if not code:
                error(row, "所属", name, _("Unknown organisation. Add the 所属コード column."))
                continue
        if code in organisations:
            external = organisations[code][2]
        else:
            external = values["employment_type"] == EmploymentType.EXTERNAL
            if code not in new_organisations:
                new_organisations[code] = {
                    "code": code,
                    "name": name or code,
                    "is_external": external,
                }
                parsed.warnings.append(
                    Problem(
                        row.line,
                        "所属コード",
                        code,
                        _("New organisation “%(name)s”: it will be created.")
                        % {"name": name or code},
                    )
                )
        if mode == ImportMode.FULL and (
            external or values["employment_type"] == EmploymentType.EXTERNAL
        ):
            error(
                row,
                "雇用区分",
                values["employment_type"],
                _("Other organisations’ staff are imported in “add” mode, not in the ward roster."),
            )
            continue
        resolved.append((row, code, external))

    # The registry side, in a handful of queries.
    existing_fields = [
        "id",
        "staff_number",
        "organisation_id",
        "is_external",
        "user_id",
        "age_as_of",
        *[f for f in COMPARED if f != "organisation_id"],
    ]
    if mode == ImportMode.FULL:
        existing_qs = Trainee.objects.filter(is_external=False)
    else:
        codes = {code for _row, code, _ext in resolved}
        existing_qs = Trainee.objects.filter(organisation__code__in=codes)
    # Tuples, not dicts: a year-2 roster of 100,000 holds the whole registry at once here.
    existing: dict[tuple[int | None, str], tuple] = {}
    for record in existing_qs.values_list(*existing_fields).iterator(chunk_size=10000):
        key = (record[2] if record[3] else None, record[1])
        existing[key] = record
    org_id = {code: pk for code, (pk, _n, _e) in organisations.items()}

    usernames = {}
    for row, code, external in resolved:
        number = row.values["staff_number"]
        usernames[row.line] = _external_username(code, number) if external else number
    emails = {row.values["email"].lower() for row, _c, _e in resolved if row.values.get("email")}
    users = dict(_lookup(User.objects, "username", usernames.values(), "id"))
    linked_users = {
        user for user, _ in _lookup(Trainee.objects, "user_id", set(users.values()), "id")
    }
    email_owner = dict(
        _lookup(EmailAddress.objects.filter(verified=True), "email", emails, "user_id")
    )

    creates, updates, seen_ids = [], [], set()
    unchanged = 0
    for row, code, external in resolved:
        values = row.values
        key = (org_id.get(code) if external else None, values["staff_number"])
        found = existing.get(key) if (not external or code in org_id) else None
        current = dict(zip(existing_fields, found, strict=True)) if found else None
        # The row's own dict becomes the new state (no copies: memory matters at 100,000 rows).
        new = values
        for parse_only in ("organisation_code", "organisation_name"):
            new.pop(parse_only, None)
        # An organisation this import creates has no id yet: the commit resolves "new:CODE".
        new["organisation_id"] = org_id.get(code, f"{NEW_ORGANISATION}{code}")
        new["status"] = TraineeStatus.ACTIVE
        if current is None:
            user_id = users.get(usernames[row.line])
            if user_id in linked_users:
                error(
                    row,
                    "職員番号",
                    values["staff_number"],
                    _("The login ID %(login)s belongs to another person's account.")
                    % {"login": usernames[row.line]},
                )
                continue
        else:
            user_id = current["user_id"]
            seen_ids.add(current["id"])
        email = values.get("email", "")
        owner = email_owner.get(email.lower()) if email else None
        if owner is not None and owner != user_id:
            error(
                row,
                "メールアドレス",
                email,
                _("This e-mail address belongs to another person's account."),
            )
            continue
        if current is None:
            creates.append(
                {
                    "line": row.line,
                    "code": code,
                    "external": external,
                    "username": usernames[row.line],
                    "user_id": user_id,
                    "values": new,
                }
            )
            continue
        changes = {}
        for field in COMPARED:
            old = current[field]
            if field in DATE_COLUMNS and old is not None:
                old = old.isoformat()
            value = new.get(field, old)
            if (
                field == "age"
                and value is not None
                and current["age"] is not None
                and current["age_as_of"]
            ):
                # The same person a year later has a different age but no change.
                recorded = Trainee(age=current["age"], age_as_of=current["age_as_of"])
                if recorded.age_on(today) == value:
                    continue
            if value != old:
                changes[field] = [old, value]
        if changes:
            if "age" in changes:
                changes["age_as_of"] = [
                    current["age_as_of"].isoformat() if current["age_as_of"] else None,
                    values.get("age_as_of"),
                ]
            updates.append({"line": row.line, "id": current["id"], "changes": changes})
        else:
            unchanged += 1

    deactivations = []
    if mode == ImportMode.FULL:
        status_at, name_at = existing_fields.index("status"), existing_fields.index("name")
        for record in existing.values():
            if record[0] not in seen_ids and record[status_at] == TraineeStatus.ACTIVE:
                deactivations.append(
                    {"id": record[0], "staff_number": record[1], "name": record[name_at]}
                )
    deactivations.sort(key=lambda item: item["staff_number"])
    return {
        "mode": mode,
        "today": today.isoformat(),
        "new_organisations": list(new_organisations.values()),
        "creates": creates,
        "updates": updates,
        "deactivations": deactivations,
        "unchanged": unchanged,
    }


def _lookup(
    queryset: QuerySet[Any] | Manager[Any], key: str, wanted: Iterable[Any], value: str
) -> list[tuple[Any, Any]]:
    """(key, value) pairs for the wanted keys. For a whole roster, reading the narrow column
    of the entire table is much faster than an IN list of 100,000 parameters."""
    wanted = set(wanted)
    if len(wanted) > 5000:
        return [
            (k, v)
            for k, v in queryset.values_list(key, value).iterator(chunk_size=10000)
            if k in wanted
        ]
    return list(queryset.filter(**{f"{key}__in": wanted}).values_list(key, value))


def roster_import_preview(
    *,
    data: bytes,
    file_name: str,
    mode: str,
    uploaded_by: User | None,
    organisation: Organisation | None = None,
    encoding: str = "auto",
    today: datetime.date | None = None,
) -> RosterImport:
    """Parse and compare; record the import with its plan. Writes nothing to the registry."""
    today = today or timezone.localdate()
    if mode not in ImportMode.values:
        raise ValidationError(_("Unknown import mode."))
    if mode == ImportMode.FULL and organisation is not None:
        raise ValidationError(
            _("The full roster covers all ward staff: do not choose an organisation.")
        )
    record = RosterImport(
        uploaded_by=uploaded_by,
        file_name=file_name[:255],
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        mode=mode,
        organisation=organisation,
    )
    fingerprint = registry_fingerprint()
    try:
        parsed = parse_roster(data, file_name=file_name, encoding=encoding, today=today)
    except TableFileError as exc:
        parsed = ParsedRoster(errors=[Problem(None, "", "", str(exc))])
    plan = None
    if parsed.rows:
        # The registry checks run even when some rows have problems, so that the whole file's
        # problems are listed at once; a file with any problem is never committed.
        plan = _plan(parsed, mode=mode, scope=organisation, today=today)
        if parsed.errors:
            plan = None
    parsed.errors.sort(key=lambda p: (p.line or 0, p.column))
    parsed.warnings.sort(key=lambda p: (p.line or 0, p.column))
    record.encoding = parsed.encoding
    record.rows = len(parsed.rows)
    record.errors = [p.as_dict() for p in parsed.errors]
    record.warnings = [p.as_dict() for p in parsed.warnings]
    if parsed.errors or plan is None:
        record.status = RosterImport.Status.INVALID
    else:
        record.status = RosterImport.Status.PREVIEWED
        record.plan = _pack(plan)
        record.registry_fingerprint = fingerprint
        record.created = len(plan["creates"])
        record.updated = len(plan["updates"])
        record.unchanged = plan["unchanged"]
        record.deactivated = len(plan["deactivations"])
    record.save()
    return record


# --- Commit -------------------------------------------------------------------------------


def _lock_registry() -> None:
    """One roster import commits at a time (SQLite already serialises writers)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('trainees.roster_import'))")


def _to_field(field: str, value: Any) -> Any:
    if field in DATE_COLUMNS and value:
        return datetime.date.fromisoformat(value)
    return value


# Roles whose holders a full import lists first, and disables only on an explicit tick.
PRIVILEGED_ROLES = (Role.HR_ADMIN, Role.AUDITOR, Role.COORDINATOR)


def privileged_deactivations(record: RosterImport, viewer: User | None) -> list[dict[str, Any]]:
    """The accounts with a role (HR, auditor, coordinator, superuser) that committing this
    import would disable, with their roles and whether it is the viewer's own."""
    ids = (
        [item["id"] for item in unpack_plan(record).get("deactivations", [])] if record.plan else []
    )
    names = {role.value: role.label for role in PRIVILEGED_ROLES}
    found: dict[int, dict[str, Any]] = {}
    accounts = (
        User.objects.filter(trainee__id__in=ids, is_active=True)
        .filter(Q(groups__name__in=list(names)) | Q(is_superuser=True))
        .values_list("id", "username", "full_name", "is_superuser", "groups__name")
        .order_by("username")
    )
    for pk, username, full_name, superuser, group in accounts:
        entry = found.setdefault(pk, {
            "id": pk, "username": username, "name": full_name, "roles": [],
            "is_you": viewer is not None and viewer.pk == pk,
        })  # fmt: skip
        if group in names and names[group] not in entry["roles"]:
            entry["roles"].append(names[group])
        if superuser and _("superuser") not in entry["roles"]:
            entry["roles"].append(_("superuser"))
    return list(found.values())


def _check_deactivations(
    record: RosterImport, committed_by: User | None, confirm_privileged: bool
) -> None:
    """A full import never disables the person confirming it, nor the last active HR
    administrator or auditor; other accounts with a role only when HR ticked that it should."""
    privileged = privileged_deactivations(record, committed_by)
    if not privileged:
        return
    if any(entry["is_you"] for entry in privileged):
        raise ValidationError(
            _(
                "This import would disable your own account (you are not in the file). "
                "Nothing was written: add yourself to the roster, or use the add mode."
            )
        )
    leaving = {entry["id"] for entry in privileged}
    for role in (Role.HR_ADMIN, Role.AUDITOR):
        holders = set(
            User.objects.filter(is_active=True, groups__name=role.value).values_list(
                "id", flat=True
            )
        )
        if holders and holders <= leaving:
            raise ValidationError(
                _("This import would disable every active %(role)s. Nothing was written.")
                % {"role": role.label}
            )
    if not confirm_privileged:
        raise ValidationError(
            _(
                "This import would disable %(count)s accounts that hold a role (listed first). "
                "Tick the box to confirm, or correct the file. Nothing was written."
            )
            % {"count": len(privileged)}
        )


def roster_import_commit(
    *, roster_import_id: int, committed_by: User | None, confirm_privileged: bool = False
) -> RosterImport:
    """Apply the previewed plan, all or nothing. Raises StaleImportError if the registry changed
    since the preview (the import is then marked stale and nothing else is written), and a
    ValidationError when it would disable accounts it may not (see _check_deactivations)."""
    with transaction.atomic():
        _lock_registry()
        record = RosterImport.objects.select_for_update().get(pk=roster_import_id)
        if record.status != RosterImport.Status.PREVIEWED:
            raise ValidationError(
                _("This import cannot be committed (status: %(status)s).")
                % {"status": record.get_status_display()}
            )
        stale = registry_fingerprint() != record.registry_fingerprint
        if stale:
            RosterImport.objects.filter(pk=record.pk).update(status=RosterImport.Status.STALE)
        else:
            _check_deactivations(record, committed_by, confirm_privileged)
            _apply(record, committed_by)
    if stale:
        raise StaleImportError(
            _("The registry changed after this preview. Upload the file again to see the changes.")
        )
    return record


def _apply(record: RosterImport, committed_by: User | None) -> None:
    plan = unpack_plan(record)
    now = timezone.now()
    today = datetime.date.fromisoformat(plan["today"])
    change_rows: list[tuple[int, str, dict[str, Any]]] = []  # (trainee id, kind, changes)

    # New organisations first: trainees refer to them.
    if plan["new_organisations"]:
        Organisation.objects.bulk_create(
            [
                Organisation(
                    code=o["code"], name=o["name"], is_external=o["is_external"], valid_from=today
                )
                for o in plan["new_organisations"]
            ],
            batch_size=BATCH,
        )
    codes = {c["code"] for c in plan["creates"]} | {o["code"] for o in plan["new_organisations"]}
    org_id = dict(Organisation.objects.filter(code__in=codes).values_list("code", "id"))
    for item in plan["updates"]:
        moved = item["changes"].get("organisation_id")
        if moved and isinstance(moved[1], str) and moved[1].startswith(NEW_ORGANISATION):
            moved[1] = org_id[moved[1].removeprefix(NEW_ORGANISATION)]

    trainee_group = Group.objects.get(name=Role.TRAINEE.value)
    _create_trainees(plan["creates"], org_id, trainee_group, now, record, committed_by, change_rows)
    _update_trainees(plan["updates"], now, today, record, committed_by, change_rows)

    deactivated_ids = [item["id"] for item in plan["deactivations"]]
    for start in range(0, len(deactivated_ids), BATCH):
        chunk = deactivated_ids[start : start + BATCH]
        Trainee.objects.filter(id__in=chunk).update(
            status=TraineeStatus.LEFT, status_changed_on=today, updated_at=now
        )
        User.objects.filter(trainee__id__in=chunk).update(is_active=False)
        change_rows.extend(
            (pk, "deactivated", {"status": [TraineeStatus.ACTIVE, TraineeStatus.LEFT]})
            for pk in chunk
        )
    actor_id = committed_by.pk if committed_by else None
    insert_rows(
        TraineeChange,
        ["trainee_id", "changed_at", "changed_by_id", "roster_import_id", "kind", "changes"],
        ([trainee_id, now, actor_id, record.pk, kind, changes]
         for trainee_id, kind, changes in change_rows),
    )  # fmt: skip

    record.status = RosterImport.Status.COMMITTED
    record.committed_at = now
    record.committed_by = committed_by
    record.save(update_fields=["status", "committed_at", "committed_by"])
    audit_event_record(
        kind="roster.imported",
        user=committed_by,
        detail={
            "roster_import": record.pk,
            "mode": record.mode,
            "sha256": record.sha256,
            "created": record.created,
            "updated": record.updated,
            "deactivated": record.deactivated,
        },
    )


def _search_text(values: dict[str, Any], staff_number: str) -> str:
    return search_key(f"{staff_number} {values.get('name', '')} {values.get('name_kana', '')}")[
        :400
    ]


def _unusable_password() -> str:
    """What ``set_unusable_password`` stores ("!" and a random tail), without Django's
    40 calls to the random generator per account: 100,000 new accounts in a blink."""
    return UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)


def _create_trainees(
    creates: list[dict[str, Any]],
    org_id: dict[str, int],
    trainee_group: Group,
    now: datetime.datetime,
    record: RosterImport,
    actor: User | None,
    change_rows: list[tuple[int, str, dict[str, Any]]],
) -> None:
    if not creates:
        return
    fresh = [item for item in creates if item["user_id"] is None]
    # Accounts: login ID = staff number (ward) or CODE-number (external); no usable password.
    insert_rows(
        User,
        ["username", "full_name", "email", "password", "is_active", "is_staff", "is_superuser",
         "date_joined", "language"],
        ([item["username"], item["values"]["name"], item["values"].get("email", ""),
          _unusable_password(), True, False, False, now, ""] for item in fresh),
    )  # fmt: skip
    user_id = dict(User.objects.filter(date_joined=now).values_list("username", "id"))
    user_id.update((item["username"], item["user_id"]) for item in creates if item["user_id"])
    Membership = User.groups.through
    insert_rows(
        Membership,
        ["user_id", "group_id"],
        ([user_id[i["username"]], trainee_group.id] for i in fresh),
    )
    insert_rows(
        EmailAddress,
        ["user_id", "email", "verified", "primary"],
        ([user_id[i["username"]], i["values"]["email"].lower(), True, True]
         for i in fresh if i["values"].get("email")),
    )  # fmt: skip
    linked = [item for item in creates if item["user_id"] is not None]
    if linked:  # accounts made by hand before the roster knew the person
        User.objects.filter(id__in=[item["user_id"] for item in linked]).update(is_active=True)
        Membership.objects.bulk_create(
            [Membership(user_id=item["user_id"], group_id=trainee_group.id) for item in linked],
            ignore_conflicts=True,
        )
        EmailAddress.objects.bulk_create(
            [EmailAddress(user_id=item["user_id"], email=item["values"]["email"].lower(),
                          verified=True, primary=True)
             for item in linked if item["values"].get("email")],
            ignore_conflicts=True,
        )  # fmt: skip

    compared = [field for field in COMPARED if field != "organisation_id"]
    insert_rows(
        Trainee,
        [*compared, "staff_number", "is_external", "organisation_id", "age_as_of", "user_id",
         "search_text", "created_at", "updated_at"],
        (
            [
                *(_to_field(f, item["values"].get(f, _EMPTY.get(f))) for f in compared),
                item["username"].split("-", 1)[1] if item["external"] else item["username"],
                item["external"],
                org_id[item["code"]],
                _to_field("age_as_of", item["values"].get("age_as_of")),
                user_id[item["username"]],
                _search_text(item["values"], item["username"]),
                now,
                now,
            ]
            for item in creates
        ),
    )  # fmt: skip
    # Everything this commit created carries its timestamp: one query for the new ids.
    created = dict(Trainee.objects.filter(created_at=now).values_list("user_id", "id"))
    actor_id = actor.pk if actor else None
    insert_rows(  # written as they are made: 100,000 change records never sit in memory at once
        TraineeChange,
        ["trainee_id", "changed_at", "changed_by_id", "roster_import_id", "kind", "changes"],
        (
            [created[user_id[item["username"]]], now, actor_id, record.pk, "created",
             {k: [None, org_id[item["code"]] if k == "organisation_id" else v]
              for k, v in item["values"].items() if v not in (None, "", [])}]
            for item in creates
        ),
    )  # fmt: skip


def _update_trainees(
    updates: list[dict[str, Any]],
    now: datetime.datetime,
    today: datetime.date,
    record: RosterImport,
    actor: User | None,
    change_rows: list[tuple[int, str, dict[str, Any]]],
) -> None:
    by_id = {item["id"]: item for item in updates}
    ids = list(by_id)
    for start in range(0, len(ids), BATCH):
        chunk = Trainee.objects.filter(id__in=ids[start : start + BATCH])
        trainees, users, fields, user_fields, email_changes = [], [], set(), set(), {}
        for trainee in chunk.select_related("user"):
            changes = by_id[trainee.pk]["changes"]
            for field, (_old, new) in changes.items():
                setattr(trainee, field, _to_field(field, new))
                fields.add(field)
            if "status" in changes:  # back in post: a re-hire or a return from secondment
                trainee.status_changed_on = today
                fields.add("status_changed_on")
            trainee.search_text = _search_text(
                {"name": trainee.name, "name_kana": trainee.name_kana}, trainee.staff_number
            )
            trainee.updated_at = now
            trainees.append(trainee)
            if trainee.user is not None and {"name", "email", "status"} & changes.keys():
                trainee.user.full_name = trainee.name
                trainee.user.email = trainee.email
                trainee.user.is_active = True
                users.append(trainee.user)
                user_fields |= {"full_name", "email", "is_active"}
                if "email" in changes:
                    email_changes[trainee.user_id] = trainee.email.lower()
            change_rows.append((trainee.pk, "updated", changes))
        update_rows(Trainee, [*sorted(fields), "search_text", "updated_at"], trainees)
        update_rows(User, sorted(user_fields), users)
        if email_changes:
            EmailAddress.objects.filter(user_id__in=email_changes).delete()
            EmailAddress.objects.bulk_create(
                [
                    EmailAddress(user_id=uid, email=email, verified=True, primary=True)
                    for uid, email in email_changes.items()
                    if email
                ],
                ignore_conflicts=True,
            )


def roster_import_run(
    *,
    data: bytes,
    file_name: str,
    mode: str,
    actor: User | None,
    organisation: Organisation | None = None,
    encoding: str = "auto",
    dry_run: bool = False,
    confirm_privileged: bool = False,
) -> ImportResult:
    """Preview and, unless a dry run or the file has errors, commit at once (command line)."""
    record = roster_import_preview(
        data=data,
        file_name=file_name,
        mode=mode,
        uploaded_by=actor,
        organisation=organisation,
        encoding=encoding,
    )
    if dry_run or record.status != RosterImport.Status.PREVIEWED:
        return ImportResult(record, committed=False)
    return ImportResult(
        roster_import_commit(
            roster_import_id=record.pk, committed_by=actor, confirm_privileged=confirm_privileged
        ),
        committed=True,
    )


def changes_for_display(record: RosterImport) -> list[dict[str, Any]]:
    """Every change of a preview as rows for the page: kind, line, staff number, name, fields."""
    plan = unpack_plan(record)
    names = dict(
        Trainee.objects.filter(id__in=[u["id"] for u in plan.get("updates", [])]).values_list(
            "id", "staff_number"
        )
    )
    rows: list[dict[str, Any]] = []
    for item in plan.get("creates", []):
        rows.append(
            {
                "kind": "created",
                "line": item["line"],
                "staff_number": item["username"],
                "name": item["values"]["name"],
                "changes": [],
            }
        )
    for item in plan.get("updates", []):
        rows.append(
            {
                "kind": "updated",
                "line": item["line"],
                "staff_number": names.get(item["id"], ""),
                "name": "",
                "changes": [(f, old, new) for f, (old, new) in item["changes"].items()],
            }
        )
    for item in plan.get("deactivations", []):
        rows.append(
            {
                "kind": "deactivated",
                "line": None,
                "staff_number": item["staff_number"],
                "name": item["name"],
                "changes": [],
            }
        )
    rows.sort(key=lambda r: (r["line"] is None, r["line"] or 0, r["staff_number"]))
    return rows
