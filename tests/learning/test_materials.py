"""教材: uploads checked by content, private files served only to those ordered, byte ranges,
and viewing progress that cannot be faked by one post."""

from __future__ import annotations

import datetime
import json

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from learning.materials import MaterialFileError, inspect_upload, parse_range
from learning.models import Material, MaterialView
from learning.services import course_copy_to_next_year, material_delete
from tests.conftest import use_materials_storage
from tests.courses.factories import (
    DEMO_VIDEO,
    SAMPLE_PDF,
    CourseFactory,
    SessionFactory,
    add_material,
)
from tests.enrollments.factories import enrol
from tests.trainees.factories import TraineeFactory, UserFactory
from trainees.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private(private_storage):
    return private_storage


def ordered_learner(course) -> tuple:
    """A trainee with a login who has been ordered to the course."""
    user = UserFactory(roles=[Role.TRAINEE])
    trainee = TraineeFactory(user=user)
    session = course.sessions.first() or SessionFactory(course=course)
    enrol(trainee, session)
    return user, trainee


# --- What an upload really is -------------------------------------------------------------------


def test_videos_and_pdfs_are_recognised_by_content(fixtures):
    webm = inspect_upload(SimpleUploadedFile("a.bin", DEMO_VIDEO.read_bytes()))
    assert (webm.kind, webm.content_type, webm.duration) == ("video", "video/webm", 20.0)
    mp4 = inspect_upload(SimpleUploadedFile("x.pdf", (fixtures / "sample.mp4").read_bytes()))
    assert (mp4.kind, mp4.content_type, mp4.duration) == ("video", "video/mp4", 20.0)
    pdf = inspect_upload(SimpleUploadedFile("handout.mp4", SAMPLE_PDF))
    assert (pdf.kind, pdf.content_type, pdf.duration) == ("pdf", "application/pdf", None)


def test_an_exe_renamed_mp4_is_refused():
    exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 4000 + b"PE\x00\x00"
    with pytest.raises(MaterialFileError, match="MP4"):
        inspect_upload(SimpleUploadedFile("lecture.mp4", exe, content_type="video/mp4"))


def test_the_size_limit_is_configurable(settings):
    settings.MATERIALS_MAX_UPLOAD_BYTES = 10_000
    with pytest.raises(MaterialFileError, match=r"0\.0 MB"):
        inspect_upload(SimpleUploadedFile("a.webm", DEMO_VIDEO.read_bytes()))


def test_hr_uploads_a_video_into_private_storage(client, hr_admin, private_storage, settings):
    course = CourseFactory()
    client.force_login(hr_admin)
    with DEMO_VIDEO.open("rb") as video:
        response = client.post(
            reverse("material_create", args=[course.pk]),
            {"title": "個人情報の取扱い", "description": "", "upload": video, "url": ""},
        )
    assert response.status_code == 302
    material = Material.objects.get()
    assert (material.kind, material.duration, material.position) == ("video", 20.0, 1)
    # A random name inside the private root, not under MEDIA_ROOT or STATIC_ROOT.
    stored = private_storage / material.file.name
    assert stored.read_bytes() == DEMO_VIDEO.read_bytes()
    assert (
        "introduction" not in material.file.name and material.original_name == "introduction.webm"
    )
    assert not str(stored).startswith(str(settings.MEDIA_ROOT))


def test_a_renamed_exe_upload_is_refused_and_nothing_is_written(client, hr_admin, private_storage):
    course = CourseFactory()
    client.force_login(hr_admin)
    response = client.post(
        reverse("material_create", args=[course.pk]),
        {
            "title": "怪しいファイル",
            "upload": SimpleUploadedFile("movie.mp4", b"MZ" + b"\x00" * 2048, "video/mp4"),
        },
    )
    assert response.status_code == 200
    assert "MP4" in response.content.decode() and 'aria-invalid="true"' in response.content.decode()
    assert not Material.objects.exists()
    assert not private_storage.exists() or not any(private_storage.rglob("*.*"))


