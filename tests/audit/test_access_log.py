from __future__ import annotations

import datetime
import logging
import uuid

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from audit import services
from audit.models import AccessLog, AppendOnlyError, AuditEvent
from tests.trainees.factories import PASSWORD, TraineeFactory

pytestmark = pytest.mark.django_db


def test_anonymous_request_is_logged(client):
    response = client.get("/accounts/login/?next=/hr/&q=山田", REMOTE_ADDR="192.0.2.10")
    row = AccessLog.objects.get()
    assert row.user_id is None and row.username == ""
    assert row.method == "GET"
    assert row.path == "/accounts/login/"
    assert row.query_keys == "next,q"  # keys only: values can hold personal data
    assert row.view_name == "account_login"
    assert row.status_code == 200
    assert row.ip_address == "192.0.2.10"
    assert row.duration_ms > 0
    assert str(row.request_id) == response["X-Request-ID"]
    assert "山田" not in str(AccessLog.objects.values().get())


def test_authenticated_request_is_logged_with_user_and_roles(client, coordinator):
    client.force_login(coordinator)
    client.get("/coordinator/")
    row = AccessLog.objects.get(path="/coordinator/")
    assert row.user_id == coordinator.pk
    assert row.username == "200001"
    assert row.roles == "coordinator,trainee"
    assert row.status_code == 200


def test_forbidden_and_not_found_and_posts_are_logged(client, trainee):
    client.force_login(trainee)
    client.get("/hr/")
    client.get("/no-such-page/")
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    rows = {(r.path, r.status_code, r.method) for r in AccessLog.objects.all()}
    assert ("/hr/", 403, "GET") in rows
    assert ("/no-such-page/", 404, "GET") in rows
    assert ("/i18n/setlang/", 302, "POST") in rows


def test_form_bodies_are_not_stored(client, trainee):
    client.post(reverse("account_login"), {"login": "300001", "password": "S3ntinel-Passw0rd"})
    stored = [str(v) for row in AccessLog.objects.values() for v in row.values()]
    stored += [str(v) for row in AuditEvent.objects.values() for v in row.values()]
    assert not any("S3ntinel" in value for value in stored)


