from django.urls import path

from reports import certificate_views, dashboard_views, import_views, views

urlpatterns = [
    path("me/history/", views.my_history, name="my_history"),
    path("me/history/export/", views.my_history_export, name="my_history_export"),
    path("trainees/<int:pk>/history/", views.trainee_history, name="trainee_history"),
    path(
        "trainees/<int:pk>/history/export/",
        views.trainee_history_export,
        name="trainee_history_export",
    ),
    path(
        "trainees/<int:pk>/history/records/new/",
        views.record_create,
        name="history_record_create",
    ),
    path("hr/history-records/<int:pk>/", views.record_edit, name="history_record_edit"),
    path(
        "hr/history-records/<int:pk>/remove/",
        views.record_remove,
        name="history_record_remove",
    ),
    path("dashboards/", dashboard_views.completion, name="dashboard_completion"),
    path(
        "dashboards/completion/<int:course_pk>/<int:organisation_pk>/",
        dashboard_views.completion_cell,
        name="dashboard_cell",
    ),
    path("dashboards/compliance/", dashboard_views.compliance, name="dashboard_compliance"),
    path("dashboards/compliance/<int:pk>/", dashboard_views.chase, name="dashboard_chase"),
    path(
        "dashboards/compliance/<int:pk>/remind/",
        dashboard_views.chase_remind_view,
        name="dashboard_chase_remind",
    ),
    path("dashboards/attendance/", dashboard_views.attendance, name="dashboard_attendance"),
    path("dashboards/results/", dashboard_views.results, name="dashboard_results"),
    path("dashboards/hours/", dashboard_views.hours, name="dashboard_hours"),
    path(
        "me/enrollments/<int:pk>/certificate/",
        certificate_views.my_certificate,
        name="my_certificate",
    ),
    path(
        "hr/sessions/<int:pk>/certificates/",
        certificate_views.session_certificates,
        name="session_certificates",
    ),
    path("hr/certificates/issuer/", certificate_views.authority, name="certificate_authority"),
    path(
        "hr/certificates/issuer/seal/",
        certificate_views.authority_seal,
        name="certificate_authority_seal",
    ),
    path(
        "hr/certificates/<int:pk>/", certificate_views.certificate_detail, name="certificate_detail"
    ),
    path(
        "hr/certificates/<int:pk>/revoke/",
        certificate_views.certificate_revoke,
        name="certificate_revoke",
    ),
    path("verify/<str:code>/", certificate_views.verify, name="certificate_verify"),
    path("hr/history-imports/", import_views.history_imports, name="history_imports"),
    path(
        "hr/history-imports/<int:pk>/",
        import_views.history_import_detail,
        name="history_import_detail",
    ),
    path(
        "hr/history-imports/<int:pk>/confirm/",
        import_views.history_import_confirm,
        name="history_import_confirm",
    ),
]
