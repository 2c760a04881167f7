"""The roster import: preview (parse, compare with the registry, store the plan), then commit.

It is a subclass of the skeleton every file import shares (lib.imports.FileImportPipeline).
The preview stores the exact plan (``RosterPlan``), compressed, on the RosterImport row
together with a fingerprint of the registry. ``roster_import_commit`` applies that plan — the
file is not parsed again — and only if the registry still has the same fingerprint;
otherwise the preview is stale and nothing is written. Writes are set-based (bulk inserts and
updates in batches), so a 100,000-row roster is a few dozen statements per table, not a loop
of saves.
"""

from __future__ import annotations

import datetime
import json
import secrets
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple, TypeVar

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count, Manager, Max, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.services import audit_event_record
from jobs.models import Job
from jobs.services import job_start, job_start_with_upload
from lib.bulk import insert_rows, update_rows
from lib.imports import Checked, FileImportPipeline, Problem, ensure_previewed
from lib.japanese import search_key
from trainees.concurrent import concurrent_organisations_sync
from trainees.events import trainees_moved
from trainees.models import (
    HAND_CHANGE_KINDS,
    EmploymentType,
    ImportMode,
    Organisation,
    RosterImport,
    Trainee,
    TraineeChange,
    TraineeStatus,
    User,
)
from trainees.roles import HR_CONSOLE, Role
from trainees.roster import ParsedRoster, RosterRow, parse_roster

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


# --- The plan -----------------------------------------------------------------------------
# What the preview shows and the commit applies. Kept on the RosterImport as compressed JSON in
# the shape of these classes' fields (the shape plans had before they were typed, so a preview
# made before an upgrade still commits). Slotted: a year-2 roster holds 100,000 of them.


@dataclass(slots=True)
class NewOrganisation:
    code: str
    name: str
    is_external: bool


@dataclass(slots=True)
class PlannedCreate:
    line: int
    code: str  # the organisation's
    external: bool
    username: str  # the login ID: the staff number, or CODE-number for external staff
    user_id: int | None  # an account made by hand before the roster knew the person
    values: dict[str, Any]  # field -> value as stored (dates ISO); "new:CODE" organisations


@dataclass(slots=True)
class PlannedUpdate:
    line: int
    id: int
    changes: dict[str, list[Any]]  # field -> [old, new]


@dataclass(slots=True)
class PlannedDeactivation:
    id: int
    staff_number: str
    name: str


@dataclass
class RosterPlan:
    mode: str
    today: datetime.date
    new_organisations: list[NewOrganisation]
    creates: list[PlannedCreate]
    updates: list[PlannedUpdate]
    deactivations: list[PlannedDeactivation]
    unchanged: int
    fingerprint: str = ""  # the registry's when checked; kept on the row, not in the JSON

    def pack(self) -> bytes:
        data = {
            "mode": self.mode,
            "today": self.today.isoformat(),
            "new_organisations": self.new_organisations,
            "creates": self.creates,
            "updates": self.updates,
            "deactivations": self.deactivations,
            "unchanged": self.unchanged,
        }
        # Each planned item becomes a dict only as the encoder reaches it (100,000 at once
        # would double the preview's memory).
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=_fields)
        return zlib.compress(text.encode(), 6)

    @classmethod
    def unpack(cls, record: RosterImport) -> RosterPlan:
        data = json.loads(zlib.decompress(bytes(record.plan))) if record.plan else {}
        return cls(
            mode=data.get("mode", record.mode),
            today=(datetime.date.fromisoformat(data["today"]) if data
                   else timezone.localdate(record.uploaded_at)),
            new_organisations=_typed(NewOrganisation, data.pop("new_organisations", [])),
            creates=_typed(PlannedCreate, data.pop("creates", [])),
            updates=_typed(PlannedUpdate, data.pop("updates", [])),
            deactivations=_typed(PlannedDeactivation, data.pop("deactivations", [])),
            unchanged=data.get("unchanged", 0),
            fingerprint=record.registry_fingerprint,
        )  # fmt: skip


T = TypeVar("T")


def _typed(kind: Callable[..., T], items: list[dict[str, Any]]) -> list[T]:
    """The kept dicts as typed items, each dict let go as its item is made (the commit of a
    year-1 roster would otherwise hold 100,000 of both)."""
    items.reverse()
    typed = []
    while items:
        typed.append(kind(**items.pop()))
    return typed


def _fields(item: Any) -> dict[str, Any]:
    """A slotted dataclass's fields as a dict, shallow (``asdict`` deep-copies every value)."""
    return {name: getattr(item, name) for name in item.__slots__}


