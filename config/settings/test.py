"""Test settings: the base settings with speed-ups, and one behaviour off by default (below)."""

from __future__ import annotations

from config.settings.base import *  # noqa: F403
from config.settings.base import VAR_DIR

# A cheap hasher: the suite creates many users. Password checks still go through Django.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
EMAIL_FILE_PATH = VAR_DIR / "test-mail"
# Tests override these where they exercise the real thing.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "materials": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(VAR_DIR / "test-materials")},
    },
}
# Each test runs in a transaction on the default connection; access-log rows written through
# the separate "audit" connection would escape its rollback. tests/audit covers that connection.
AUDIT_DB_ALIAS = "default"
# Exports of personal data ask for the password again (audit/exports.py). Off here so the many
# tests about what a file holds need not go through allauth's re-authentication page first;
# tests/audit/test_protected_exports.py and the browser journey turn it on and go through it.
EXPORT_REAUTHENTICATION = False
# The same for the admin's account and authenticator changes (trainees/admin.py): the tests of
# separation of duties post forms directly; tests/trainees/test_admin_reauthentication.py turns
# it on.
ADMIN_REAUTHENTICATION = False
