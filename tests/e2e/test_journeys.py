from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from audit.models import AccessLog, AuditEvent
from tests.conftest import totp_code
from tests.e2e.conftest import assert_accessible, log_in
from tests.trainees.factories import UserFactory
from trainees.roles import Role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_trainee_logs_in_and_sees_the_japanese_home_page(page):
    user = UserFactory(username="300001", full_name="区民 花子", roles=[Role.TRAINEE])
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    assert_accessible(page)

    log_in(page, "３００００１")  # typed with the IME on
    expect(page).to_have_url(re.compile(r"/me/$"))
    expect(page.get_by_role("heading", name="マイページ")).to_be_visible()
    expect(page.get_by_text("区民 花子").first).to_be_visible()
    expect(page.get_by_text("受講者")).to_be_visible()
    assert_accessible(page)

    # The audit trail has the journey, with the right user and statuses.
    rows = list(AccessLog.objects.order_by("id").values_list("path", "status_code", "user_id"))
    assert ("/", 302, None) in rows
    assert ("/accounts/login/", 200, None) in rows
    assert ("/accounts/login/", 302, user.pk) in rows  # the successful POST
    assert ("/me/", 200, user.pk) in rows
    assert AuditEvent.objects.filter(kind="login.succeeded", user_id=user.pk).exists()


def test_hr_admin_is_forced_through_totp_setup_then_reaches_admin_home(page):
    user = UserFactory(
        username="100002", full_name="研修 新人", roles=[Role.HR_ADMIN, Role.TRAINEE]
    )
    log_in(page, "100002")
    # Straight to the set-up (no second password), which says why it is needed; the menu
    # offers only the set-up.
    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/"))
    expect(page.get_by_text("認証アプリが必要です", exact=False)).to_be_visible()
    assert page.locator(".nav-list li").count() == 1
    assert_accessible(page)
    # Any other page sends them back to the set-up.
    page.goto("/hr/")
    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/"))
    secret = page.locator("#authenticator_secret").input_value()
    page.reload()  # the same secret after a reload
    assert page.locator("#authenticator_secret").input_value() == secret
    page.get_by_label("認証アプリコード").fill(totp_code(secret))
    page.get_by_role("button", name="有効化する").click()
    # The recovery codes, and a way on.
    expect(page).to_have_url(re.compile(r"/accounts/2fa/recovery-codes/"))
    assert_accessible(page)
    page.get_by_role("link", name="保管しました。次へ進む").click()
    expect(page).to_have_url(re.compile(r"/hr/$"))
    expect(page.get_by_role("heading", name="研修管理（人材育成センター）")).to_be_visible()
    assert_accessible(page)

    assert AuditEvent.objects.filter(kind="mfa.added", user_id=user.pk).exists()
    statuses = set(AccessLog.objects.filter(user_id=user.pk).values_list("path", "status_code"))
    assert ("/hr/", 302) in statuses and ("/hr/", 200) in statuses