def _external_username(organisation_code: str, staff_number: str) -> str:
    return f"{organisation_code}-{staff_number}"


# --- Preview ------------------------------------------------------------------------------


class _Resolved(NamedTuple):
    """A row with the organisation it belongs to."""

    row: RosterRow
    code: str
    external: bool


@dataclass
class _Accounts:
    """The accounts the file's rows may meet: by login ID, those already linked to a person,
    and the owners of verified e-mail addresses."""

    usernames: dict[int, str]  # line -> login ID
    users: dict[str, int]
    linked: set[int]
    email_owner: dict[str, int]


def _plan(
    parsed: ParsedRoster, *, mode: str, scope: Organisation | None, today: datetime.date
) -> RosterPlan:
    """Compare the parsed rows with the registry. Adds problems to ``parsed``."""
    organisations = {
        code: (pk, name, external)
        for pk, code, name, external in Organisation.objects.values_list(
            "id", "code", "name", "is_external"
        )
    }
    resolved, new_organisations = _resolve_organisations(parsed, organisations, mode, scope)
    org_id = {code: pk for code, (pk, _n, _e) in organisations.items()}
    fields, existing = _registry(mode, resolved)
    accounts = _accounts(resolved)

    creates: list[PlannedCreate] = []
    updates: list[PlannedUpdate] = []
    seen_ids: set[int] = set()
    unchanged = 0
    for row, code, external in resolved:
        values = row.values
        key = (org_id.get(code) if external else None, values["staff_number"])
        found = existing.get(key) if (not external or code in org_id) else None
        current = dict(zip(fields, found, strict=True)) if found else None
        # The row's own dict becomes the new state (no copies: memory matters at 100,000 rows).
        new = values
        for parse_only in ("organisation_code", "organisation_name"):
            new.pop(parse_only, None)
        # An organisation this import creates has no id yet: the commit resolves "new:CODE".
        new["organisation_id"] = org_id.get(code, f"{NEW_ORGANISATION}{code}")
        new["status"] = TraineeStatus.ACTIVE
        user_id = _account_of(parsed, row, current, accounts)
        if user_id is False:
            continue
        if current is None:
            creates.append(PlannedCreate(row.line, code, external, accounts.usernames[row.line],
                                         user_id, new))  # fmt: skip
            continue
        seen_ids.add(current["id"])
        changes = _changes(current, new, today)
        if changes:
            updates.append(PlannedUpdate(row.line, current["id"], changes))
        else:
            unchanged += 1
    return RosterPlan(
        mode=mode,
        today=today,
        new_organisations=list(new_organisations.values()),
        creates=creates,
        updates=updates,
        deactivations=_deactivations(mode, fields, existing, seen_ids),
        unchanged=unchanged,
    )


def _resolve_organisations(
    parsed: ParsedRoster,
    organisations: dict[str, tuple[int, str, bool]],
    mode: str,
    scope: Organisation | None,
) -> tuple[list[_Resolved], dict[str, NewOrganisation]]:
    """Each row's organisation (by code, or by name when the file has no codes); the ones this
    import would create. A row for another organisation than the scope's, an unknown name, or
    external staff in the ward's full roster is an error."""
    code_by_name = {name: code for code, (_pk, name, _ext) in organisations.items()}
    new_organisations: dict[str, NewOrganisation] = {}
    resolved = []
    for row in parsed.rows:
        values = row.values
        code, name = values["organisation_code"], values["organisation_name"]
        if scope is not None:
            if code and code != scope.code:
                parsed.errors.append(Problem(
                    row.line, "所属コード", code, _("This import is for %(name)s (%(code)s) only.")
                    % {"name": scope.name, "code": scope.code},
                ))  # fmt: skip
                continue
            code = scope.code
        elif not code:
            code = code_by_name.get(name, "")
            if not code:
                parsed.errors.append(Problem(
                    row.line, "所属", name, _("Unknown organisation. Add the 所属コード column.")
                ))  # fmt: skip
                continue
        if code in organisations:
            external = organisations[code][2]
        else:
            external = values["employment_type"] == EmploymentType.EXTERNAL
            if code not in new_organisations:
                new_organisations[code] = NewOrganisation(code, name or code, external)
                parsed.warnings.append(Problem(
                    row.line, "所属コード", code,
                    _("New organisation “%(name)s”: it will be created.") % {"name": name or code},
                ))  # fmt: skip
        if mode == ImportMode.FULL and (
            external or values["employment_type"] == EmploymentType.EXTERNAL
        ):
            parsed.errors.append(Problem(
                row.line, "雇用区分", values["employment_type"],
                _("Other organisations’ staff are imported in “add” mode, not in the ward roster."),
            ))  # fmt: skip
            continue
        resolved.append(_Resolved(row, code, external))
    return resolved, new_organisations


