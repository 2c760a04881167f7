"""Long work in a real browser: HR asks for a session's certificates as one ZIP and is taken to
the job's page, which shows the file when it is ready; a job still running is followed by the
page's script (the bar moves without a reload, and the page shows the result when the job ends);
a failed job says why and offers to run it again. axe-core on each state, phone width too."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import expect

from tests.conftest import totp_code
from tests.e2e.conftest import assert_accessible, log_in
from tests.trainees.factories import UserFactory
from trainees.roles import HR_CONSOLE, Role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_certificates_in_the_background_and_a_job_followed_live(
    page, browser, live_server, eager_celery, private_storage
):
    from jobs.models import Job
    from jobs.services import Progress
    from tests.courses.factories import SessionFactory
    from tests.enrollments.factories import completed, enrol
    from tests.trainees.factories import TraineeFactory

    session = SessionFactory(course__code="S07", course__title="接遇研修")
    for name in ("修了 一子", "修了 二郎"):
        completed(enrol(TraineeFactory(name=name), session))
    hr = UserFactory(username="100007", roles=[Role.HR_ADMIN], totp=True)
    log_in(page, "100007")
    page.get_by_label(re.compile(r"^コード")).fill(totp_code(hr.totp_secret))
    page.get_by_role("button", name="ログイン").click()

    page.goto(f"/hr/sessions/{session.pk}/certificates/")
    page.get_by_role("button", name="ZIP（1人1ファイルのPDF）").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("修了証：接遇研修"))
    expect(page.get_by_text("2件の修了証を作成しました。")).to_be_visible()
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("ダウンロード")).click()
    names = zipfile.ZipFile(download.value.path()).namelist()
    assert len(names) == 2
    # The inbox says so, and leads back to the job.
    page.goto("/inbox/")
    expect(page.get_by_text(re.compile("完了: 修了証：接遇研修"))).to_be_visible()

    # A job still running: the page follows it without reloading, then shows its result.
    running = Job.objects.create(kind="certificates", owner=hr, title="大きな出力", total=10,
                                 state="running", permission=HR_CONSOLE)  # fmt: skip
    page.goto(f"/jobs/{running.pk}/")
    expect(page.get_by_role("status")).to_contain_text("実行中")
    assert_accessible(page)
    page.evaluate("window.__same_page = 1")  # gone if the page reloads
    Progress(running.pk)(3, 10)
    expect(page.get_by_role("status")).to_contain_text("10件中3件")
    assert page.evaluate("window.__same_page") == 1
    assert page.locator("progress").get_attribute("max") == "10"
    running.file.save("result.csv", ContentFile(b"x"), save=False)
    Job.objects.filter(pk=running.pk).update(state="done", done=10, file=running.file.name,
                                             file_name="result.csv", summary="10件")  # fmt: skip
    expect(page.get_by_role("link", name=re.compile("ダウンロード"))).to_be_visible(timeout=10_000)
    assert page.evaluate("window.__same_page") is None  # reloaded once, to show the result

    # A failed job says why and can be run again — on a phone too.
    failed = Job.objects.create(kind="certificates", owner=hr, title="失敗した出力",
                                state="failed", permission=HR_CONSOLE,
                                params={"session": session.pk, "format": "pdf"},
                                error="3行目: 職員番号がありません。")  # fmt: skip
    phone = browser.new_context(locale="ja-JP", base_url=live_server.url,
                                storage_state=page.context.storage_state(),
                                viewport={"width": 390, "height": 844})  # fmt: skip
    small = phone.new_page()
    small.goto(f"/jobs/{failed.pk}/")
    expect(small.get_by_text("3行目: 職員番号がありません。")).to_be_visible()
    assert_accessible(small)
    small.get_by_role("button", name="もう一度実行する").click()
    expect(small.get_by_text("1件の修了証を作成しました。")).not_to_be_visible()
    expect(small.get_by_text(re.compile("2件の修了証を作成しました。"))).to_be_visible()
    assert small.evaluate("document.documentElement.scrollWidth") <= 390
    phone.close()


def test_a_large_registry_export_is_followed_on_its_job_page(
    page, live_server, eager_celery, private_storage, settings
):
    """HR clicks the registry's Excel link: a list over EXPORT_BACKGROUND_ROWS is made by a job;
    the browser lands on its page, downloads the workbook, and goes back to the list it asked
    from, filter kept."""
    import openpyxl

    from tests.trainees.factories import OrganisationFactory, TraineeFactory

    settings.EXPORT_BACKGROUND_ROWS = 3
    welfare = OrganisationFactory(code="140000", name="福祉部")
    for n in range(5):
        TraineeFactory(staff_number=f"00090{n}", name=f"名簿 {n}郎", organisation=welfare)
    hr = UserFactory(username="100008", roles=[Role.HR_ADMIN], totp=True)
    log_in(page, "100008")
    page.get_by_label(re.compile(r"^コード")).fill(totp_code(hr.totp_secret))
    page.get_by_role("button", name="ログイン").click()

    page.goto("/trainees/?q=名簿&status=active")
    page.get_by_role("link", name="Excel", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ダウンロード：職員名簿（5行）")
    expect(page.get_by_text("ファイルには5行あります。")).to_be_visible()
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("ダウンロード")).click()
    assert download.value.suggested_filename.endswith(".xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    assert sorted(row[0] for row in sheet.iter_rows(min_row=2, values_only=True)) == [
        f"00090{n}" for n in range(5)
    ]
    page.get_by_role("link", name="依頼した画面に戻る").click()
    expect(page.get_by_label(re.compile("職員番号・氏名"))).to_have_value("名簿")
