from __future__ import annotations

from django.urls import path

from assessments import report_views, survey_views, views

urlpatterns = [
    path("hr/courses/<int:pk>/copy/", views.course_copy, name="course_copy"),
    # Tests (HR)
    path("hr/courses/<int:pk>/tests/new/", views.test_create, name="test_create"),
    path("hr/tests/<int:pk>/", views.test_edit, name="test_edit"),
    path("hr/tests/<int:pk>/questions/new/", views.question_create, name="question_create"),
    path(
        "hr/tests/<int:pk>/questions/<int:question_pk>/",
        views.question_edit,
        name="question_edit",
    ),
    path(
        "hr/tests/<int:pk>/questions/<int:question_pk>/delete/",
        views.question_delete,
        name="question_delete",
    ),
    path(
        "hr/tests/<int:pk>/questions/<int:question_pk>/move/",
        views.question_move,
        name="question_move",
    ),
    path("hr/tests/<int:pk>/preview/", views.test_preview, name="test_preview"),
    path("hr/tests/<int:pk>/results/", views.test_results, name="test_results"),
    path(
        "hr/tests/<int:pk>/results/export/",
        views.test_results_export,
        name="test_results_export",
    ),
    path("hr/tests/<int:pk>/bank/export/", views.question_bank_export, name="question_bank_export"),
    path("hr/tests/<int:pk>/bank/import/", views.question_bank_import, name="question_bank_import"),
    path("hr/attempts/<int:pk>/", views.attempt_detail, name="attempt_detail"),
    # Surveys (HR)
    path("hr/surveys/templates/", survey_views.survey_templates, name="survey_templates"),
    path("hr/courses/<int:pk>/survey/new/", survey_views.survey_create, name="survey_create"),
    path("hr/surveys/<int:pk>/", survey_views.survey_edit, name="survey_edit"),
    path(
        "hr/surveys/<int:pk>/questions/new/",
        survey_views.survey_question_create,
        name="survey_question_create",
    ),
    path(
        "hr/surveys/<int:pk>/questions/<int:question_pk>/",
        survey_views.survey_question_edit,
        name="survey_question_edit",
    ),
    path(
        "hr/surveys/<int:pk>/questions/<int:question_pk>/delete/",
        survey_views.survey_question_delete,
        name="survey_question_delete",
    ),
    path(
        "hr/surveys/<int:pk>/questions/<int:question_pk>/move/",
        survey_views.survey_question_move,
        name="survey_question_move",
    ),
    path("hr/surveys/<int:pk>/preview/", survey_views.survey_preview, name="survey_preview"),
    path("hr/surveys/<int:pk>/results/", survey_views.survey_results, name="survey_results"),
    path("hr/surveys/<int:pk>/export/", survey_views.survey_export, name="survey_export"),
    path("hr/surveys/<int:pk>/remind/", survey_views.survey_remind, name="survey_remind"),
    # Completion reports
    path(
        "hr/courses/<int:pk>/report-forms/<str:purpose>/",
        report_views.report_form_edit,
        name="report_form_edit",
    ),
    path("hr/courses/<int:pk>/reports/", report_views.report_list, name="report_list"),
    path("hr/courses/<int:pk>/reports/export/", report_views.report_export, name="report_export"),
    path("hr/reports/<int:pk>/", report_views.hr_report, name="hr_report"),
    path("coordinator/reports/", report_views.report_review_list, name="report_review_list"),
    path("coordinator/reports/<int:pk>/", report_views.report_review, name="report_review"),
    path(
        "approvals/reports/",
        report_views.supervisor_report_list,
        name="supervisor_report_list",
    ),
    path(
        "approvals/reports/<int:pk>/",
        report_views.supervisor_report_review,
        name="supervisor_report_review",
    ),
    # Trainees
    path("me/enrollments/<int:pk>/tasks/", views.enrollment_tasks, name="enrollment_tasks"),
    path(
        "me/enrollments/<int:pk>/tests/<int:test_pk>/start/",
        views.test_start,
        name="test_start",
    ),
    path(
        "me/enrollments/<int:pk>/surveys/<int:survey_pk>/",
        survey_views.survey_answer,
        name="survey_answer",
    ),
    path(
        "me/enrollments/<int:pk>/reports/<int:form_pk>/",
        report_views.report_edit,
        name="report_edit",
    ),
    path("me/attempts/<int:pk>/", views.attempt_take, name="attempt_take"),
    path("me/attempts/<int:pk>/save/", views.answer_save, name="answer_save"),
    path("me/attempts/<int:pk>/result/", views.attempt_result, name="attempt_result"),
]
