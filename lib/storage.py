"""The portal's private file storage: course materials and issued certificates.

One storage (settings.STORAGES["materials"]: a folder outside the static root in development,
S3-compatible object storage in production) that no URL serves directly — every file goes out
through a view that checks who may read it (X-Accel-Redirect behind nginx). Model fields name
the function, not the storage object, so tests and deployments can swap the backend in settings
without a migration.
"""

from __future__ import annotations

from django.core.files.storage import Storage, storages

STORAGE_ALIAS = "materials"


def private_storage() -> Storage:
    """The private storage (settings.STORAGES["materials"])."""
    return storages[STORAGE_ALIAS]
