from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnrollmentsConfig(AppConfig):
    name = "enrollments"
    verbose_name = _("Enrollments")

    def ready(self) -> None:
        from audit.kinds import register_event_kinds
        from enrollments.audit_kinds import EnrollmentsEventKind

        register_event_kinds(EnrollmentsEventKind)
        from audit.selectors import register_detail_values
        from enrollments.models import AttendanceMark, Status

        register_detail_values("decision", Status.choices)
        register_detail_values("status", Status.choices)
        register_detail_values("mark", AttendanceMark.choices)
        # Which courses' materials a trainee may open is the enrolments' to say (learning/).
        from enrollments.selectors import learning_course_ids
        from learning.selectors import register_learning_places

        register_learning_places(learning_course_ids)
        # A transfer entered late re-counts the places since it took effect (trainees/events).
        from enrollments.services.history import (
            places_follow_roster,
            places_restamp_after_rename,
            places_restamp_after_transfer,
        )
        from trainees.events import organisation_renamed, trainee_transferred, trainees_moved

        trainee_transferred.connect(places_restamp_after_transfer, dispatch_uid="restamp")
        trainees_moved.connect(places_follow_roster, dispatch_uid="follow_roster")
        organisation_renamed.connect(places_restamp_after_rename, dispatch_uid="restamp_rename")