def test_proxy_header_is_honoured_only_when_configured(client, settings):
    client.get("/accounts/login/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert AccessLog.objects.get().ip_address == "10.0.0.1"
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    client.get("/accounts/inactive/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert AccessLog.objects.get(path="/accounts/inactive/").ip_address == "203.0.113.5"


def test_healthz_is_not_logged(client):
    client.get("/healthz")
    assert not AccessLog.objects.exists()


def test_a_failing_audit_write_shows_no_personal_data(client, trainee, caplog):
    """The database refuses the insert (the access-log table is gone; rolled back after the
    test): a logged-in page fails closed — nothing of it is shown to someone whose access is not
    on record — while an anonymous page (the login form) still answers; both are counted and in
    the application log."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_accesslog RENAME TO audit_accesslog_away")
    before = services.write_failures()
    assert client.get("/accounts/login/").status_code == 200
    client.force_login(trainee)
    with caplog.at_level(logging.ERROR, logger="audit"):
        response = client.get("/me/")
    assert response.status_code == 500
    assert "区民 花子" not in response.content.decode()
    assert services.write_failures() == before + 2
    record = next(r for r in caplog.records if r.name == "audit" and "/me/" in r.getMessage())
    assert "audit row not written" in record.getMessage()  # the row is recoverable ...
    assert "区民" not in record.getMessage()  # ... without personal data
    assert "300001" not in record.getMessage()
    assert client.get("/healthz").json()["audit_write_failures"] == before + 2


def test_a_nul_byte_or_line_feed_in_the_request_is_logged_escaped(client, hr_admin):
    """PostgreSQL refuses a NUL in text: the row used to be lost while the page was shown."""
    record = TraineeFactory()
    client.force_login(hr_admin)
    response = client.get(f"/trainees/{record.pk}/?%00=1&a%0ab=2")
    assert response.status_code == 400  # a NUL is refused before any view (config/limits.py)
    row = AccessLog.objects.get(path=f"/trainees/{record.pk}/", status_code=400)
    assert row.query_keys == "\\x00,a\\x0ab"
    client.get("/no-such-page/%00%0aFAKE")
    assert AccessLog.objects.filter(path="/no-such-page/\\x00\\x0aFAKE", status_code=404).exists()


def test_password_reset_tokens_never_reach_the_access_log(client, trainee):
    """The reset link's path is stored with its secret part redacted (an auditor reading the
    log must not be able to use it)."""
    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str

    key = f"{user_pk_to_url_str(trainee)}-{default_token_generator.make_token(trainee)}"
    client.get(f"/accounts/password/reset/key/{key}/")
    client.get("/accounts/confirm-email/some-secret-key/")
    paths = list(AccessLog.objects.values_list("path", flat=True))
    assert all(key not in p and "some-secret-key" not in p for p in paths), paths
    assert "/accounts/password/reset/key/[redacted]" in paths
    assert "/accounts/confirm-email/[redacted]" in paths


def test_rows_are_append_only_in_the_orm():
    row = AccessLog.objects.create(
        request_id=uuid.uuid4(), method="GET", path="/", status_code=200, duration_ms=1
    )
    row.path = "/changed/"
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        row.delete()
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.filter(pk=row.pk).update(path="/x/")
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()


def test_rows_are_append_only_in_postgresql(requires_postgres):
    AuditEvent.objects.create(kind="login.failed", login_id="x")
    for sql in ("UPDATE audit_auditevent SET login_id = 'y'", "DELETE FROM audit_auditevent"):
        with (
            pytest.raises(Exception, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
    assert AuditEvent.objects.get().login_id == "x"


def test_login_logout_and_failures_are_audit_events(client, trainee):
    client.post(reverse("account_login"), {"login": "nobody", "password": "whatever-1"})
    client.post(reverse("account_login"), {"login": "300001", "password": PASSWORD})
    client.post(reverse("account_logout"))
    kinds = list(AuditEvent.objects.order_by("id").values_list("kind", "login_id", "user_id"))
    assert kinds == [
        ("login.failed", "nobody", None),
        ("login.succeeded", "", trainee.pk),
        ("logout", "", trainee.pk),
    ]
    request_ids = set(AccessLog.objects.values_list("request_id", flat=True))
    assert set(AuditEvent.objects.values_list("request_id", flat=True)) <= request_ids


# --- The auditor's pages ------------------------------------------------------------------


def _row(**overrides):
    fields = {
        "request_id": uuid.uuid4(),
        "method": "GET",
        "path": "/me/",
        "status_code": 200,
        "duration_ms": 2.0,
        "username": "300001",
    }
    fields.update(overrides)
    return AccessLog.objects.create(**fields)


def test_auditor_filters_the_access_log(client, auditor):
    day = datetime.datetime(2026, 4, 1, 10, 0, tzinfo=timezone.get_default_timezone())
    _row(occurred_at=day, username="300001", path="/me/", status_code=200)
    _row(occurred_at=day, username="300001", path="/hr/", status_code=403)
    _row(
        occurred_at=day - datetime.timedelta(days=3),
        username="300001",
        path="/hr/",
        status_code=403,
    )
    _row(occurred_at=day, username="100001", path="/hr/", status_code=200)
    client.force_login(auditor)

    def paths(**params):
        response = client.get(reverse("audit:access_log"), params)
        assert response.status_code == 200
        return [(r.username, r.path, r.status_code) for r in response.context["page"].rows]

    # Japanese date styles are accepted in the filter.
    assert paths(user="300001", date_from="2026/04/01", date_to="2026年4月1日", status="4") == [
        ("300001", "/hr/", 403)
    ]
    assert paths(path="/hr/", date_from="2026-04-01", date_to="2026-04-01") == [
        ("300001", "/hr/", 403),
        ("100001", "/hr/", 200),
    ] or paths(path="/hr/", date_from="2026-04-01", date_to="2026-04-01") == [
        ("100001", "/hr/", 200),
        ("300001", "/hr/", 403),
    ]
    assert len(paths(status_code=403)) == 2


def test_bad_filter_is_explained_in_japanese(client, auditor):
    client.force_login(auditor)
    response = client.get(
        reverse("audit:access_log"), {"date_from": "2026/04/02", "date_to": "2026/04/01"}
    )
    assert "開始日が終了日より後になっています。" in response.content.decode()
    response = client.get(reverse("audit:access_log"), {"date_from": "令和8年13月1日"})
    assert response.context["form"].errors["date_from"]


def test_access_log_page_has_a_fixed_query_budget(client, auditor, page_queries):
    client.force_login(auditor)
    client.get(reverse("audit:access_log"))  # warm caches (content types, session)
    for _ in range(60):
        _row()
    # One page of rows (51 read: is there a next?) and no COUNT(*): the log grows to millions.
    with page_queries("one page of rows"):
        response = client.get(reverse("audit:access_log"), {"user": "300001"})
    assert response.status_code == 200 and len(response.context["page"].rows) == 50
    assert response.context["page"].has_next
    for _ in range(200):
        _row()
    with page_queries("one page of rows"):
        assert (
            client.get(reverse("audit:access_log"), {"user": "300001", "page": 2}).status_code
            == 200
        )


def test_audit_home_shows_recent_activity(client, auditor, trainee):
    client.force_login(trainee)
    client.get("/me/")
    client.force_login(auditor)
    body = client.get(reverse("audit:home")).content.decode()
    assert "/me/" in body
    assert "300001" in body


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_on_postgresql_the_access_log_uses_its_asynchronous_commit_connection(
    requires_postgres, client, trainee, settings
):
    from django.db import connections

    settings.AUDIT_DB_ALIAS = "audit"  # as in production (test settings use "default")
    client.force_login(trainee)
    response = client.get("/me/")
    row = AccessLog.objects.get(request_id=response["X-Request-ID"])
    assert row.user_id == trainee.pk
    with connections["audit"].cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "off"
    with connections["default"].cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"  # business data stays durable
