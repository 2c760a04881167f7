from django.urls import path

from reports import views

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
]
