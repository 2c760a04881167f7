"""The authenticator apps' secrets (TOTP keys, recovery-code seeds) encrypted at rest.

allauth keeps them in ``mfa_authenticator.data``; its MFA adapter has ``encrypt``/``decrypt``
hooks for exactly this (trainees.adapters.MFAAdapter calls these), which go through the portal's
encryption at rest (audit.crypto, DATA_ENCRYPTION_KEY). ``manage.py mfa_reencrypt`` rewrites every
row under the newest key after a rotation. A value without the prefix is a secret stored before
encryption: ``decrypt`` still reads it and migration 0004 encrypts it."""

from __future__ import annotations

from audit import crypto

PURPOSE = "mfa"
PREFIX = crypto.PREFIX


def encrypt(text: str) -> str:
    return crypto.encrypt(text, purpose=PURPOSE)


def decrypt(stored: str) -> str:
    if not crypto.is_encrypted(stored):
        return stored  # written before encryption (migration 0004 encrypts these)
    return crypto.decrypt(stored, purpose=PURPOSE)


is_encrypted = crypto.is_encrypted


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
