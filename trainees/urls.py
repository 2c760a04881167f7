from __future__ import annotations

from django.urls import path

from trainees import (
    organisation_views,
    record_views,
    registry_views,
    supervisor_views,
    viewer_views,
    views,
)

urlpatterns = [
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("hr/roster/", registry_views.roster_imports, name="roster_imports"),
    path("hr/roster/<int:pk>/", registry_views.roster_import_detail, name="roster_import_detail"),
    path(
        "hr/roster/<int:pk>/commit/",
        registry_views.roster_import_commit_view,
        name="roster_import_commit",
    ),
    path(
        "hr/roster/<int:pk>/problems.csv",
        registry_views.roster_import_errors,
        name="roster_import_errors",
    ),
    path(
        "hr/roster/<int:pk>/invite/",
        registry_views.roster_import_invite,
        name="roster_import_invite",
    ),
    path("hr/organisations/", organisation_views.organisation_list, name="organisation_list"),
    path(
        "hr/organisations/history/",
        organisation_views.organisation_history,
        name="organisation_history",
    ),
    path(
        "hr/organisations/<int:pk>/",
        organisation_views.organisation_detail,
        name="organisation_detail",
    ),
    path("hr/supervisors/", supervisor_views.supervisor_posts, name="supervisor_posts"),
    path(
        "hr/supervisors/<int:pk>/end/",
        supervisor_views.supervisor_post_end,
        name="supervisor_post_end",
    ),
    path("trainees/", registry_views.trainee_list, name="trainee_list"),
    path("trainees/export/", registry_views.trainee_export, name="trainee_export"),
    path("trainees/new/", record_views.trainee_add, name="trainee_add"),
    path("trainees/<int:pk>/", registry_views.trainee_detail, name="trainee_detail"),
    path("trainees/<int:pk>/edit/", record_views.trainee_edit, name="trainee_edit"),
    path("trainees/<int:pk>/transfer/", record_views.trainee_transfer, name="trainee_transfer"),
    path("trainees/<int:pk>/status/", record_views.trainee_status, name="trainee_status"),
    path(
        "trainees/<int:pk>/planned-transfers/<int:plan_pk>/cancel/",
        record_views.transfer_plan_cancel,
        name="transfer_plan_cancel",
    ),
    path("trainees/<int:pk>/invite/", registry_views.trainee_invite, name="trainee_invite"),
    path("audit/who-viewed/", viewer_views.who_viewed, name="who_viewed"),
    path("me/viewed-by/", viewer_views.my_viewers, name="my_viewers"),
]