def test_language_switch_works_and_is_remembered(page, browser, live_server):
    user = UserFactory(username="300009", roles=[Role.TRAINEE])
    log_in(page, "300009")
    expect(page.get_by_role("heading", name="マイページ")).to_be_visible()
    page.get_by_label("言語").select_option("en")
    page.get_by_role("button", name="切替").click()
    expect(page.get_by_role("heading", name="My page")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert_accessible(page)
    user.refresh_from_db()
    assert user.language == "en"
    # Another browser, Japanese by default, shows English after this person logs in.
    context = browser.new_context(locale="ja-JP", base_url=live_server.url)
    other = context.new_page()
    log_in(other, "300009")
    expect(other.get_by_role("heading", name="My page")).to_be_visible()
    context.close()


def test_auditor_reads_the_log_on_a_phone(phone_page):
    auditor = UserFactory(username="auditor01", roles=[Role.AUDITOR], totp=True)
    log_in(phone_page, "auditor01")
    expect(phone_page).to_have_url(re.compile(r"/accounts/2fa/authenticate/"))
    assert_accessible(phone_page)
    phone_page.get_by_label(re.compile(r"^コード")).fill(totp_code(auditor.totp_secret))
    phone_page.get_by_role("button", name="ログイン").click()
    expect(phone_page).to_have_url(re.compile(r"/audit/$"))
    expect(phone_page.get_by_role("heading", name="監査ログ")).to_be_visible()
    assert_accessible(phone_page)
    phone_page.get_by_role("link", name="アクセスログを検索").click()
    phone_page.get_by_label("ログインID").fill("auditor01")
    phone_page.get_by_role("button", name="検索").click()
    expect(phone_page.locator("table tbody tr").first).to_contain_text("auditor01")
    assert_accessible(phone_page)
    # Nothing overflows the phone's width.
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375
    phone_page.goto("/audit/events/?kind=login.succeeded")
    expect(phone_page.locator("table tbody tr").first).to_contain_text("ログイン成功")
    assert_accessible(phone_page)


def test_every_portal_page_passes_axe(page):
    """The pages no journey above visits, each checked with axe-core."""
    page.goto("/accounts/password/reset/")
    assert_accessible(page)
    coordinator = UserFactory(username="200001", roles=[Role.COORDINATOR, Role.TRAINEE])
    from tests.trainees.factories import OrganisationFactory

    parent = OrganisationFactory(code="140000", name="福祉部")
    OrganisationFactory(code="210000", name="福祉推進課", parent=parent)
    coordinator.coordinated_organisations.add(parent)
    from notices.services import notices_send

    notices_send(
        user_ids=[coordinator.pk], kind="info", title="研修計画のお知らせ", body="本文です。"
    )
    log_in(page, "200001")
    for path, heading in [
        ("/inbox/", "受信箱"),
        ("/coordinator/", "所属研修担当"),
        ("/learn/", "受講中の研修"),
        ("/accounts/password/change/", None),
        ("/accounts/2fa/", None),
        ("/accounts/email/", None),
    ]:
        page.goto(path)
        if heading:
            expect(page.get_by_role("heading", name=heading)).to_be_visible()
        assert_accessible(page)
    page.goto("/coordinator/")
    expect(page.get_by_text("福祉推進課")).to_be_visible()


def test_hr_imports_the_roster_and_a_new_trainee_logs_in(
    page, fixtures, mailoutbox, browser, live_server, eager_celery
):
    import re as _re

    hr = UserFactory(username="100001", roles=[Role.HR_ADMIN, Role.TRAINEE], totp=True)
    log_in(page, "100001")
    page.get_by_label(re.compile(r"^コード")).fill(totp_code(hr.totp_secret))
    page.get_by_role("button", name="ログイン").click()
    expect(page).to_have_url(re.compile(r"/hr/$"))

    # HR's pages are grouped in the menu: the group opens as a disclosure, Escape closes it.
    group = page.locator("summary", has_text="職員・名簿")
    group.click()
    assert_accessible(page)  # with the drop-down open
    page.keyboard.press("Escape")
    expect(page.locator("nav").get_by_role("link", name="名簿取込")).to_be_hidden()
    group.click()
    page.locator("nav").get_by_role("link", name="名簿取込").click()
    expect(page.locator("summary", has_text="職員・名簿")).to_have_class("is-current")
    assert_accessible(page)
    page.locator("#id_file").set_input_files(str(fixtures / "roster_sample_cp932.csv"))
    page.get_by_role("button", name="ファイルを確認する").click()
    expect(page.get_by_role("heading", name="確認中（未反映）")).to_be_visible()
    expect(page.locator(".counts")).to_contain_text("12")
    expect(page.get_by_text("小林　恵")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="この内容で反映する").click()
    # Confirmed by a background job: its page says what came out, then leads back.
    expect(page.get_by_text("名簿を反映しました：追加12件、変更0件、無効化0件。")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("完了：12件中12件")
    assert_accessible(page)
    page.get_by_role("link", name="結果を開く").click()

    page.get_by_role(
        "button", name="新しいアカウント全員にパスワード設定用リンクをメールで送る"
    ).click()
    expect(page.get_by_text("12 件の招待メールを送信しています。")).to_be_visible()

    page.goto("/trainees/?q=すずき")
    expect(page.locator("table tbody tr")).to_have_count(1)
    expect(page.locator("table tbody")).to_contain_text("鈴木 裕子")
    assert_accessible(page)
    page.get_by_role("link", name="001004").click()
    expect(page.get_by_role("heading", name="変更履歴")).to_be_visible()
    assert_accessible(page)

    # The new trainee follows the link in the e-mail, sets a password and logs in.
    assert len(mailoutbox) == 12, [m.to for m in mailoutbox]
    message = next(m for m in mailoutbox if m.to == ["staff001004@city.example.jp"])
    link = _re.search(r"http://[^\s]+/accounts/password/reset/key/[^\s]+/", message.body).group(0)
    context = browser.new_context(locale="ja-JP", base_url=live_server.url)
    trainee_page = context.new_page()
    trainee_page.goto(link.split("8000", 1)[1])
    trainee_page.locator("#id_password1").fill("Suzuki-2026-pass")
    trainee_page.get_by_label(re.compile(r"^新しいパスワード \(再入力\)")).fill("Suzuki-2026-pass")
    trainee_page.get_by_role("button", name="パスワード変更").click()
    log_in(trainee_page, "001004", "Suzuki-2026-pass")
    expect(trainee_page.get_by_role("heading", name="マイページ")).to_be_visible()
    expect(trainee_page.get_by_text("福祉部 福祉政策課")).to_be_visible()
    assert_accessible(trainee_page)
    context.close()


def test_hr_course_pages_pass_axe(page):
    from tests.courses.factories import SessionFactory
    from tests.enrollments.factories import enrol
    from tests.trainees.factories import TraineeFactory

    session = SessionFactory()
    enrollment = enrol(TraineeFactory(), session)
    day = session.days.get()
    hr = UserFactory(username="100003", roles=[Role.HR_ADMIN, Role.TRAINEE], totp=True)
    log_in(page, "100003")
    page.get_by_label(re.compile(r"^コード")).fill(totp_code(hr.totp_secret))
    page.get_by_role("button", name="ログイン").click()
    for path in [
        "/hr/courses/?fiscal_year=2026",
        "/hr/courses/new/",
        f"/hr/courses/{session.course_id}/",
        f"/hr/courses/{session.course_id}/targets/",
        f"/hr/sessions/{session.pk}/days/{day.pk}/check-in/",
        f"/hr/enrollments/{enrollment.pk}/",
        "/me/check-in/",
        f"/hr/courses/{session.course_id}/quotas/",
        f"/hr/sessions/{session.pk}/days/{day.pk}/check-in/kiosk/",
        "/hr/venues/",
        "/hr/venues/new/",
        "/hr/notices/templates/",
        "/hr/notices/templates/order/",
        "/hr/",
        f"/hr/courses/{session.course_id}/sessions/{session.pk}/",  # last: its form is read below
    ]:
        page.goto(path)
        assert_accessible(page)
    expect(page.locator("#id_days-0-date")).to_have_value("2026-05-12")


def test_hr_orders_the_target_list_and_the_trainee_finds_it(
    page, browser, live_server, mailoutbox, eager_celery
):
    from courses.models import TargetMember
    from tests.courses.factories import SessionFactory
    from tests.trainees.factories import TraineeFactory

    session = SessionFactory(course__title="接遇研修")
    trainee_user = UserFactory(username="300001", full_name="区民 花子", roles=[Role.TRAINEE])
    trainee = TraineeFactory(name="区民 花子", email=trainee_user.email, user=trainee_user)
    TargetMember.objects.create(course=session.course, trainee=trainee, source="rule")
    hr = UserFactory(username="100004", roles=[Role.HR_ADMIN], totp=True)
    log_in(page, "100004")
    page.get_by_label(re.compile(r"^コード")).fill(totp_code(hr.totp_secret))
    page.get_by_role("button", name="ログイン").click()
    page.goto(f"/hr/courses/{session.course_id}/")
    page.get_by_role("button", name="対象者に研修命令を出す").click()
    expect(page.get_by_role("heading", name=re.compile("研修命令 2026-0001"))).to_be_visible()
    expect(page.locator(".counts")).to_contain_text("1 送信済み")
    assert_accessible(page)
    assert [m.to for m in mailoutbox] == [[trainee.email]]
    assert mailoutbox[0].subject == "【研修命令】接遇研修（第" + str(session.number) + "回）"

    context = browser.new_context(locale="ja-JP", base_url=live_server.url)
    mine = context.new_page()
    log_in(mine, "300001")
    expect(mine.get_by_role("link", name=re.compile("受信箱.*1 件の未読"))).to_be_visible()
    mine.get_by_role("link", name=re.compile("受信箱")).first.click()
    mine.get_by_text("【研修命令】接遇研修").click()
    expect(mine.get_by_text("次の研修の受講を命じます。")).to_be_visible()
    assert_accessible(mine)
    mine.get_by_role("button", name="既読にする", exact=True).click()
    expect(mine.get_by_role("link", name=re.compile("未読"))).to_have_count(0)
    context.close()


def test_hr_puts_a_video_online_orders_it_and_the_trainee_watches(
    page, browser, live_server, eager_celery, settings, tmp_path, private_storage
):
    """HR: course, session, video, target list, order. Trainee: the order in the inbox and in
    the mail file, the video played with a seek, progress recorded and resumed."""
    import email
    import email.header

    from courses.models import Course
    from learning.models import MaterialView
    from tests.courses.factories import DEMO_VIDEO
    from tests.trainees.factories import OrganisationFactory, TraineeFactory

    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    trainee_user = UserFactory(username="300001", full_name="区民 花子", roles=[Role.TRAINEE])
    trainee = TraineeFactory(
        name="区民 花子", email="hanako@city.example.jp", user=trainee_user,
        organisation=OrganisationFactory(code="140000", name="福祉部"),
    )  # fmt: skip
    hr = UserFactory(username="100005", roles=[Role.HR_ADMIN], totp=True)
    log_in(page, "100005")
    page.get_by_label(re.compile(r"^コード")).fill(totp_code(hr.totp_secret))
    page.get_by_role("button", name="ログイン").click()

    # The course, its session and its video.
    page.goto("/hr/courses/new/")
    page.locator("#id_code").fill("EL01")
    page.locator("#id_title").fill("情報セキュリティ研修")
    page.locator("#id_category").select_option("階層別研修")
    page.locator("#id_kind").select_option("ordered")
    page.locator("#id_delivery").select_option("elearning")
    page.locator("#id_requires_attendance").uncheck()
    page.locator("#id_requires_materials").check()
    page.get_by_role("button", name="保存").click()
    course = Course.objects.get(code="EL01")
    expect(page).to_have_url(re.compile(rf"/hr/courses/{course.pk}/$"))
    page.get_by_role("link", name="日程を追加").click()
    page.locator("#id_capacity").fill("100")
    page.locator("#id_days-0-date").fill("2026-06-01")
    page.locator("#id_days-0-starts_at").fill("09:00")
    page.locator("#id_days-0-ends_at").fill("17:00")
    page.get_by_role("button", name="保存").click()
    page.get_by_role("link", name="教材を追加").click()
    assert_accessible(page)
    page.get_by_label("教材名").fill("個人情報の取扱い（動画）")
    page.get_by_label("ファイル（MP4・WebM の動画、PDF）").set_input_files(str(DEMO_VIDEO))
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("link", name="個人情報の取扱い（動画）")).to_be_visible()
    expect(page.get_by_text("動画（0:20）")).to_be_visible()
    assert_accessible(page)

    # Target list (everyone in post: the conditions are left empty), then the order.
    page.get_by_role("link", name="対象者").first.click()
    page.get_by_role("button", name="条件を保存").click()
    page.get_by_role("button", name="この内容で対象者名簿を確定").click()
    expect(page.get_by_text("名簿には 1 人が登録されています。")).to_be_visible()
    page.locator("#id_session").select_option(label="第1回")
    page.get_by_role("button", name="研修命令を出す").click()
    expect(page.locator(".counts")).to_contain_text("1 送信済み")

    # The mail file, as a newcomer would open it.
    [mail_file] = list((tmp_path / "mail").iterdir())
    message = email.message_from_bytes(mail_file.read_bytes().split(b"\n" + b"-" * 79)[0])
    subject = str(email.header.make_header(email.header.decode_header(message["Subject"])))
    assert subject == "【研修命令】情報セキュリティ研修（第1回）"
    assert message["To"] == "hanako@city.example.jp"
    assert "区民 花子 様" in message.get_payload(decode=True).decode("utf-8")

    # The trainee: inbox, the course, the video.
    context = browser.new_context(locale="ja-JP", base_url=live_server.url)
    mine = context.new_page()
    statuses: list[int] = []
    mine.on("response", lambda r: statuses.append(r.status) if "/file/" in r.url else None)
    log_in(mine, "300001")
    mine.get_by_role("link", name=re.compile("受信箱")).first.click()
    mine.get_by_text("【研修命令】情報セキュリティ研修").click()
    mine.get_by_role("link", name="開く").click()
    expect(mine.get_by_role("heading", name="情報セキュリティ研修")).to_be_visible()
    expect(mine.get_by_text("まだ開いていません")).to_be_visible()
    assert_accessible(mine)
    mine.get_by_role("link", name="個人情報の取扱い（動画）").click()
    video = mine.locator("video#player")
    mine.wait_for_function("() => document.querySelector('#player').readyState >= 1")
    assert_accessible(mine)
    # Play from the start for about three seconds, seek to 12 s, play two more, pause.
    mine.evaluate(
        "() => { const v = document.querySelector('#player'); v.muted = true; return v.play(); }"
    )
    mine.wait_for_function(
        "() => document.querySelector('#player').currentTime >= 3", timeout=15_000
    )
    mine.evaluate("() => { document.querySelector('#player').currentTime = 12; }")
    mine.wait_for_function(
        "() => { const v = document.querySelector('#player'); return !v.seeking && v.currentTime >= 14; }",
        timeout=15_000,
    )
    with mine.expect_response(lambda r: "/progress/" in r.url) as answer:
        video.evaluate("v => v.pause()")
    assert answer.value.json()["recorded"] is True
    assert 206 in statuses  # the browser fetched byte ranges (seeking needs them)

    record = MaterialView.objects.get(trainee=trainee)
    starts = [round(s) for s, _e in record.ranges]
    assert starts[0] == 0 and 12 in starts, record.ranges
    assert not any(s < 7 < e for s, e in record.ranges)  # the skipped part does not count
    assert 20 <= record.coverage < 60 and record.completed_at is None
    expect(mine.get_by_role("status")).to_contain_text("% 視聴")
    # Coming back later resumes where the trainee stopped.
    mine.reload()
    mine.wait_for_function(
        f"() => document.querySelector('#player').currentTime >= {record.position - 0.5}"
    )
    context.close()


def test_nominate_apply_lottery_decision_absence_attendance(
    page, browser, live_server, eager_celery, mailoutbox
):
    """A coordinator nominates two staff; a trainee applies; HR draws lots; the trainee gets
    the decision, reports absence for one day; HR marks attendance; the trainee's page shows
    the right next step at each point."""

    from courses.models import CourseKind
    from enrollments.models import Attendance, Enrollment
    from tests.courses.factories import CourseFactory, SessionFactory
    from tests.trainees.factories import OrganisationFactory, TraineeFactory

    welfare = OrganisationFactory(code="140000", name="福祉部")
    today = timezone.localdate()
    session = SessionFactory(
        course=CourseFactory(kind=CourseKind.OPEN, title="ファシリテーション研修"),
        capacity=3,
        application_opens_at=timezone.now() - datetime.timedelta(days=1),
        application_closes_at=timezone.now() + datetime.timedelta(days=7),
        days=[today + datetime.timedelta(days=20), today + datetime.timedelta(days=21)],
    )
    coordinator = UserFactory(username="200001", roles=[Role.COORDINATOR, Role.TRAINEE])
    coordinator.coordinated_organisations.add(welfare)
    for number in ("140001", "140002"):
        TraineeFactory(staff_number=number, organisation=welfare)
    trainee_user = UserFactory(username="300001", full_name="区民 花子", roles=[Role.TRAINEE])
    trainee = TraineeFactory(name="区民 花子", user=trainee_user, email="hanako@city.example.jp")
    hr = UserFactory(username="100006", roles=[Role.HR_ADMIN], totp=True)

    # The coordinator nominates two of their staff.
    log_in(page, "200001")
    page.get_by_role("link", name="研修生の推薦").click()
    assert_accessible(page)
    # The first from their list, narrowed by typing (full-width digits match too), for the
    # session picked from the table of open ones (「選ぶ」 fills the form's drop-down) …
    expect(page.locator("#id_session")).to_have_value("")
    page.get_by_role(
        "link", name=f"ファシリテーション研修 第{session.number}回を推薦先に選ぶ"
    ).click()
    expect(page.locator("#id_session")).to_have_value(str(session.pk))
    search = page.get_by_role("searchbox", name="氏名または職員番号で絞り込む")
    search.fill("１４０００１")
    checklist = page.locator("div.checklist")
    expect(checklist.get_by_text("140002", exact=False)).to_be_hidden()
    checklist.get_by_text("140001", exact=False).click()
    expect(checklist.get_by_role("checkbox", checked=True)).to_have_count(1)
    page.get_by_label("所属内の推薦順位").fill("1")
    page.get_by_role("button", name="推薦する").click()
    expect(page.get_by_text("さんを推薦しました。")).to_be_visible()
    # … the second by typing the staff number: the page came back with the session chosen.
    expect(page.locator("#id_session")).to_have_value(str(session.pk))
    page.locator("#id_staff_number").fill("１４０００２")
    page.get_by_label("所属内の推薦順位").fill("2")
    page.get_by_role("button", name="推薦する").click()
    expect(page.get_by_text("さんを推薦しました。")).to_be_visible()
    expect(page.get_by_role("cell", name="所属推薦").first).to_be_visible()
    assert Enrollment.objects.filter(source="nominated").count() == 2

    # The trainee finds the course and applies; My page says what happens next.
    context = browser.new_context(locale="ja-JP", base_url=live_server.url)
    mine = context.new_page()
    log_in(mine, "300001")
    mine.get_by_role("link", name="研修を探す").click()
    assert_accessible(mine)
    mine.get_by_role(
        "button", name=f"ファシリテーション研修 第{session.number}回に申し込む"
    ).click()
    expect(mine.get_by_text("申込を受け付けました。")).to_be_visible()
    assert_accessible(mine)
    mine.goto("/me/")
    expect(mine.get_by_text("次は：人材育成センターが決定し")).to_be_visible()
    assert_accessible(mine)

    # HR draws lots (three applicants, three seats: everyone is confirmed and told).
    page.context.clear_cookies()
    log_in(page, "100006")
    page.get_by_label(re.compile(r"^コード")).fill(totp_code(hr.totp_secret))
    page.get_by_role("button", name="ログイン").click()
    page.goto(f"/hr/sessions/{session.pk}/")
    assert_accessible(page)
    page.get_by_label("乱数シード（任意）").fill("2026-e2e")
    # Applications are still open: HR says to draw now, and confirms the counts.
    expect(page.get_by_text("3 人が決定待ち、空席 3 席")).to_be_visible()
    page.get_by_label("受付期間中ですが、今すぐ抽選する").check()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="抽選する").click()
    expect(page.get_by_text("抽選しました（シード 2026-e2e）")).to_be_visible()
    assert set(Enrollment.objects.values_list("status", flat=True)) == {"confirmed"}
    assert any(
        m.to == [trainee.email] and m.subject.startswith("【受講決定通知】") for m in mailoutbox
    )

    # The trainee: the decision in the inbox, the days ahead; absence for the second day.
    mine.goto("/inbox/")
    expect(mine.get_by_text("【受講決定通知】ファシリテーション研修")).to_be_visible()
    mine.goto("/me/")
    expect(mine.get_by_text("決定待ちのものはありません。")).to_be_visible()
    expect(mine.locator("#upcoming-heading + ul > li")).to_have_count(2)
    mine.get_by_role("link", name="ファシリテーション研修").first.click()
    assert_accessible(mine)
    second_day = session.days.order_by("date").last()
    mine.get_by_label("欠席する日").select_option(str(second_day.pk))
    mine.get_by_label("体調不良").check()
    mine.get_by_role("button", name="欠席連絡を送る").click()
    expect(mine.get_by_text("欠席連絡を人材育成センターに送りました。")).to_be_visible()
    mine.goto("/me/")
    expect(mine.locator("#upcoming-heading + ul > li")).to_have_count(1)

    # The days come (attendance is refused for days ahead, issue 18 item 6): yesterday and
    # today. HR marks attendance for the first day (tablet-sized roster) and uses "all present"
    # on the second: the absence notice makes it an absence.
    first_day = session.days.order_by("date").first()
    today = timezone.localdate()
    type(first_day).objects.filter(pk=first_day.pk).update(date=today - datetime.timedelta(days=1))
    type(first_day).objects.filter(pk=second_day.pk).update(date=today)
    page.set_viewport_size({"width": 820, "height": 1180})
    page.goto(f"/hr/sessions/{session.pk}/days/{first_day.pk}/attendance/")
    assert_accessible(page)
    enrollment = Enrollment.objects.get(trainee=trainee)
    page.locator(f"#id_mark_{enrollment.pk}_0").check()  # 出席
    page.get_by_role("button", name="出欠を保存").click()
    expect(page.get_by_text("人の出欠を保存しました。")).to_be_visible()
    page.goto(f"/hr/sessions/{session.pk}/days/{second_day.pk}/attendance/")
    page.get_by_role("button", name="未記録の全員を出席にする").click()
    marks = dict(Attendance.objects.filter(enrollment=enrollment).values_list("day_id", "mark"))
    assert marks == {first_day.pk: "present", second_day.pk: "absent"}

    # The trainee's page: attending every day is what is left, and it says so.
    mine.goto("/me/")
    expect(mine.locator("#todo-heading + ul")).to_contain_text("全日程への出席")
    assert_accessible(mine)
    context.close()
