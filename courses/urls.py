from __future__ import annotations

from django.urls import path

from courses import views

urlpatterns = [
    path("hr/courses/", views.course_list, name="course_list"),
    path("hr/courses/new/", views.course_edit, name="course_create"),
    path("hr/courses/<int:pk>/edit/", views.course_edit, name="course_edit"),
]
