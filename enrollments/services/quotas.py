"""申込可能人数: how many places an organisation's staff may hold on a course."""

from __future__ import annotations

from django.db import transaction

from audit.services import audit_event_record
from courses.models import Course
from enrollments.models import OrganisationQuota
from trainees.models import Organisation, User


@transaction.atomic
def quota_set(
    *, course: Course, organisation: Organisation, limit: int, actor: User | None
) -> OrganisationQuota:
    quota, _created = OrganisationQuota.objects.update_or_create(
        course=course, organisation=organisation, defaults={"limit": limit}
    )
    audit_event_record(
        kind="quota.changed",
        user=actor,
        detail={"course": course.pk, "organisation": organisation.code, "limit": limit},
    )
    return quota


@transaction.atomic
def quota_remove(*, quota: OrganisationQuota, actor: User | None) -> None:
    detail = {"course": quota.course_id, "organisation": quota.organisation.code, "limit": None}
    quota.delete()
    audit_event_record(kind="quota.changed", user=actor, detail=detail)
