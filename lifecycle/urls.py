from __future__ import annotations

from django.urls import path

from lifecycle import views

urlpatterns = [
    path("trainees/<int:pk>/erase/", views.trainee_erase, name="trainee_erase"),
    path("audit/deletion-reports/", views.deletion_reports, name="deletion_reports"),
    path(
        "audit/deletion-reports/<int:pk>.<str:file_format>",
        views.deletion_report_download,
        name="deletion_report_download",
    ),
]