def _registry(
    mode: str, resolved: list[_Resolved]
) -> tuple[list[str], dict[tuple[int | None, str], tuple[Any, ...]]]:
    """The registry side, in one query: (the fields read, each person's row by (organisation
    for external staff, staff number)). The full roster compares with every ward employee; an
    "add" import with the people of the organisations in the file."""
    fields = [
        "id", "staff_number", "organisation_id", "is_external", "user_id", "age_as_of",
        *[f for f in COMPARED if f != "organisation_id"],
    ]  # fmt: skip
    if mode == ImportMode.FULL:
        queryset = Trainee.objects.filter(is_external=False)
    else:
        codes = {item.code for item in resolved}
        queryset = Trainee.objects.filter(organisation__code__in=codes)
    # Tuples, not dicts: a year-2 roster of 100,000 holds the whole registry at once here.
    existing: dict[tuple[int | None, str], tuple[Any, ...]] = {}
    for record in queryset.values_list(*fields).iterator(chunk_size=10000):
        existing[(record[2] if record[3] else None, record[1])] = record
    return fields, existing


def _accounts(resolved: list[_Resolved]) -> _Accounts:
    usernames = {}
    for row, code, external in resolved:
        number = row.values["staff_number"]
        usernames[row.line] = _external_username(code, number) if external else number
    emails = {item.row.values["email"].lower() for item in resolved
              if item.row.values.get("email")}  # fmt: skip
    users = dict(_lookup(User.objects, "username", usernames.values(), "id"))
    linked = {user for user, _ in _lookup(Trainee.objects, "user_id", set(users.values()), "id")}
    email_owner = dict(
        _lookup(EmailAddress.objects.filter(verified=True), "email", emails, "user_id")
    )
    return _Accounts(usernames, users, linked, email_owner)


def _account_of(
    parsed: ParsedRoster, row: RosterRow, current: dict[str, Any] | None, accounts: _Accounts
) -> int | Literal[False] | None:
    """The account a row's person will have (None: a new one), or False — with the error —
    when the login ID or the e-mail address belongs to someone else."""
    if current is None:
        user_id = accounts.users.get(accounts.usernames[row.line])
        if user_id in accounts.linked:
            parsed.errors.append(Problem(
                row.line, "職員番号", row.values["staff_number"],
                _("The login ID %(login)s belongs to another person's account.")
                % {"login": accounts.usernames[row.line]},
            ))  # fmt: skip
            return False
    else:
        user_id = current["user_id"]
    email = row.values.get("email", "")
    owner = accounts.email_owner.get(email.lower()) if email else None
    if owner is not None and owner != user_id:
        parsed.errors.append(Problem(
            row.line, "メールアドレス", email,
            _("This e-mail address belongs to another person's account."),
        ))  # fmt: skip
        return False
    return user_id


def _changes(current: dict[str, Any], new: dict[str, Any], today: datetime.date) -> dict[str, Any]:
    """Field -> [old, new] for what the file changes; a column it lacks changes nothing."""
    changes: dict[str, Any] = {}
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
    if "age" in changes:
        changes["age_as_of"] = [
            current["age_as_of"].isoformat() if current["age_as_of"] else None,
            new.get("age_as_of"),
        ]
    return changes


def _deactivations(
    mode: str,
    fields: list[str],
    existing: dict[tuple[int | None, str], tuple[Any, ...]],
    seen_ids: set[int],
) -> list[PlannedDeactivation]:
    """Who the full roster leaves out: every active ward employee not in the file."""
    if mode != ImportMode.FULL:
        return []
    status_at, name_at = fields.index("status"), fields.index("name")
    leaving = [
        PlannedDeactivation(record[0], record[1], record[name_at])
        for record in existing.values()
        if record[0] not in seen_ids and record[status_at] == TraineeStatus.ACTIVE
    ]
    return sorted(leaving, key=lambda item: item.staff_number)


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


# --- Commit -------------------------------------------------------------------------------


def _to_field(field: str, value: Any) -> Any:
    if field in DATE_COLUMNS and value:
        return datetime.date.fromisoformat(value)
    return value


