from __future__ import annotations

from django.urls import path

from courses import views

urlpatterns = [
    path("hr/courses/", views.course_list, name="course_list"),
    path("hr/courses/new/", views.course_edit, name="course_create"),
    path("hr/courses/<int:pk>/edit/", views.course_edit, name="course_edit"),
    path("hr/venues/", views.venue_list, name="venue_list"),
    path("hr/venues/new/", views.venue_edit, name="venue_create"),
    path("hr/venues/<int:pk>/", views.venue_edit, name="venue_edit"),
]
