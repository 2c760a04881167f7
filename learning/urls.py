from __future__ import annotations

from django.urls import path

from learning import views

urlpatterns = [
    path(
        "hr/courses/<int:course_pk>/materials/new/", views.material_create, name="material_create"
    ),
    path(
        "hr/courses/<int:course_pk>/materials/<int:pk>/", views.material_edit, name="material_edit"
    ),
    path(
        "hr/courses/<int:course_pk>/materials/<int:pk>/delete/",
        views.material_delete,
        name="material_delete",
    ),
    path(
        "hr/courses/<int:course_pk>/materials/<int:pk>/move/",
        views.material_move,
        name="material_move",
    ),
    path("learn/", views.learning, name="learning"),
    path("learn/courses/<int:pk>/", views.learning_course, name="learning_course"),
    path("learn/materials/<int:pk>/", views.material_view, name="material_view"),
    path("learn/materials/<int:pk>/file/", views.material_file, name="material_file"),
    path("learn/materials/<int:pk>/progress/", views.material_progress, name="material_progress"),
]