# Roles whose holders a full import lists first, and disables only on an explicit tick.
PRIVILEGED_ROLES = (Role.HR_ADMIN, Role.AUDITOR, Role.COORDINATOR)


def privileged_deactivations(
    record: RosterImport, viewer: User | None, plan: RosterPlan | None = None
) -> list[dict[str, Any]]:
    """The accounts with a role (HR, auditor, coordinator, superuser) that committing this
    import would disable, with their roles and whether it is the viewer's own. (Pass the plan
    when it is already unpacked: a year-1 plan is 100,000 items.)"""
    if plan is None:
        plan = RosterPlan.unpack(record)
    ids = [item.id for item in plan.deactivations]
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
    record: RosterImport, plan: RosterPlan, committed_by: User | None, confirm_privileged: bool
) -> None:
    """A full import never disables the person confirming it, nor the last active HR
    administrator or auditor; other accounts with a role only when HR ticked that it should."""
    privileged = privileged_deactivations(record, committed_by, plan)
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


class RosterPipeline(FileImportPipeline[RosterImport, RosterPlan]):
    """The roster through the shared skeleton (lib.imports): checked against the registry,
    kept compressed with the registry's fingerprint, committed under one advisory lock only if
    the fingerprint still holds, and never disabling accounts it may not."""

    model = RosterImport
    stale_message = gettext_lazy(
        "The registry changed after this preview. Upload the file again to see the changes."
    )

    def check(
        self, data: bytes, *, file_name: str, encoding: str, record: RosterImport
    ) -> Checked[RosterPlan]:
        today = self.today or timezone.localdate(record.uploaded_at)
        fingerprint = registry_fingerprint()
        parsed = parse_roster(data, file_name=file_name, encoding=encoding, today=today)
        plan = None
        if parsed.rows:
            # The registry checks run even when some rows have problems, so that the whole
            # file's problems are listed at once; a file with any problem is never committed.
            plan = _plan(parsed, mode=record.mode, scope=record.organisation, today=today)
            plan.fingerprint = fingerprint
        return Checked(parsed.encoding, len(parsed.rows), plan, parsed.errors, parsed.warnings)

    def keep(self, record: RosterImport, plan: RosterPlan) -> None:
        record.plan = plan.pack()
        record.registry_fingerprint = plan.fingerprint
        record.created = len(plan.creates)
        record.updated = len(plan.updates)
        record.unchanged = plan.unchanged
        record.deactivated = len(plan.deactivations)

    def kept(self, record: RosterImport) -> RosterPlan:
        return RosterPlan.unpack(record)

    def lock(self) -> None:
        """One roster import commits at a time (SQLite already serialises writers)."""
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext('trainees.roster_import'))")

    def stale(self, record: RosterImport) -> bool:
        return registry_fingerprint() != record.registry_fingerprint

    def apply(
        self, record: RosterImport, plan: RosterPlan, *, actor: User | None,
        confirm_privileged: bool = False, **options: Any,
    ) -> None:  # fmt: skip
        _check_deactivations(record, plan, actor, confirm_privileged)
        _apply(record, plan, actor)

    def __init__(self, today: datetime.date | None = None) -> None:
        self.today = today


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
    _check_mode(mode, organisation)
    return RosterPipeline(today or timezone.localdate()).preview(
        data=data, file_name=file_name, encoding=encoding, uploaded_by=uploaded_by,
        mode=mode, organisation=organisation,
    )  # fmt: skip


def _check_mode(mode: str, organisation: Organisation | None) -> None:
    if mode not in ImportMode.values:
        raise ValidationError(_("Unknown import mode."))
    if mode == ImportMode.FULL and organisation is not None:
        raise ValidationError(
            _("The full roster covers all ward staff: do not choose an organisation.")
        )


ROSTER_PREVIEW_JOB = "roster.preview"


def roster_import_preview_start(
    *, data: bytes, file_name: str, mode: str, uploaded_by: User,
    organisation: Organisation | None = None, encoding: str = "auto",
) -> Job:  # fmt: skip
    """Check a large file in the background (trainees.background.roster_preview; a city's
    roster takes seconds): the job's result is the preview's page. The choices are checked at
    once, so a wrong one is said on the form."""
    _check_mode(mode, organisation)
    return job_start_with_upload(
        data=data, kind=ROSTER_PREVIEW_JOB, owner=uploaded_by,
        title=_("Roster check: %(file)s") % {"file": file_name},
        params={"file_name": file_name, "mode": mode, "encoding": encoding,
                "organisation": organisation.pk if organisation else None},
        permission=HR_CONSOLE, about="roster:preview", link=reverse("roster_imports"),
    )  # fmt: skip


