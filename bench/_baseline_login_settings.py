"""The login as it was before issue 18 (items 16–17), for bench/login_rush.py's baseline:
PBKDF2 first among the hashers and — unless BENCH_OLD_LIMITS=0, which keeps today's limits to
show the hasher's part alone — allauth's per-address limits, no per-address ceiling of our own."""

from __future__ import annotations

import os

from config.settings.base import *  # noqa: F403

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "trainees.hashers.Argon2idHasher",
]
if os.environ.get("BENCH_OLD_LIMITS", "1") == "1":
    ACCOUNT_RATE_LIMITS = {
        "login_failed": "30/5m/ip,30/15m/key",
        "login": "30/m/ip",  # allauth's default, which the settings did not change
        "reset_password": "20/m/ip,5/m/key",
        "reset_password_from_key": "20/m/ip",
    }
    RATE_LIMIT_LOGIN_FAILED_ADDRESS = "1000000/5m/key"  # not there before
    RATE_LIMIT_LOGIN_FAILED_OFFICE = "1000000/5m/key"
