"""`make demo-code LOGIN=…`: the current TOTP code of a demo account, for newcomers."""

from __future__ import annotations

from io import StringIO

import pyotp
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.trainees.factories import UserFactory
from trainees.roles import Role

pytestmark = pytest.mark.django_db


def test_it_prints_the_code_of_a_demo_account_only():
    hr = UserFactory(username="100001", roles=[Role.HR_ADMIN], totp=True)
    out = StringIO()
    call_command("demo_code", "100001", stdout=out)
    assert pyotp.TOTP(hr.totp_secret).verify(out.getvalue().strip(), valid_window=1)
    UserFactory(username="555555", roles=[Role.HR_ADMIN], totp=True)
    with pytest.raises(CommandError):
        call_command("demo_code", "555555")
