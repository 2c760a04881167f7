from __future__ import annotations

from django.urls import path

from notices import views

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read/", views.inbox_mark_read, name="inbox_mark_all_read"),
    path("inbox/<int:pk>/read/", views.inbox_mark_read, name="inbox_mark_read"),
    path("hr/notices/templates/", views.template_list, name="notice_templates"),
    path("hr/notices/templates/<str:kind>/", views.template_edit, name="notice_template_edit"),
]
