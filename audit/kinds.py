"""The registry of audit event kinds.

The audit app is the bottom layer, so it cannot list the vocabulary of the apps above it. Each
app declares the kinds it writes as a ``TextChoices`` enum (its ``audit_kinds.py``) and registers
it when it starts (``AppConfig.ready``); the audit app's own kinds (logins, MFA, passwords, the
audit export) are ``audit.models.AuditEventKind``. ``AuditEvent.kind`` has no ``choices``, so a
new kind needs no migration. The writer (``audit_event_record``) refuses a kind nobody registered;
the auditors' filter offers, and the pages label, exactly what is registered."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import TextChoices

_labels: dict[str, Any] = {}
_owners: dict[str, str] = {}


def register_event_kinds(kinds: type[TextChoices]) -> None:
    """Register an app's kinds. A code registered twice by different enums is a mistake (two
    apps would claim one kind) and stops start-up."""
    owner = f"{kinds.__module__}.{kinds.__qualname__}"
    for member in kinds:
        previous = _owners.get(member.value)
        if previous is not None and previous != owner:
            raise ImproperlyConfigured(
                f"audit event kind {member.value!r} is registered by {previous} and {owner}"
            )
        _owners[member.value] = owner
        _labels[member.value] = member.label


def is_registered(code: str) -> bool:
    return code in _labels


def label_of(code: str) -> Any:
    """The kind's label in the reader's language (the code itself for a kind no longer
    registered, so old rows still show)."""
    return _labels.get(code, code)


def choices() -> list[tuple[str, Any]]:
    """Every registered kind as (code, label), by code (grouped by their dotted prefix)."""
    return sorted(_labels.items())
