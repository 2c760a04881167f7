"""The one private storage (lib.storage): materials and background jobs' files are kept in it, and it is
whatever settings.STORAGES["materials"] names — a swap in settings needs no migration."""

from __future__ import annotations

from django.core.files.base import ContentFile

from jobs.models import Job
from learning.models import Material
from lib.storage import private_storage


def test_materials_and_certificates_share_the_private_storage():
    # The fields name the function (deconstructed into migrations), not a storage object.
    for model in (Material, Job):
        assert model._meta.get_field("file")._storage_callable is private_storage


def test_the_storage_is_the_one_settings_name(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "materials": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "elsewhere"},
        },
    }
    storage = private_storage()
    name = storage.save("certificates/x.pdf", ContentFile(b"%PDF-1.7"))
    assert (tmp_path / "elsewhere" / name).read_bytes() == b"%PDF-1.7"
    assert not storage.url(name).startswith("/static/")
