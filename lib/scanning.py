"""ウイルス対策: every uploaded file is scanned by ClamAV (clamd, through ``clamav-client``) before
the portal accepts it — config/uploads.py runs this on every upload as it arrives.

Configured by CLAMD_SOCKET (a Unix socket) or CLAMD_HOST/CLAMD_PORT; unset, nothing is scanned
(the embedded default: the auditor's checklist page says so). A scanner that cannot answer
refuses the upload (fail closed) unless CLAMD_FAIL_OPEN is set, for development only.
Shared machinery that is no domain (lib/): every app may use it, it uses none."""

from __future__ import annotations

import logging
from typing import IO, Any, BinaryIO, cast

from clamav_client.clamd import (
    BufferTooLongError,
    ClamdError,
    ClamdNetworkSocket,
    ClamdUnixSocket,
)
from django.conf import settings
from django.core.exceptions import BadRequest
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)


class ScanRefused(BadRequest):
    """The upload is refused; ``message`` says why in the reader's language."""

    message: Any = ""


class InfectedFile(ScanRefused):
    message = _(
        "The file contains a virus or other malware and was not accepted. Do not open it; tell "
        "the person who sent it, and the system administrator."
    )

    def __init__(self, signature: str) -> None:
        super().__init__(signature)
        self.signature = signature


class ScannerUnavailable(ScanRefused):
    message = _(
        "Files cannot be uploaded just now: the virus scanner is not answering. Try again in a "
        "few minutes; if it goes on, tell the system administrator."
    )


class TooLargeToScan(ScanRefused):
    message = _(
        "The file is larger than the virus scanner accepts, so it was not accepted. Ask the "
        "system administrator to raise the scanner's limit (StreamMaxLength)."
    )


def configured() -> bool:
    return bool(settings.CLAMD_SOCKET or settings.CLAMD_HOST)


def _client() -> ClamdUnixSocket | ClamdNetworkSocket:
    if settings.CLAMD_SOCKET:
        return ClamdUnixSocket(path=settings.CLAMD_SOCKET, timeout=int(settings.CLAMD_TIMEOUT))
    return ClamdNetworkSocket(
        host=settings.CLAMD_HOST or "",
        port=settings.CLAMD_PORT,
        timeout=int(settings.CLAMD_TIMEOUT),
    )


def scan(stream: IO[bytes]) -> None:
    """Scan a file from its start (and leave it there). Raises InfectedFile, TooLargeToScan or
    — unless CLAMD_FAIL_OPEN — ScannerUnavailable; returns when the file is clean or when no
    scanner is configured."""
    if not configured():
        return
    stream.seek(0)
    try:
        result = _client().instream(cast(BinaryIO, stream))
    except BufferTooLongError as exc:
        raise TooLargeToScan("stream too long") from exc
    except (ClamdError, OSError) as exc:
        if settings.CLAMD_FAIL_OPEN:
            logger.warning("virus scanner unavailable, upload let through (CLAMD_FAIL_OPEN)")
            return
        raise ScannerUnavailable(str(exc)) from exc
    finally:
        stream.seek(0)
    status, signature = result.get("stream", ("ERROR", None))
    if status == "FOUND":
        raise InfectedFile(signature or "unknown")
    if status != "OK":
        if settings.CLAMD_FAIL_OPEN:
            return
        raise ScannerUnavailable(f"clamd answered {status}: {signature}")


def version() -> str | None:
    """clamd's version line — engine, signature database version and its date — or None when
    it does not answer."""
    try:
        return _client().version()
    except (ClamdError, OSError):
        return None
