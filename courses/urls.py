from __future__ import annotations

from django.urls import path

from courses import material_views, views

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read/", views.inbox_mark_read, name="inbox_mark_all_read"),
    path("inbox/<int:pk>/read/", views.inbox_mark_read, name="inbox_mark_read"),
    path("hr/courses/", views.course_list, name="course_list"),
    path("hr/courses/new/", views.course_edit, name="course_create"),
    path("hr/courses/<int:pk>/", views.course_detail, name="course_detail"),
    path("hr/courses/<int:pk>/edit/", views.course_edit, name="course_edit"),
    path("hr/courses/<int:pk>/copy/", views.course_copy, name="course_copy"),
    path("hr/courses/<int:pk>/targets/", views.course_targets, name="course_targets"),
    path(
        "hr/courses/<int:pk>/targets/freeze/",
        views.course_targets_freeze,
        name="course_targets_freeze",
    ),
    path("hr/courses/<int:pk>/targets/add/", views.course_targets_add, name="course_targets_add"),
    path(
        "hr/courses/<int:pk>/targets/order/",
        views.course_targets_order,
        name="course_targets_order",
    ),
    path(
        "hr/courses/<int:pk>/targets/<int:member_pk>/remove/",
        views.course_targets_remove,
        name="course_targets_remove",
    ),
    path("hr/courses/<int:course_pk>/sessions/new/", views.session_edit, name="session_create"),
    path("hr/courses/<int:course_pk>/sessions/<int:pk>/", views.session_edit, name="session_edit"),
    path(
        "hr/courses/<int:course_pk>/sessions/<int:pk>/orders/",
        views.session_issue_orders,
        name="session_issue_orders",
    ),
    path(
        "hr/courses/<int:course_pk>/materials/new/",
        material_views.material_create,
        name="material_create",
    ),
    path(
        "hr/courses/<int:course_pk>/materials/<int:pk>/",
        material_views.material_edit,
        name="material_edit",
    ),
    path(
        "hr/courses/<int:course_pk>/materials/<int:pk>/delete/",
        material_views.material_delete,
        name="material_delete",
    ),
    path(
        "hr/courses/<int:course_pk>/materials/<int:pk>/move/",
        material_views.material_move,
        name="material_move",
    ),
    path("learn/", material_views.learning, name="learning"),
    path("learn/courses/<int:pk>/", material_views.learning_course, name="learning_course"),
    path("learn/materials/<int:pk>/", material_views.material_view, name="material_view"),
    path("learn/materials/<int:pk>/file/", material_views.material_file, name="material_file"),
    path(
        "learn/materials/<int:pk>/progress/",
        material_views.material_progress,
        name="material_progress",
    ),
    path("hr/orders/<int:pk>/", views.order_detail, name="order_detail"),
    path("hr/orders/<int:pk>/resend/", views.order_resend, name="order_resend"),
]
