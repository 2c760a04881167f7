from __future__ import annotations

from django.urls import path

from reports import views

urlpatterns = [
    path("me/history/", views.my_history, name="my_history"),
    path("me/history/export/", views.my_history_export, name="my_history_export"),
]
