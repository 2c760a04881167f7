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

A large export (more than EXPORT_BACKGROUND_ROWS rows) is made by a background job rather than
in the request (issue 23): an export that can be large is *named* — ``@export_builder`` keeps the
function that builds it from the person and the query, so the job builds the same file later —
and the view calls ``export_named``. The checks above and the audit event happen in the request
as for any export; the job (started through the hook the ``jobs`` app registers, since this
bottom app may not import it) makes the file, which only the person who asked may download.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterable, Sequence, Sized
from dataclasses import dataclass, field
from typing import Any

from allauth.account.internal.flows.reauthentication import raise_if_reauthentication_required
from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import render

from audit import crypto
from audit.services import audit_event_record, export_subjects_record
from lib.exports import PROTECTED, download, requested_format

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


@dataclass
class Export:
    """One named export's file, as its builder makes it for a person and a query: what
    export_response needs, the same in the request and in the background job."""

    name: str  # the file's name before its date
    sheet: str
    header: Sequence[str]
    rows: Iterable[Sequence[Any]]
    kind: str  # the audit event's kind
    detail: dict[str, Any]
    title: str  # what the job page calls the work: "職員名簿（全件）"
    count: int | None = None
    subjects: Iterable[int] | None = None
    personal: bool | None = None
    page: str = ""  # the page the download was asked from (the job page links back to it)


# builder(user, query, **args) -> Export: `query` is the download link's query string, `args`
# the URL's own arguments (a course's id …), both kept in the job's parameters.
Builder = Callable[..., Export]


@dataclass(frozen=True)
class Named:
    builder: Builder
    # Any one of these lets the person ask for it; the job keeps the one they held, and its
    # file is theirs only while they still hold it.
    permissions: tuple[str, ...] = field(default_factory=tuple)


BUILDERS: dict[str, Named] = {}


def export_builder(name: str, *, permissions: Sequence[str]) -> Callable[[Builder], Builder]:
    """Name an export that can be large, so a background job can make it again."""

    def register(builder: Builder) -> Builder:
        BUILDERS[name] = Named(builder, tuple(permissions))
        return builder

    return register


# What starts the background job: (request, export name, its parameters, the Export) -> (the
# page to send the person to, what the audit event adds, e.g. the job's number). Registered by
# the jobs app at start-up (jobs/background.py).
Starter = Callable[[HttpRequest, str, dict[str, Any], Export], tuple[HttpResponse, dict[str, Any]]]
_starters: list[Starter] = []


def background_starter(starter: Starter) -> None:
    _starters[:] = [starter]


def export_query(query: QueryDict) -> str:
    """The download link's query as the job keeps it: without the one-time token."""
    kept = query.copy()
    kept.pop("token", None)
    return kept.urlencode()


def page_link(path: str, query: QueryDict) -> str:
    """The page a download was asked from, with its filter but not the download's own keys."""
    kept = query.copy()
    for key in ("format", "encoding", "token"):
        kept.pop(key, None)
    return f"{path}?{kept.urlencode()}" if kept else path


def export_named(request: HttpRequest, name: str, **args: Any) -> HttpResponseBase:
    """The download of a named export: made in the request when small, by a background job
    when it has more than EXPORT_BACKGROUND_ROWS rows."""
    spec = BUILDERS[name].builder(request.user, request.GET, **args)
    return export_response(
        request, name=spec.name, sheet=spec.sheet, header=spec.header, rows=spec.rows,
        file_format=requested_format(request), kind=spec.kind, detail=spec.detail,
        count=spec.count, subjects=spec.subjects, personal=spec.personal,
        background=(name, {"args": args, "query": export_query(request.GET)}, spec),
    )  # fmt: skip


def password_seal(password: str) -> str:
    """A protected export's one-time password as a background job keeps it until it is used."""
    return crypto.encrypt(password, purpose=PASSWORD_PURPOSE)


def password_unseal(sealed: str) -> str:
    return crypto.decrypt(sealed, purpose=PASSWORD_PURPOSE)


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
    background: tuple[str, dict[str, Any], Export] | None = None,
) -> HttpResponseBase:
    """The download (lib.exports.download), recorded as an audit event of `kind` with
    `detail`, the format and the number of rows — written before the first byte leaves.
    `subjects` are the registry ids of the people whose data the file holds (閲覧記録:
    audit.services.export_subjects_record); None for a file about nobody in particular.
    `personal` (default: whether there are `subjects`): the file holds personal data, so it
    needs a recent re-authentication and may need a password. `background` (export_named):
    the named export and its parameters, made by a job when it is large."""
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
    if count is None:
        if not isinstance(rows, Sized):
            rows = list(rows)
        count = len(rows)
    response: HttpResponseBase
    if background is not None and _starters and count > settings.EXPORT_BACKGROUND_ROWS:
        export, params, spec = background
        params = {**params, "format": file_format, "rows": count,
                  "password": password_seal(password) if password else ""}  # fmt: skip
        response, added = _starters[0](request, export, params, spec)
    else:
        response, count = download(
            name=name, sheet=sheet, header=header, rows=rows, file_format=file_format,
            count=count, password=password,
        )  # fmt: skip
        added = {}
    seen = export_subjects_record(request=request, ids=subjects) if subjects is not None else {}
    audit_event_record(
        kind=kind,
        request=request,
        detail={**detail, "format": file_format, "rows": count, **seen, **added},
    )
    return response
