"""The audit event kinds this app writes (registered at start-up: audit/kinds.py)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AssessmentsEventKind(models.TextChoices):
    TEST_SAVED = "test.saved", _("Test saved")
    TEST_QUESTION_SAVED = "test.question_saved", _("Test question saved")
    TEST_QUESTION_REMOVED = "test.question_removed", _("Test question removed")
    TEST_QUESTION_MOVED = "test.question_moved", _("Test questions reordered")
    TEST_BANK_IMPORTED = "test.bank_imported", _("Question bank imported")
    ATTEMPT_STARTED = "attempt.started", _("Test attempt started")
    ATTEMPT_SUBMITTED = "attempt.submitted", _("Test attempt submitted")
    ATTEMPT_ADJUSTED = "attempt.adjusted", _("Test score adjusted")
    ASSESSMENT_REFUSED = "assessment.refused", _("Forged or refused answer")
    SURVEY_SAVED = "survey.saved", _("Survey saved")
    SURVEY_QUESTION_MOVED = "survey.question_moved", _("Survey questions reordered")
    SURVEY_ANSWERED = "survey.answered", _("Survey answered")
    SURVEY_RELEASED = "survey.released", _("Anonymous survey answers released as a batch")
    SURVEY_REMINDED = "survey.reminded", _("Survey reminders sent")
    REPORT_FORM_SAVED = "report.form_saved", _("Report form saved")
    REPORT_SUBMITTED = "report.submitted", _("Completion report submitted")
    REPORT_REVIEWED = "report.reviewed", _("Completion report reviewed")
    ASSESSMENT_EXPORTED = "assessment.exported", _("Assessment results exported")
