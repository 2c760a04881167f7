from __future__ import annotations

from django.urls import path

from notices import views

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read/", views.inbox_mark_read, name="inbox_mark_all_read"),
    path("inbox/<int:pk>/read/", views.inbox_mark_read, name="inbox_mark_read"),
]
