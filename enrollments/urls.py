from __future__ import annotations

from django.urls import path

from enrollments import (
    announcement_views,
    approval_views,
    attendance_import_views,
    order_views,
    status_import_views,
    views,
)

urlpatterns = [
    # HR: sessions, target lists, training orders
    path(
        "hr/courses/<int:course_pk>/sessions/new/", order_views.session_edit, name="session_create"
    ),
    path(
        "hr/courses/<int:course_pk>/sessions/<int:pk>/",
        order_views.session_edit,
        name="session_edit",
    ),
    path(
        "hr/courses/<int:course_pk>/sessions/<int:pk>/orders/",
        order_views.session_issue_orders,
        name="session_issue_orders",
    ),
    path("hr/courses/<int:pk>/targets/", order_views.course_targets, name="course_targets"),
    path(
        "hr/courses/<int:pk>/targets/freeze/",
        order_views.course_targets_freeze,
        name="course_targets_freeze",
    ),
    path(
        "hr/courses/<int:pk>/targets/add/",
        order_views.course_targets_add,
        name="course_targets_add",
    ),
    path(
        "hr/courses/<int:pk>/targets/order/",
        order_views.course_targets_order,
        name="course_targets_order",
    ),
    path(
        "hr/courses/<int:pk>/targets/<int:member_pk>/remove/",
        order_views.course_targets_remove,
        name="course_targets_remove",
    ),
    path("hr/courses/<int:pk>/quotas/", order_views.course_quotas, name="course_quotas"),
    path(
        "hr/courses/<int:pk>/quotas/<int:quota_pk>/remove/",
        order_views.course_quota_remove,
        name="course_quota_remove",
    ),
    path(
        "hr/courses/<int:pk>/announce/", announcement_views.course_announce, name="course_announce"
    ),
    path(
        "hr/announcements/<int:pk>/",
        announcement_views.announcement_detail,
        name="announcement_detail",
    ),
    path("hr/orders/<int:pk>/", order_views.order_detail, name="order_detail"),
    path("hr/orders/<int:pk>/resend/", order_views.order_resend, name="order_resend"),
    # Trainees
    path("catalogue/", views.catalogue, name="catalogue"),
    path("catalogue/sessions/<int:session_pk>/apply/", views.apply, name="apply"),
    path("me/enrollments/<int:pk>/", views.enrollment_detail, name="enrollment_detail"),
    path("me/enrollments/<int:pk>/cancel/", views.enrollment_cancel, name="enrollment_cancel"),
    path("me/enrollments/<int:pk>/change/", views.enrollment_change, name="enrollment_change"),
    path("me/enrollments/<int:pk>/absence/", views.enrollment_absence, name="enrollment_absence"),
    path(
        "me/enrollments/<int:pk>/calendar.ics",
        views.enrollment_calendar,
        name="enrollment_calendar",
    ),
    path(
        "me/enrollments/<int:pk>/replacement/",
        views.enrollment_move_to_replacement,
        name="enrollment_move_to_replacement",
    ),
    path(
        "me/enrollments/<int:pk>/resubmit/",
        views.enrollment_resubmit,
        name="enrollment_resubmit",
    ),
    path("me/check-in/", views.check_in, name="check_in"),
    # 所属長承認: supervisors (and coordinators at the second step)
    path("approvals/", approval_views.approval_queue, name="approval_queue"),
    # Coordinators
    path("coordinator/nominations/", views.nominations, name="nominations"),
    path(
        "coordinator/nominations/<int:pk>/withdraw/",
        views.nomination_withdraw,
        name="nomination_withdraw",
    ),
    path(
        "coordinator/nominations/<int:pk>/substitute/",
        views.nomination_substitute,
        name="nomination_substitute",
    ),
    # HR
    path("hr/sessions/<int:pk>/", views.session_page, name="session_page"),
    path("hr/sessions/<int:pk>/export/<str:what>/", views.session_export, name="session_export"),
    path(
        "hr/sessions/<int:pk>/attendance-imports/",
        attendance_import_views.attendance_imports,
        name="attendance_imports",
    ),
    path(
        "hr/sessions/<int:pk>/status-imports/",
        status_import_views.status_imports,
        name="status_imports",
    ),
    path(
        "hr/status-imports/<int:pk>/",
        status_import_views.status_import_detail,
        name="status_import_detail",
    ),
    path(
        "hr/status-imports/<int:pk>/confirm/",
        status_import_views.status_import_confirm,
        name="status_import_confirm",
    ),
    path(
        "hr/attendance-imports/<int:pk>/",
        attendance_import_views.attendance_import_detail,
        name="attendance_import_detail",
    ),
    path(
        "hr/attendance-imports/<int:pk>/confirm/",
        attendance_import_views.attendance_import_confirm,
        name="attendance_import_confirm",
    ),
    path("hr/sessions/<int:pk>/cancel/", views.session_cancel, name="session_cancel"),
    path("hr/sessions/<int:pk>/decide/", views.session_decide, name="session_decide"),
    path("hr/sessions/<int:pk>/lottery/", views.session_lottery, name="session_lottery"),
    path(
        "hr/sessions/<int:pk>/days/<int:day_pk>/attendance/",
        views.attendance,
        name="attendance",
    ),
    path(
        "hr/sessions/<int:pk>/days/<int:day_pk>/attendance/all-present/",
        views.attendance_all_present,
        name="attendance_all_present",
    ),
    path(
        "hr/sessions/<int:pk>/days/<int:day_pk>/check-in/",
        views.check_in_display,
        name="check_in_display",
    ),
    path(
        "hr/sessions/<int:pk>/days/<int:day_pk>/check-in/kiosk/",
        views.check_in_kiosk,
        name="check_in_kiosk",
    ),
    path(
        "hr/sessions/<int:pk>/days/<int:day_pk>/sign-in-sheet.pdf",
        views.sign_in_sheet,
        name="sign_in_sheet",
    ),
    path(
        "hr/change-requests/<int:pk>/decide/",
        views.change_request_decide,
        name="change_request_decide",
    ),
    path("hr/enrollments/<int:pk>/", views.hr_enrollment, name="hr_enrollment"),
    path(
        "hr/enrollments/<int:pk>/cancel/", views.hr_enrollment_cancel, name="hr_enrollment_cancel"
    ),
]