def test_a_link_needs_no_file(client, hr_admin):
    course = CourseFactory()
    client.force_login(hr_admin)
    client.post(
        reverse("material_create", args=[course.pk]),
        {"title": "総務省ガイドライン", "url": "https://www.soumu.go.jp/"},
    )
    assert Material.objects.get().kind == "link"
    both = client.post(
        reverse("material_create", args=[course.pk]),
        {
            "title": "x",
            "url": "https://a.example/",
            "upload": SimpleUploadedFile("a.pdf", SAMPLE_PDF),
        },
    )
    assert both.status_code == 200 and Material.objects.count() == 1


# --- Who gets the file --------------------------------------------------------------------------


def test_only_ordered_trainees_and_hr_get_the_file(client, hr_admin, trainee):
    course = CourseFactory()
    material = add_material(course)
    user, _ = ordered_learner(course)
    file_url = reverse("material_file", args=[material.pk])
    client.force_login(trainee)  # a trainee without an order
    for name in ("material_file", "material_view"):
        assert client.get(reverse(name, args=[material.pk])).status_code == 404
    assert client.get(reverse("learning_course", args=[course.pk])).status_code == 404
    assert client.post(reverse("material_progress", args=[material.pk])).status_code == 404
    client.force_login(user)
    response = client.get(file_url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == DEMO_VIDEO.read_bytes()
    assert response["Cache-Control"] == "private, no-store"
    client.force_login(hr_admin)
    assert client.get(file_url).status_code == 200


def test_byte_ranges(client):
    course = CourseFactory()
    material = add_material(course)
    user, _ = ordered_learner(course)
    client.force_login(user)
    url = reverse("material_file", args=[material.pk])
    data = DEMO_VIDEO.read_bytes()
    size = len(data)

    whole = client.get(url)
    assert whole["Accept-Ranges"] == "bytes" and whole["Content-Length"] == str(size)
    first = client.get(url, HTTP_RANGE="bytes=0-99")
    assert first.status_code == 206 and first["Content-Range"] == f"bytes 0-99/{size}"
    assert b"".join(first.streaming_content) == data[:100]
    middle = client.get(url, HTTP_RANGE="bytes=1000-")
    assert middle["Content-Range"] == f"bytes 1000-{size - 1}/{size}"
    assert b"".join(middle.streaming_content) == data[1000:]
    tail = client.get(url, HTTP_RANGE="bytes=-10")
    assert b"".join(tail.streaming_content) == data[-10:]
    beyond = client.get(url, HTTP_RANGE=f"bytes={size}-")
    assert beyond.status_code == 416 and beyond["Content-Range"] == f"bytes */{size}"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=0-0", (0, 0)),
        ("bytes=5-2000", (5, 99)),  # the end is clipped to the file
        ("bytes=-500", (0, 99)),
        ("bytes=0-1,5-6", None),  # several ranges: the whole file is an allowed answer
        ("items=0-5", None),
    ],
)
def test_parse_range(header, expected):
    assert parse_range(header, 100) == expected


@pytest.mark.parametrize("header", ["bytes=100-", "bytes=50-10", "bytes=-0"])
def test_unsatisfiable_ranges(header):
    with pytest.raises(ValueError):
        parse_range(header, 100)


def test_production_hands_the_file_to_nginx(client, settings):
    settings.MATERIALS_SERVE = "nginx"
    course = CourseFactory()
    material = add_material(course)
    user, _ = ordered_learner(course)
    client.force_login(user)
    response = client.get(reverse("material_file", args=[material.pk]))
    assert response["X-Accel-Redirect"] == "/_materials/" + material.file.name
    assert response.content == b"" and response["Content-Type"] == "video/webm"


def test_s3_by_settings_alone_redirects_to_a_signed_url(client, settings, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    course = CourseFactory()
    material = add_material(course)  # written to the file system first
    settings.MATERIALS_STORAGE = "s3"
    use_materials_storage(
        settings,
        monkeypatch,
        {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": "kenshu-materials",
                "region_name": "ap-northeast-1",
                "querystring_auth": True,
                "signature_version": "s3v4",
                "querystring_expire": 300,
            },
        },
    )
    user, _ = ordered_learner(course)
    client.force_login(user)
    material = Material.objects.get(pk=material.pk)  # a fresh FieldFile on the new storage
    response = client.get(reverse("material_file", args=[material.pk]))
    assert response.status_code == 302
    location = response["Location"]
    assert "kenshu-materials" in location and material.file.name in location
    assert "X-Amz-Signature=" in location and "X-Amz-Expires=300" in location
    assert type(storages["materials"]).__name__ == "S3Storage"


