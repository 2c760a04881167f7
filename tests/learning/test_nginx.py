"""The production path for materials: the portal checks access and answers X-Accel-Redirect;
a real nginx, configured from deploy/nginx/default.conf.template, sends the bytes and the
byte ranges. (CI installs nginx; make test does too, as root on Debian.)"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from tests.courses.factories import DEMO_VIDEO, SessionFactory, add_material
from tests.enrollments.factories import enrol
from tests.trainees.factories import TraineeFactory, UserFactory
from trainees.roles import Role

ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

pytestmark = pytest.mark.django_db(transaction=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def nginx(live_server, private_storage, tmp_path, settings):
    if not Path(NGINX).exists():
        pytest.skip("nginx is not installed (make test installs it as root on Debian)")
    settings.MATERIALS_SERVE = "nginx"
    port = free_port()
    server = (
        (ROOT / "deploy" / "nginx" / "default.conf.template")
        .read_text()
        .replace("${PORTAL_UPSTREAM}", live_server.url.removeprefix("http://"))
        .replace("${MATERIALS_ROOT}", str(private_storage))
        .replace("listen 80 default_server;", f"listen 127.0.0.1:{port};")
    )
    user = "user root;" if os.geteuid() == 0 else ""  # the test's files are private to us
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        f"{user}\ndaemon off;\npid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n"
        "events {}\nhttp {\n  include /etc/nginx/mime.types;\n  access_log off;\n"
        f"  client_body_temp_path {tmp_path}/body;\n  proxy_temp_path {tmp_path}/proxy;\n"
        f"{server}\n}}\n"
    )
    process = subprocess.Popen([NGINX, "-p", str(tmp_path), "-c", str(conf)])
    for _ in range(50):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    else:
        process.kill()
        pytest.fail((tmp_path / "error.log").read_text())
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)


def get(url: str, session_cookie: str | None = None, **headers: str):
    request = urllib.request.Request(url, headers=headers)
    if session_cookie:
        request.add_header("Cookie", f"{settings.SESSION_COOKIE_NAME}={session_cookie}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def login(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def test_nginx_sends_the_file_after_the_portals_check(nginx):
    session = SessionFactory()
    material = add_material(session.course)
    user = UserFactory(roles=[Role.TRAINEE])
    enrol(TraineeFactory(user=user), session)
    data = DEMO_VIDEO.read_bytes()
    url = f"{nginx}/learn/materials/{material.pk}/file/"
    cookie = login(user)

    status, headers, body = get(url, cookie)
    assert status == 200 and body == data
    assert headers["Content-Type"] == "video/webm"
    assert "private" in headers["Cache-Control"]
    status, headers, body = get(url, cookie, Range="bytes=100-199")
    assert status == 206 and body == data[100:200]
    assert headers["Content-Range"] == f"bytes 100-199/{len(data)}"
    status, headers, _ = get(url, cookie, Range=f"bytes={len(data)}-")
    assert status == 416
    # The internal location cannot be asked for directly, with or without a login.
    assert get(f"{nginx}/_materials/{material.file.name}", cookie)[0] == 404
    # Someone not ordered gets the portal's 404, and no bytes.
    outsider = login(UserFactory(roles=[Role.TRAINEE]))
    status, _, body = get(url, outsider)
    assert status == 404 and data[:64] not in body


def post_size(url: str, size: int) -> int:
    """The status nginx (or the portal behind it) answers a POST of `size` bytes with."""
    request = urllib.request.Request(
        url, data=b"x" * size, method="POST", headers={"Content-Type": "application/octet-stream"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_nginx_refuses_large_bodies_except_on_the_upload_pages(nginx):
    """Small bodies everywhere (2 MB), large ones only where files are uploaded."""
    session = SessionFactory()
    assert post_size(f"{nginx}/accounts/login/", 3 * 1024 * 1024) == 413
    # The upload pages let it through to the portal (which refuses an anonymous POST: 403 for
    # the missing CSRF token — not nginx's 413).
    for path in (f"/hr/courses/{session.course_id}/materials/new/", "/hr/roster/",
                 "/hr/history-imports/"):  # fmt: skip
        assert post_size(nginx + path, 3 * 1024 * 1024) != 413, path
