from __future__ import annotations

from django.urls import path

from courses import views

urlpatterns = [
    path("hr/courses/", views.course_list, name="course_list"),
    path("hr/courses/new/", views.course_edit, name="course_create"),
    path("hr/courses/<int:pk>/", views.course_detail, name="course_detail"),
    path("hr/courses/<int:pk>/edit/", views.course_edit, name="course_edit"),
    path("hr/courses/<int:pk>/copy/", views.course_copy, name="course_copy"),
    path("hr/courses/<int:course_pk>/sessions/new/", views.session_edit, name="session_create"),
    path("hr/courses/<int:course_pk>/sessions/<int:pk>/", views.session_edit, name="session_edit"),
]
