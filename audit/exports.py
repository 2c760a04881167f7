"""Every export is an audit event: personal data leaving the portal is recorded where it is
written. The file itself is made by the shared writer (lib.exports: CSV with BOM or CP932,
XLSX, formulas neutralised, streamed when large); this adds the record, and for personal data:

- re-authentication (allauth's flow) first, unless the person re-entered their password within
  ACCOUNT_REAUTHENTICATION_TIMEOUT (EXPORT_REAUTHENTICATION);
- the password-protected XLSX (ファイルにパスワード, issue 21): asked for with
  ``?format=xlsx-protected``, the page first shows a one-time password made for this download
  (never sent with the file, nor by e-mail: no PPAP); the download link then carries only a
  token, and the file is encrypted with that password. EXPORT_PROTECTION_REQUIRED makes it the
  only way personal data leaves.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable, Sequence
from typing import Any

from allauth.account.internal.flows.reauthentication import raise_if_reauthentication_required
from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render

from audit import crypto
from audit.services import audit_event_record, export_subjects_record
from lib.exports import PROTECTED, download

SESSION_KEY = "protected_exports"
PASSWORD_PURPOSE = "export-password"  # noqa: S105 - the purpose a key is derived for
# Letters and digits that cannot be mistaken for one another when read off a screen.
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"
TOKEN_SECONDS = 600


def one_time_password() -> str:
    """Fifteen characters in three groups (about 87 bits): easy to type, hard to guess."""
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(15))
    return "-".join(raw[i : i + 5] for i in range(0, 15, 5))


def _prepare(request: HttpRequest) -> HttpResponse:
    """Step 1: a password for one download of this export, shown once; the session keeps it
    encrypted under a token the download link carries."""
    password = one_time_password()
    token = secrets.token_urlsafe(16)
    pending = {
        t: entry for t, entry in request.session.get(SESSION_KEY, {}).items()
        if entry["expires"] > time.time()
    }  # fmt: skip
    pending[token] = {
        "password": crypto.encrypt(password, purpose=PASSWORD_PURPOSE),
        "path": request.path,
        "expires": time.time() + TOKEN_SECONDS,
    }
    request.session[SESSION_KEY] = pending
    query = request.GET.copy()
    query["format"] = PROTECTED
    query["token"] = token
    return render(request, "audit/export_password.html", {
        "password": password, "download": f"{request.path}?{query.urlencode()}",
        "minutes": TOKEN_SECONDS // 60,
    })  # fmt: skip


def _claim(request: HttpRequest) -> str | None:
    """Step 2: the password of the token in the link, used once."""
    token = request.GET.get("token", "")
    pending = request.session.get(SESSION_KEY, {})
    entry = pending.pop(token, None)
    request.session[SESSION_KEY] = pending
    if entry is None or entry["path"] != request.path or entry["expires"] < time.time():
        return None
    return crypto.decrypt(entry["password"], purpose=PASSWORD_PURPOSE)


def require_recent_password(request: HttpRequest) -> None:
    """Personal data is about to leave (a file made outside export_response, such as a PDF):
    re-authentication first, as for every export (EXPORT_REAUTHENTICATION)."""
    if settings.EXPORT_REAUTHENTICATION:
        raise_if_reauthentication_required(request, app="kenshu.export")


def export_response(
    request: HttpRequest,
    *,
    name: str,
    sheet: str,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    file_format: str,
    kind: str,
    detail: dict[str, Any],
    count: int | None = None,
    subjects: Iterable[int] | None = None,
    personal: bool | None = None,
) -> HttpResponse | StreamingHttpResponse | FileResponse:
    """The download (lib.exports.download), recorded as an audit event of `kind` with
    `detail`, the format and the number of rows — written before the first byte leaves.
    `subjects` are the registry ids of the people whose data the file holds (閲覧記録:
    audit.services.export_subjects_record); None for a file about nobody in particular.
    `personal` (default: whether there are `subjects`): the file holds personal data, so it
    needs a recent re-authentication and may need a password."""
    if personal is None:
        personal = subjects is not None
    if personal:
        require_recent_password(request)
    password = None
    if file_format == PROTECTED:
        if "token" not in request.GET:
            return _prepare(request)
        password = _claim(request)
        if password is None:
            return render(request, "audit/export_password.html", {"expired": True}, status=410)
    elif personal and settings.EXPORT_PROTECTION_REQUIRED:
        query = request.GET.copy()
        query["format"] = PROTECTED
        return render(request, "audit/export_password.html", {
            "required": True, "protected": f"{request.path}?{query.urlencode()}",
        }, status=403)  # fmt: skip
    response, count = download(
        name=name, sheet=sheet, header=header, rows=rows, file_format=file_format, count=count,
        password=password,
    )  # fmt: skip
    seen = export_subjects_record(request=request, ids=subjects) if subjects is not None else {}
    audit_event_record(
        kind=kind,
        request=request,
        detail={**detail, "format": file_format, "rows": count, **seen},
    )
    return response
