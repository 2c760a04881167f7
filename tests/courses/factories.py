from __future__ import annotations

import datetime
from pathlib import Path

import factory

from courses.models import (
    Category,
    Course,
    CourseKind,
    DeliveryMode,
    Room,
    Session,
    SessionDay,
    Venue,
)
from enrollments.models import TrainingOrder


class VenueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Venue

    name = factory.Sequence(lambda n: f"区役所本庁舎{n}")


class RoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Room

    venue = factory.SubFactory(VenueFactory)
    name = factory.Sequence(lambda n: f"第{n}会議室")
    capacity = 40


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course

    fiscal_year = 2026
    code = factory.Sequence(lambda n: f"C{n:03d}")
    title = factory.Sequence(lambda n: f"情報セキュリティ研修{n}")
    category = Category.HIERARCHICAL
    kind = CourseKind.ORDERED
    delivery = DeliveryMode.CLASSROOM


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session
        skip_postgeneration_save = True

    course = factory.SubFactory(CourseFactory)
    number = factory.Sequence(lambda n: n + 1)
    capacity = 30
    room = factory.SubFactory(RoomFactory)

    @factory.post_generation
    def days(self, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        for day in extracted or [datetime.date(2026, 5, 12)]:
            SessionDay.objects.create(
                session=self, date=day, starts_at=datetime.time(9, 30), ends_at=datetime.time(17, 0)
            )


class TrainingOrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingOrder

    session = factory.SubFactory(SessionFactory)
    course = factory.LazyAttribute(lambda o: o.session.course)
    number = factory.Sequence(lambda n: f"2026-{n + 1:04d}")
    issued_on = datetime.date(2026, 5, 1)


DEMO_VIDEO = Path(__file__).resolve().parents[2] / "portal" / "demo_data" / "introduction.webm"
SAMPLE_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def add_material(course, *, name="introduction.webm", content=None, title="動画で学ぶ"):  # type: ignore[no-untyped-def]
    """A material added the way HR adds one (content inspected, stored privately)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from learning.materials import inspect_upload
    from learning.services import material_add

    upload = SimpleUploadedFile(name, content if content is not None else DEMO_VIDEO.read_bytes())
    return material_add(
        course=course, title=title, upload=upload, inspected=inspect_upload(upload), actor=None
    )
