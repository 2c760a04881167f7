from __future__ import annotations

from django.urls import path

from portal import views

urlpatterns = [
    path("", views.home, name="home"),
    path("me/", views.trainee_home, name="trainee_home"),
    path("coordinator/", views.coordinator_home, name="coordinator_home"),
    path("hr/", views.hr_home, name="hr_home"),
    path("hr/courses/<int:pk>/", views.course_detail, name="course_detail"),
]
