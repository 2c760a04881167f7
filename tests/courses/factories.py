from __future__ import annotations

import datetime

import factory

from courses.models import (
    Category,
    Course,
    CourseKind,
    DeliveryMode,
    Room,
    Session,
    SessionDay,
    TrainingOrder,
    Venue,
)


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