ROSTER_COMMIT_JOB = "roster.commit"


def roster_import_commit_start(
    *, record: RosterImport, actor: User, confirm_privileged: bool = False
) -> Job:
    """Confirm the import in the background (trainees.background.roster_commit): a city's
    roster takes longer than a page may wait. Refused at once when it cannot be confirmed."""
    ensure_previewed(record)
    return job_start(
        kind=ROSTER_COMMIT_JOB, owner=actor,
        title=_("Roster import: %(file)s") % {"file": record.file_name},
        params={"import": record.pk, "confirm_privileged": confirm_privileged},
        permission=HR_CONSOLE, about=f"roster:{record.pk}", total=record.rows,
        link=reverse("roster_import_detail", args=[record.pk]),
    )  # fmt: skip


def roster_import_commit(
    *, roster_import_id: int, committed_by: User | None, confirm_privileged: bool = False
) -> RosterImport:
    """Apply the previewed plan, all or nothing. Raises StaleImportError if the registry changed
    since the preview (the import is then marked stale and nothing else is written), and a
    ValidationError when it would disable accounts it may not (see _check_deactivations)."""
    return RosterPipeline().commit(
        record_id=roster_import_id, actor=committed_by, confirm_privileged=confirm_privileged
    )


def _apply(record: RosterImport, plan: RosterPlan, committed_by: User | None) -> None:
    now = timezone.now()
    today = plan.today
    change_rows: list[tuple[int, str, dict[str, Any]]] = []  # (trainee id, kind, changes)

    # New organisations first: trainees refer to them.
    if plan.new_organisations:
        Organisation.objects.bulk_create(
            [
                Organisation(code=o.code, name=o.name, is_external=o.is_external, valid_from=today)
                for o in plan.new_organisations
            ],
            batch_size=BATCH,
        )
    codes = {c.code for c in plan.creates} | {o.code for o in plan.new_organisations}
    org_id = dict(Organisation.objects.filter(code__in=codes).values_list("code", "id"))
    for item in plan.updates:
        moved = item.changes.get("organisation_id")
        if moved and isinstance(moved[1], str) and moved[1].startswith(NEW_ORGANISATION):
            moved[1] = org_id[moved[1].removeprefix(NEW_ORGANISATION)]

    trainee_group = Group.objects.get(name=Role.TRAINEE.value)
    _create_trainees(plan.creates, org_id, trainee_group, now, record, committed_by, change_rows)
    _update_trainees(plan.updates, now, today, record, committed_by, change_rows)
    moved = [item.id for item in plan.updates if "organisation_id" in item.changes]
    if moved:
        trainees_moved.send(sender=Trainee, trainee_ids=moved)

    deactivated_ids = [item.id for item in plan.deactivations]
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
    # 兼務先 named in the file, linked to the organisations they name.
    concurrent_organisations_sync(
        [*Trainee.objects.filter(created_at=now).values_list("id", flat=True),
         *(pk for pk, kind, _changes in change_rows if kind == "updated")]
    )  # fmt: skip
    actor_id = committed_by.pk if committed_by else None
    insert_rows(
        TraineeChange,
        ["trainee_id", "changed_at", "changed_by_id", "roster_import_id", "kind", "changes"],
        ([trainee_id, now, actor_id, record.pk, kind, changes]
         for trainee_id, kind, changes in change_rows),
    )  # fmt: skip
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
    creates: list[PlannedCreate],
    org_id: dict[str, int],
    trainee_group: Group,
    now: datetime.datetime,
    record: RosterImport,
    actor: User | None,
    change_rows: list[tuple[int, str, dict[str, Any]]],
) -> None:
    if not creates:
        return
    fresh = [item for item in creates if item.user_id is None]
    # Accounts: login ID = staff number (ward) or CODE-number (external); no usable password.
    insert_rows(
        User,
        ["username", "full_name", "email", "password", "is_active", "is_staff", "is_superuser",
         "date_joined", "language"],
        ([item.username, item.values["name"], item.values.get("email", ""),
          _unusable_password(), True, False, False, now, ""] for item in fresh),
    )  # fmt: skip
    user_id = dict(User.objects.filter(date_joined=now).values_list("username", "id"))
    user_id.update((item.username, item.user_id) for item in creates if item.user_id)
    Membership = User.groups.through
    insert_rows(
        Membership,
        ["user_id", "group_id"],
        ([user_id[i.username], trainee_group.id] for i in fresh),
    )
    insert_rows(
        EmailAddress,
        ["user_id", "email", "verified", "primary"],
        ([user_id[i.username], i.values["email"].lower(), True, True]
         for i in fresh if i.values.get("email")),
    )  # fmt: skip
    linked = [item for item in creates if item.user_id is not None]
    if linked:  # accounts made by hand before the roster knew the person
        User.objects.filter(id__in=[item.user_id for item in linked]).update(is_active=True)
        Membership.objects.bulk_create(
            [Membership(user_id=item.user_id, group_id=trainee_group.id) for item in linked],
            ignore_conflicts=True,
        )
        EmailAddress.objects.bulk_create(
            [EmailAddress(user_id=item.user_id, email=item.values["email"].lower(),
                          verified=True, primary=True)
             for item in linked if item.values.get("email")],
            ignore_conflicts=True,
        )  # fmt: skip

    compared = [field for field in COMPARED if field != "organisation_id"]
    insert_rows(
        Trainee,
        [*compared, "staff_number", "is_external", "organisation_id", "age_as_of", "user_id",
         "search_text", "created_at", "updated_at"],
        (
            [
                *(_to_field(f, item.values.get(f, _EMPTY.get(f))) for f in compared),
                item.username.split("-", 1)[1] if item.external else item.username,
                item.external,
                org_id[item.code],
                _to_field("age_as_of", item.values.get("age_as_of")),
                user_id[item.username],
                _search_text(item.values, item.username),
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
            [created[user_id[item.username]], now, actor_id, record.pk, "created",
             {k: [None, org_id[item.code] if k == "organisation_id" else v]
              for k, v in item.values.items() if v not in (None, "", [])}]
            for item in creates
        ),
    )  # fmt: skip


def _update_trainees(
    updates: list[PlannedUpdate],
    now: datetime.datetime,
    today: datetime.date,
    record: RosterImport,
    actor: User | None,
    change_rows: list[tuple[int, str, dict[str, Any]]],
) -> None:
    by_id = {item.id: item for item in updates}
    ids = list(by_id)
    for start in range(0, len(ids), BATCH):
        chunk = Trainee.objects.filter(id__in=ids[start : start + BATCH])
        trainees, users, fields, user_fields, email_changes = [], [], set(), set(), {}
        for trainee in chunk.select_related("user"):
            changes = by_id[trainee.pk].changes
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
    plan = RosterPlan.unpack(record)
    names = dict(
        Trainee.objects.filter(id__in=[u.id for u in plan.updates]).values_list(
            "id", "staff_number"
        )
    )
    rows: list[dict[str, Any]] = []
    for item in plan.creates:
        rows.append(
            {
                "kind": "created",
                "line": item.line,
                "staff_number": item.username,
                "name": item.values["name"],
                "changes": [],
            }
        )
    for update in plan.updates:
        rows.append(
            {
                "kind": "updated",
                "line": update.line,
                "staff_number": names.get(update.id, ""),
                "name": "",
                "changes": [(f, old, new) for f, (old, new) in update.changes.items()],
            }
        )
    for leaver in plan.deactivations:
        rows.append(
            {
                "kind": "deactivated",
                "line": None,
                "staff_number": leaver.staff_number,
                "name": leaver.name,
                "changes": [],
            }
        )
    by_hand = _hand_made_since_last_import()
    ids = [u.id for u in plan.updates] + [d.id for d in plan.deactivations]
    for row, trainee_id in zip(rows[len(plan.creates) :], ids, strict=True):
        row["by_hand"] = by_hand.get(trainee_id)
    rows.sort(key=lambda r: (r["line"] is None, r["line"] or 0, r["staff_number"]))
    return rows


def _hand_made_since_last_import() -> dict[int, TraineeChange]:
    """The latest change HR made by hand (職員情報登録) since the last committed roster import,
    per person — a few between two imports, so read whole (two queries): the preview says
    which of its changes would overwrite one."""
    last = RosterImport.objects.filter(status=RosterImport.Status.COMMITTED).aggregate(
        at=Max("committed_at")
    )["at"]
    changes = TraineeChange.objects.filter(kind__in=HAND_CHANGE_KINDS).select_related("changed_by")
    if last is not None:
        changes = changes.filter(changed_at__gt=last)
    latest: dict[int, TraineeChange] = {}
    for change in changes.order_by("changed_at", "id"):
        latest[change.trainee_id] = change
    return latest
