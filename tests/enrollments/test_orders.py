"""研修命令: orders to the target list, inbox notices, e-mail delivery exactly once."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connection
from django.urls import reverse

from audit.models import AuditEvent
from courses.models import TargetMember
from enrollments.models import Enrollment, TrainingOrder
from enrollments.services import order_issue, order_resend_failed
from notices.delivery import relay_outbox
from notices.models import Delivery, Notice, OutboxMessage
from tests.courses.factories import SessionFactory
from tests.trainees.factories import TraineeFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)  # e-mails are queued on commit


def target(session, *trainees):
    for t in trainees:
        TargetMember.objects.create(course=session.course, trainee=t, source="rule")


def with_account(**kwargs):
    trainee = TraineeFactory(**kwargs)
    trainee.user = UserFactory(username=f"u{trainee.staff_number}", email=trainee.email)
    trainee.save()
    return trainee


def test_order_reaches_inbox_and_mail_once(client, hr_admin, eager_celery, mailoutbox):
    session = SessionFactory(days=[datetime.date(2026, 6, 10)])
    people = [with_account() for _ in range(3)]
    no_mail = with_account(email="")
    target(session, *people, no_mail)
    client.force_login(hr_admin)
    response = client.post(reverse("session_issue_orders", args=[session.course_id, session.pk]))
    order = session.orders.get()
    assert response["Location"] == reverse("order_detail", args=[order.pk])
    assert sorted(m.to[0] for m in mailoutbox) == sorted(p.email for p in people)
    message = mailoutbox[0]
    assert message.subject.startswith("【研修命令】") and "2026年6月10日" in message.body
    assert message.encoding is None or message.encoding.lower() == "utf-8"
    assert Notice.objects.filter(kind="order").count() == 4  # the one without e-mail too
    statuses = dict(Delivery.objects.filter(rule=order.rule).values_list("trainee_id", "status"))
    assert statuses[no_mail.pk] == "no_email" and list(statuses.values()).count("sent") == 3
    page = client.get(reverse("order_detail", args=[order.pk])).content.decode()
    assert no_mail.name in page  # flagged for HR
    # A second click orders nobody again and sends nothing.
    mailoutbox.clear()
    client.post(reverse("session_issue_orders", args=[session.course_id, session.pk]))
    assert session.orders.count() == 1 and mailoutbox == []


def test_the_relay_keeps_what_the_broker_refused(monkeypatch, eager_celery, mailoutbox):
    session = SessionFactory()
    target(session, with_account())
    from config.celery import app

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(app.tasks["notices.tasks.deliver_notices"], "apply_async", broker_down)
    order_issue(
        session=session, trainee_ids=[m.trainee_id for m in TargetMember.objects.all()], actor=None
    )
    assert mailoutbox == []
    pending = OutboxMessage.objects.get()
    assert pending.relayed_at is None and "broker down" in pending.last_error
    monkeypatch.undo()
    app.conf.task_always_eager = True
    assert relay_outbox() == 1
    assert len(mailoutbox) == 1
    assert relay_outbox() == 0  # published once
    assert Delivery.objects.get().status == "sent"


def test_a_delivery_is_never_sent_twice(eager_celery, mailoutbox):
    from notices.delivery import deliver

    session = SessionFactory()
    target(session, with_account(), with_account())
    order = order_issue(
        session=session, trainee_ids=[m.trainee_id for m in TargetMember.objects.all()], actor=None
    )
    assert len(mailoutbox) == 2
    ids = list(Delivery.objects.filter(rule=order.rule).values_list("id", flat=True))
    assert deliver(ids) == {"sent": 0, "failed": 0, "retry": 0, "skipped": 2}  # a retried task
    assert len(mailoutbox) == 2


def test_resend_failed_after_the_address_is_corrected(eager_celery, mailoutbox):
    session = SessionFactory()
    person, reached = with_account(), with_account()
    target(session, person, reached)
    order = order_issue(session=session, trainee_ids=[person.pk, reached.pk], actor=None)
    Delivery.objects.filter(rule=order.rule, trainee=person).update(
        status="failed", last_error="550 no such user"
    )
    person.email = "corrected@city.example.jp"
    person.save()
    mailoutbox.clear()
    assert order_resend_failed(order=order, actor=None) == 1
    # Only the failed one goes again, to the corrected address; the one that arrived does not.
    assert [m.to for m in mailoutbox] == [["corrected@city.example.jp"]]
    again = Delivery.objects.get(trainee=person)
    assert (again.status, again.email, again.last_error) == (
        "sent", "corrected@city.example.jp", "",
    )  # fmt: skip
    assert Delivery.objects.get(trainee=reached).status == "sent"
    resent = AuditEvent.objects.get(kind="order.resent")
    assert resent.detail == {"order": order.pk, "count": 1}
    assert order_resend_failed(order=order, actor=None) == 0  # nothing failed any more
    assert len(mailoutbox) == 1


def test_a_row_left_sending_by_a_dead_worker_is_retried_after_its_lease(
    settings, mailoutbox, eager_celery
):
    from django.utils import timezone

    from notices.delivery import TransientDeliveryError, deliver

    session = SessionFactory()
    person = with_account()
    target(session, person)
    order = order_issue(session=session, trainee_ids=[person.pk], actor=None)
    mailoutbox.clear()
    row = Delivery.objects.get(rule=order.rule)
    Delivery.objects.filter(pk=row.pk).update(status="sending", claimed_at=timezone.now())
    with pytest.raises(TransientDeliveryError):  # held: not dropped, the task comes back later
        deliver([row.pk])
    assert mailoutbox == []
    settings.DELIVERY_LEASE_SECONDS = 1
    Delivery.objects.filter(pk=row.pk).update(
        claimed_at=timezone.now() - datetime.timedelta(seconds=5)
    )
    assert deliver([row.pk])["sent"] == 1
    assert len(mailoutbox) == 1


def test_part_of_the_list_by_organisation_and_staff_numbers(
    client, hr_admin, eager_celery, mailoutbox
):
    from tests.trainees.factories import OrganisationFactory

    welfare = OrganisationFactory(code="140000", name="福祉部")
    section = OrganisationFactory(code="140100", name="福祉課", parent=welfare)
    other = OrganisationFactory(code="150000", name="環境部")
    first = SessionFactory(days=[datetime.date(2026, 6, 10)])
    second = SessionFactory(course=first.course, days=[datetime.date(2026, 7, 10)])
    in_section, in_welfare, elsewhere = (
        with_account(organisation=section),
        with_account(organisation=welfare),
        with_account(organisation=other),
    )
    target(first, in_section, in_welfare, elsewhere)
    client.force_login(hr_admin)
    url = reverse("course_targets_order", args=[first.course_id])

    client.post(url, {"session": first.pk, "organisation": welfare.pk})
    assert {d.trainee_id for d in Delivery.objects.filter(rule=first.orders.get().rule)} == {
        in_section.pk, in_welfare.pk,
    }  # fmt: skip
    # Staff numbers not on the list: refused, nothing ordered (full-width digits are folded).
    wide = elsewhere.staff_number.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    response = client.post(
        url, {"session": second.pk, "staff_numbers": f"{wide}\n999999"}, follow=True
    )
    assert "999999" in response.content.decode() and not second.orders.exists()
    client.post(url, {"session": second.pk, "staff_numbers": wide})
    assert [d.trainee_id for d in Delivery.objects.filter(rule=second.orders.get().rule)] == [
        elsewhere.pk
    ]
    # Everyone is ordered now: a further order is refused with a message.
    response = client.post(url, {"session": second.pk}, follow=True)
    assert second.orders.count() == 1
    assert "研修命令の対象がいません。選択した全員に命令済みです。" in response.content.decode()


def test_an_order_larger_than_the_free_seats_is_refused_with_a_message(client, hr_admin):
    """Was a 500: the refusal is shown, and nothing is written (no order, place or notice)."""
    session = SessionFactory(capacity=2)
    people = [with_account() for _ in range(3)]
    target(session, *people)
    client.force_login(hr_admin)
    for url, data in (
        (reverse("session_issue_orders", args=[session.course_id, session.pk]), {}),
        (reverse("course_targets_order", args=[session.course_id]), {"session": session.pk}),
    ):
        response = client.post(url, data, follow=True)
        assert response.status_code == 200
        refusal = f"第{session.number}回の空席は 2 席ですが、命令の対象者は 3 人です。"
        assert refusal in response.content.decode()
    assert not TrainingOrder.objects.exists() and not Enrollment.objects.exists()
    assert not Delivery.objects.exists() and not Notice.objects.filter(kind="order").exists()
    session.refresh_from_db()
    assert session.confirmed_count == 0


def test_order_numbers_count_up_per_fiscal_year():
    first = SessionFactory(course__fiscal_year=2026)
    second = SessionFactory(course__fiscal_year=2026)
    next_year = SessionFactory(course__fiscal_year=2027)
    numbers = [
        order_issue(session=s, trainee_ids=[with_account().pk], actor=None).number
        for s in (first, second, next_year, first)
    ]
    assert numbers == ["2026-0001", "2026-0002", "2027-0001", "2026-0003"]


def test_two_courses_ordering_at_once_never_share_a_number(requires_postgres):
    """Numbers are unique per fiscal year, but each order locks only its own course: the
    per-year counter row is what keeps two simultaneous orders apart."""
    sessions = [SessionFactory(course__fiscal_year=2026, capacity=50) for _ in range(6)]
    people = {s.pk: [TraineeFactory().pk for _ in range(5)] for s in sessions}
    barrier = threading.Barrier(len(sessions))
    numbers, errors = [], []

    def issue(session) -> None:
        try:
            barrier.wait()
            numbers.append(
                order_issue(session=session, trainee_ids=people[session.pk], actor=None).number
            )
        except Exception as exc:  # noqa: BLE001 - collected and shown below
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(s,)) for s in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(numbers) == [f"2026-{n:04d}" for n in range(1, 7)]
