from __future__ import annotations

from django.urls import path

from trainees import views

urlpatterns = [
    path("", views.home, name="home"),
    path("me/", views.trainee_home, name="trainee_home"),
    path("coordinator/", views.coordinator_home, name="coordinator_home"),
    path("hr/", views.hr_home, name="hr_home"),
    path("i18n/setlang/", views.set_language, name="set_language"),
]
