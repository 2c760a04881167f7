"""職員情報登録・管理 in a real browser (issue 22): HR adds a mid-year hire by hand — typing the
staff number with the IME on and the hire date in 和暦 — sees the change history, transfers
another person with a 発令日 and sees the transfer in their history. axe-core on every page,
the phone width included."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import totp_code
from tests.e2e.conftest import assert_accessible, log_in
from tests.trainees.factories import OrganisationFactory, TraineeFactory, UserFactory
from trainees.models import Trainee
from trainees.roles import Role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_hr_adds_a_mid_year_hire_and_transfers_another(page, live_server):
    OrganisationFactory(code="130200", name="区民部 戸籍住民課")
    OrganisationFactory(code="140100", name="福祉部 福祉政策課")
    regional = OrganisationFactory(code="140200", name="福祉部 地域福祉課")
    moving = TraineeFactory(staff_number="001003", name="中島 愛", organisation=regional)
    hr = UserFactory(username="100005", roles=[Role.HR_ADMIN], totp=True)

    log_in(page, "100005")
    page.get_by_label(re.compile(r"^コード")).fill(totp_code(hr.totp_secret))
    page.get_by_role("button", name="ログイン").click()
    page.goto("/trainees/")
    page.get_by_role("link", name="職員を登録").click()
    assert_accessible(page)
    page.get_by_label("職員番号").fill("００１０１２")
    page.locator("#id_name").fill("中途　採子")
    page.get_by_label("氏名カナ").fill("ちゅうと さいこ")
    page.get_by_label("所属").select_option(label="区民部 戸籍住民課")
    page.get_by_label("雇用区分").select_option(label="正規")
    page.get_by_label("採用年月日").fill("令和8年2月30日")  # no such day
    page.get_by_label("理由（変更履歴に残ります）").fill("10月1日付の中途採用")
    page.get_by_role("button", name="登録").click()
    expect(page.get_by_text("存在しない日付です。")).to_be_visible()
    assert_accessible(page)
    assert not Trainee.objects.filter(staff_number="001012").exists()
    page.get_by_label("採用年月日").fill("R8.10.1")
    page.get_by_role("button", name="登録").click()
    expect(page.get_by_role("heading", name=re.compile("中途"))).to_be_visible()
    expect(page.get_by_text("チュウト サイコ", exact=True)).to_be_visible()
    expect(page.get_by_text("理由: 10月1日付の中途採用")).to_be_visible()
    assert_accessible(page)

    page.goto(f"/trainees/{moving.pk}/")
    page.get_by_role("link", name="異動", exact=True).click()
    page.set_viewport_size({"width": 390, "height": 844})  # from a phone
    assert_accessible(page)
    page.get_by_label("異動先の所属").select_option(label="福祉部 福祉政策課")
    page.get_by_label("発令日").fill("令和8年11月1日")
    page.get_by_label("理由（変更履歴に残ります）").fill("人事異動")
    page.get_by_role("button", name="異動").click()
    expect(page.get_by_text(re.compile("異動を登録しました"))).to_be_visible()
    expect(page.get_by_text("福祉部 地域福祉課 → 福祉部 福祉政策課")).to_be_visible()
    assert_accessible(page)
    moving.refresh_from_db()
    assert moving.organisation.code == "140100"