# --- Viewing progress ---------------------------------------------------------------------------


def report(client, material, played, position=0.0):
    return client.post(
        reverse("material_progress", args=[material.pk]),
        {"played": json.dumps(played), "position": position},
    )


def rewind_clock(trainee, material, seconds):
    """As if the last accepted report had been `seconds` ago."""
    MaterialView.objects.filter(trainee=trainee, material=material).update(
        reported_at=timezone.now() - datetime.timedelta(seconds=seconds)
    )


def test_one_post_claiming_everything_does_not_complete_a_video(client):
    course = CourseFactory()
    material = add_material(course)
    user, trainee = ordered_learner(course)
    client.force_login(user)
    client.get(reverse("material_view", args=[material.pk]))
    response = report(client, material, [[0, 20]], 20)
    assert response.status_code == 409 and response.json()["recorded"] is False
    view = MaterialView.objects.get(trainee=trainee)
    assert view.watched_seconds == 0 and view.completed_at is None


def test_real_watching_is_merged_and_completes_at_the_threshold(client):
    course = CourseFactory(materials_threshold=95)
    material = add_material(course)
    user, trainee = ordered_learner(course)
    client.force_login(user)
    client.get(reverse("material_view", args=[material.pk]))
    rewind_clock(trainee, material, 8)
    assert report(client, material, [[0, 8]], 8).json() == {
        "recorded": True, "coverage": 40.0, "watched": False, "position": 8.0,
    }  # fmt: skip
    # Seeks back, rewatches 4–8 (no gain), then skips ahead: 12–18 is new.
    rewind_clock(trainee, material, 10)
    assert report(client, material, [[0, 8], [4, 8], [12, 18]], 18).json()["coverage"] == 70.0
    view = MaterialView.objects.get(trainee=trainee)
    assert view.ranges == [[0.0, 8.0], [12.0, 18.0]] and view.position == 18.0
    # 90% is not enough at a 95% threshold.
    rewind_clock(trainee, material, 5)
    assert report(client, material, [[18, 20]], 20).json()["watched"] is False
    # Going back for the part skipped completes it (19/20 = 95%).
    rewind_clock(trainee, material, 5)
    result = report(client, material, [[8, 11]], 11).json()
    assert result["watched"] is True
    assert MaterialView.objects.get(trainee=trainee).completed_at is not None


def test_growth_is_limited_by_elapsed_time_at_normal_speed(client, settings):
    settings.MATERIALS_PROGRESS_SLACK_SECONDS = 2
    course = CourseFactory()
    material = add_material(course)
    user, trainee = ordered_learner(course)
    client.force_login(user)
    client.get(reverse("material_view", args=[material.pk]))
    rewind_clock(trainee, material, 5)
    assert report(client, material, [[0, 10]]).status_code == 409  # 10 s in 5 s (+2)
    rewind_clock(trainee, material, 8)
    assert report(client, material, [[0, 10]]).status_code == 200  # the same, 3 s later
    # Reopening the page restarts the clock: time away does not count as watching.
    rewind_clock(trainee, material, 600)
    client.get(reverse("material_view", args=[material.pk]))
    assert report(client, material, [[10, 20]]).status_code == 409


def test_resume_position_is_offered(client):
    course = CourseFactory()
    material = add_material(course)
    user, trainee = ordered_learner(course)
    client.force_login(user)
    client.get(reverse("material_view", args=[material.pk]))
    rewind_clock(trainee, material, 7)
    report(client, material, [[0, 7]], 7.25)
    page = client.get(reverse("material_view", args=[material.pk])).content.decode()
    assert 'data-position="7.250000"' in page
    assert "35%" in page  # 7 of 20 seconds


