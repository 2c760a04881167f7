"""Encryption at rest of values the database must hold but its readers must not read: the
authenticator apps' secrets (trainees/crypto.py) and anonymous survey answers waiting for their
batch (assessments/services/surveys.py).

Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``) under DATA_ENCRYPTION_KEY — a key of its
own from the environment, not SECRET_KEY — with DATA_ENCRYPTION_KEY_FALLBACKS still read while a
new key takes over. Each use has its own purpose, from which its own key is derived (HMAC-SHA256
of the purpose under the configured key), so one kind of value can never be passed off as
another. A stored value starts with ``PREFIX``."""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings

PREFIX = "enc:v1:"


def _fernet_key(secret: str, purpose: str) -> bytes:
    """Any string from the environment, and the purpose, become a Fernet key."""
    digest = hmac.new(secret.encode("utf-8"), purpose.encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest)


@cache
def _cipher(keys: tuple[str, ...], purpose: str) -> MultiFernet:
    return MultiFernet([Fernet(_fernet_key(key, purpose)) for key in keys])


def cipher(purpose: str) -> MultiFernet:
    keys = (settings.DATA_ENCRYPTION_KEY, *settings.DATA_ENCRYPTION_KEY_FALLBACKS)
    return _cipher(tuple(keys), purpose)


def encrypt(text: str, *, purpose: str) -> str:
    return PREFIX + cipher(purpose).encrypt(text.encode("utf-8")).decode("ascii")


def decrypt(stored: str, *, purpose: str) -> str:
    """The text; raises cryptography.fernet.InvalidToken for a value no configured key wrote."""
    return cipher(purpose).decrypt(stored.removeprefix(PREFIX).encode("ascii")).decode("utf-8")


def is_encrypted(stored: str) -> bool:
    return stored.startswith(PREFIX)
