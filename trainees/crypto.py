"""Encryption at rest of the authenticator secrets (TOTP keys, recovery-code seeds).

allauth keeps them in ``mfa_authenticator.data``; its MFA adapter has ``encrypt``/``decrypt``
hooks for exactly this (trainees.adapters.MFAAdapter calls these). Fernet (AES-128-CBC +
HMAC-SHA256, from ``cryptography``) under MFA_ENCRYPTION_KEY — a key of its own, not SECRET_KEY —
with MFA_ENCRYPTION_KEY_FALLBACKS still read while a new key takes over (``mfa_reencrypt``
rewrites every row under the newest key). A stored value starts with ``PREFIX``; a value
without it is a secret stored before encryption, which ``decrypt`` still reads and
migration 0004 encrypts."""

from __future__ import annotations

import base64
import hashlib
from functools import cache

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings

PREFIX = "enc:v1:"


def _fernet_key(secret: str) -> bytes:
    """Any string from the environment becomes a Fernet key (32 bytes, url-safe base64)."""
    return base64.urlsafe_b64encode(hashlib.sha256(secret.encode("utf-8")).digest())


@cache
def _cipher(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(_fernet_key(key)) for key in keys])


def cipher() -> MultiFernet:
    keys = (settings.MFA_ENCRYPTION_KEY, *settings.MFA_ENCRYPTION_KEY_FALLBACKS)
    return _cipher(tuple(keys))


def encrypt(text: str) -> str:
    return PREFIX + cipher().encrypt(text.encode("utf-8")).decode("ascii")


def decrypt(stored: str) -> str:
    if not stored.startswith(PREFIX):
        return stored  # written before encryption (migration 0004 encrypts these)
    return cipher().decrypt(stored.removeprefix(PREFIX).encode("ascii")).decode("utf-8")


def is_encrypted(stored: str) -> bool:
    return stored.startswith(PREFIX)


def reencrypt(stored: str) -> str:
    """The same secret under the newest key (rotation), or encrypted for the first time."""
    return encrypt(decrypt(stored))


# The fields of allauth's Authenticator.data that hold secrets, by authenticator type.
SECRET_FIELDS = {"totp": ("secret",), "recovery_codes": ("seed",)}
SECRET_LIST_FIELDS = {"recovery_codes": ("migrated_codes",)}


def data_reencrypted(kind: str, data: dict) -> dict:
    """An authenticator's data with every secret in it (re-)encrypted under the newest key."""
    data = dict(data)
    for name in SECRET_FIELDS.get(kind, ()):
        if isinstance(data.get(name), str):
            data[name] = reencrypt(data[name])
    for name in SECRET_LIST_FIELDS.get(kind, ()):
        if isinstance(data.get(name), list):
            data[name] = [reencrypt(code) for code in data[name]]
    return data
