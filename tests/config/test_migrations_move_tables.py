"""The tables that moved from courses to notices, learning and enrollments keep their rows:
a database with data at the last migration before the move is migrated forward and read back
through the new models."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from enrollments.models import OrderNumberCounter, TrainingOrder
from learning.models import Material, MaterialView
from notices.models import Delivery, Notice, OutboxMessage
from tests.courses.factories import SessionFactory
from tests.trainees.factories import TraineeFactory, UserFactory

BEFORE = [("courses", "0008_delivery_session_required"), ("enrollments", "0001_initial")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_rows_survive_the_move_to_the_new_apps():
    session = SessionFactory(course__title="情報セキュリティ研修", number=2)
    user = UserFactory(username="300009", full_name="区民 次郎")
    trainee = TraineeFactory(name="区民 次郎", email="jiro@city.example.jp", user=user)
    old = migrate(BEFORE)
    try:
        Order = old.get_model("courses", "TrainingOrder")
        OldDelivery = old.get_model("courses", "Delivery")
        order = Order.objects.create(
            course_id=session.course_id,
            session_id=session.pk,
            number="2026-0007",
            issued_on=datetime.date(2026, 5, 1),
        )
        queued = OldDelivery.objects.create(
            order=order, session_id=session.pk, trainee_id=trainee.pk, kind="order",
            email=trainee.email, status="queued",
        )  # fmt: skip
        decision = OldDelivery.objects.create(
            session_id=session.pk, trainee_id=trainee.pk, kind="decision", rule="event:41",
            email=trainee.email, status="sent",
        )  # fmt: skip
        reminder = OldDelivery.objects.create(
            session_id=session.pk, trainee_id=trainee.pk, kind="reminder", rule="session:3",
            email=trainee.email, status="sent",
        )  # fmt: skip
        notice = old.get_model("courses", "Notice").objects.create(
            user_id=user.pk, kind="order", title="【研修命令】", body="…"
        )
        material = old.get_model("courses", "Material").objects.create(
            course_id=session.course_id, title="手引き", kind="link", url="https://example.jp/"
        )
        view = old.get_model("courses", "MaterialView").objects.create(
            material=material, trainee_id=trainee.pk, watched_seconds=12
        )
        outbox = old.get_model("courses", "OutboxMessage").objects.create(
            task="courses.tasks.deliver_orders", args=[[queued.pk]]
        )
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    tables = set(connection.introspection.table_names())
    assert {"notices_delivery", "notices_notice", "learning_material",
            "enrollments_trainingorder"} <= tables  # fmt: skip
    assert not {"courses_delivery", "courses_notice", "courses_material"} & tables
    assert TrainingOrder.objects.get(pk=order.pk).number == "2026-0007"
    assert OrderNumberCounter.objects.get(fiscal_year=2026).last == 7
    moved = Delivery.objects.get(pk=queued.pk)
    assert moved.rule == f"order:{order.pk}" and moved.status == "queued"
    # Still to be sent: its text was rendered from the template with the order's details.
    assert moved.subject == "【研修命令】情報セキュリティ研修（第2回）"
    assert "区民 次郎 様" in moved.body and "2026-0007" in moved.body
    assert Delivery.objects.get(pk=decision.pk).rule == "event:41"
    assert Delivery.objects.get(pk=reminder.pk).rule == f"reminder:{session.pk}:session:3"
    assert Notice.objects.get(pk=notice.pk).user_id == user.pk
    assert Material.objects.get(pk=material.pk).course_id == session.course_id
    assert MaterialView.objects.get(pk=view.pk).watched_seconds == 12
    assert OutboxMessage.objects.get(pk=outbox.pk).task == "notices.tasks.deliver_notices"
    assert ContentType.objects.filter(app_label="notices", model="notice").exists()
    assert not ContentType.objects.filter(app_label="courses", model="notice").exists()
