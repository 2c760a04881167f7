from __future__ import annotations

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from config.health import healthz

# The admin has no login form of its own: it sends people to the allauth login (rate limits,
# MFA, audit events) and back.
admin.autodiscover()
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign] # allauth's documented way
admin.site.site_header = _("Training administration portal — admin")
admin.site.site_title = _("Training administration portal")

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("audit/", include("audit.urls")),
    path("", include("portal.urls")),
    path("", include("jobs.urls")),
    path("", include("trainees.urls")),
    path("", include("notices.urls")),
    path("", include("courses.urls")),
    path("", include("learning.urls")),
    path("", include("enrollments.urls")),
    path("", include("assessments.urls")),
    path("", include("reports.urls")),
    path("", include("lifecycle.urls")),
]

handler500 = "config.errors.server_error"
handler400 = "config.uploads.bad_request"
