from __future__ import annotations

from django.urls import path

from audit import review_views, views

app_name = "audit"
urlpatterns = [
    path("", views.home, name="home"),
    path("access-log/", views.access_log, name="access_log"),
    path("events/", views.events, name="events"),
    path("events/export/", views.events_export, name="events_export"),
    path("findings/", review_views.findings, name="findings"),
    path("findings/<int:pk>/review/", review_views.finding_review, name="finding_review"),
    path("reports/", review_views.reports, name="reports"),
    path("reports/make/", review_views.report_make, name="report_make"),
    path(
        "reports/<int:pk>.<str:file_format>", review_views.report_download, name="report_download"
    ),
    path("checklist/", review_views.checklist_page, name="checklist"),
]
