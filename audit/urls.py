from __future__ import annotations

from django.urls import path

from audit import views

app_name = "audit"
urlpatterns = [
    path("", views.home, name="home"),
    path("access-log/", views.access_log, name="access_log"),
    path("events/", views.events, name="events"),
    path("events/export/", views.events_export, name="events_export"),
]
