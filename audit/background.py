"""The audit log's export, named so that a large one is made by a background job
(audit.exports.export_builder; the jobs app runs it)."""

from __future__ import annotations

from typing import Any

from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import selectors
from audit.exports import Export, export_builder, page_link
from audit.forms import AuditEventFilterForm
from audit.models import AuditEvent, AuditEventKind

EVENTS_EXPORT = "audit-events"
# An export is for a question about a period; beyond this, narrow the filter.
EXPORT_LIMIT = 100_000


def _person(user: Any) -> str:
    return f"{user.username} {user.full_name}" if user is not None else ""


def _event_row(e: AuditEvent) -> list[str]:
    return [
        timezone.localtime(e.occurred_at).strftime("%Y/%m/%d %H:%M:%S"),
        e.kind_label,
        e.kind,
        e.username,
        _person(e.subject_user),
        selectors.detail_in_words(e.detail),
        e.login_id,
        e.ip_address or "",
        str(e.request_id or ""),
    ]


@export_builder(EVENTS_EXPORT, permissions=["audit.view_auditevent"])
def events_export(user: Any, query: QueryDict, *, until: int | None = None) -> Export:
    """The events the filter selects, newest first (at most EXPORT_LIMIT), up to event `until`:
    the log as it stood when the export was asked for, whenever the job makes it."""
    form = AuditEventFilterForm(query or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    events = selectors.audit_event_filter(filters)
    if until is not None:
        events = events.filter(pk__lte=until)
    header = [_("Time"), _("Event"), _("Event code"), _("Who"), _("About whom"), _("Details"),
              _("Login ID tried"), _("IP address"), _("Request ID")]  # fmt: skip
    return Export(
        name="audit-events", sheet=str(_("Audit events")), header=[str(h) for h in header],
        rows=(_event_row(e) for e in events[:EXPORT_LIMIT].iterator(chunk_size=2000)),
        count=min(events.count(), EXPORT_LIMIT), kind=AuditEventKind.AUDIT_EXPORTED,
        detail={"filters": sorted(k for k, v in filters.items() if v)},
        personal=True,  # login IDs, names, addresses
        title=_("audit events"), page=page_link(reverse("audit:events"), query),
    )  # fmt: skip