def test_bad_progress_payloads_are_rejected(client):
    course = CourseFactory()
    material = add_material(course)
    user, _ = ordered_learner(course)
    client.force_login(user)
    for played in ("[[1]]", '[["a", 2]]', "[[5, 1]]", '{"a": 1}', "[[0, 1e999]]"):
        response = client.post(reverse("material_progress", args=[material.pk]), {"played": played})
        assert response.status_code == 400, played


def test_a_pdf_counts_as_viewed_when_opened(client):
    course = CourseFactory()
    pdf = add_material(course, name="handout.pdf", content=SAMPLE_PDF, title="資料")
    user, trainee = ordered_learner(course)
    client.force_login(user)
    listing = client.get(reverse("learning_course", args=[course.pk])).content.decode()
    assert "まだ開いていません" in listing or "Not opened yet" in listing
    client.get(reverse("material_view", args=[pdf.pk]))
    assert MaterialView.objects.get(trainee=trainee, material=pdf).completed_at is not None
    assert client.get(reverse("material_file", args=[pdf.pk]))["Content-Type"] == "application/pdf"


def test_hr_preview_records_nothing(client, hr_admin):
    course = CourseFactory()
    material = add_material(course)
    client.force_login(hr_admin)
    page = client.get(reverse("material_view", args=[material.pk])).content.decode()
    assert "data-progress-url" not in page
    assert not MaterialView.objects.exists()


# --- HR keeps the list ------------------------------------------------------------------------


def test_order_move_and_delete(
    client, hr_admin, private_storage, django_capture_on_commit_callbacks
):
    course = CourseFactory()
    first = add_material(course, title="一")
    second = add_material(course, title="二", name="b.pdf", content=SAMPLE_PDF)
    client.force_login(hr_admin)
    client.post(reverse("material_move", args=[course.pk, second.pk]), {"direction": "up"})
    assert list(course.materials.values_list("title", flat=True)) == ["二", "一"]
    page = client.get(reverse("course_detail", args=[course.pk])).content.decode()
    assert page.index("二") < page.index("一</a>")
    path = private_storage / first.file.name
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("material_delete", args=[course.pk, first.pk]))
    assert list(course.materials.values_list("title", flat=True)) == ["二"]
    assert not path.exists()


def test_next_years_copy_keeps_the_materials_and_shares_the_file(
    private_storage, django_capture_on_commit_callbacks
):
    course = CourseFactory()
    material = add_material(course)
    copy = course_copy_to_next_year(course=course, actor=None)
    copied = copy.materials.get()
    assert (copied.title, copied.file.name, copied.duration) == (
        material.title, material.file.name, material.duration,
    )  # fmt: skip
    # Removing this year's material keeps the file next year's still uses.
    with django_capture_on_commit_callbacks(execute=True):
        material_delete(material=material, actor=None)
    assert (private_storage / copied.file.name).exists()


def test_learning_pages_have_fixed_query_budgets(client, page_queries):
    course = CourseFactory()
    add_material(course)
    user, trainee = ordered_learner(course)
    client.force_login(user)
    client.get(reverse("learning"))
    learning = ["the trainee", "courses with their counts"]
    course_page = ["the trainee", "the course", "the order check", "its materials",
                   "the trainee's viewing records"]  # fmt: skip
    with page_queries(*learning, mfa=False):
        assert client.get(reverse("learning")).status_code == 200
    with page_queries(*course_page, mfa=False):
        assert client.get(reverse("learning_course", args=[course.pk])).status_code == 200
    for n in range(6):
        other = CourseFactory()
        add_material(other, name=f"{n}.pdf", content=SAMPLE_PDF)
        ordered_learner_again(other, trainee)
        add_material(course, name=f"{n}.pdf", content=SAMPLE_PDF)
    with page_queries(*learning, mfa=False):
        response = client.get(reverse("learning"))
    assert response.status_code == 200 and response.content.decode().count('class="card"') >= 7
    with page_queries(*course_page, mfa=False):
        assert client.get(reverse("learning_course", args=[course.pk])).status_code == 200


def ordered_learner_again(course, trainee) -> None:
    enrol(trainee, SessionFactory(course=course))
