"""Every upload scanned as it arrives (ウイルス対策, issue 21): the upload handlers are Django's
own, each scanning the finished file (lib.scanning) before anything reads the form. An infected
file, or a scanner that cannot answer, stops the request before the view runs — nothing is
half-written — with a page that says why (``bad_request``) and an audit event. Every upload
path (materials, the roster, history imports, question banks, the certificate seal, the admin)
goes through here, and so will any new one."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import MemoryFileUploadHandler, TemporaryFileUploadHandler
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from audit.models import AuditEventKind
from audit.services import audit_event_record
from lib import scanning


class _Scanning:
    request: HttpRequest | None

    def file_complete(self, file_size: int) -> UploadedFile | None:
        uploaded = super().file_complete(file_size)  # type: ignore[misc]
        if uploaded is not None:
            try:
                scanning.scan(uploaded)
            except scanning.ScanRefused as exc:
                infected = isinstance(exc, scanning.InfectedFile)
                name = uploaded.name or ""
                audit_event_record(
                    kind=AuditEventKind.UPLOAD_INFECTED if infected
                    else AuditEventKind.UPLOAD_NOT_SCANNED,
                    request=self.request, best_effort=True,
                    # The file's name can name a person: only its kind and size are kept.
                    detail={"signature": getattr(exc, "signature", ""), "size": file_size,
                            "extension": name.rsplit(".", 1)[-1][:10] if "." in name else "",
                            "path": self.request.path if self.request else ""},
                )  # fmt: skip
                raise
        return uploaded


class ScanningMemoryFileUploadHandler(_Scanning, MemoryFileUploadHandler):
    pass


class ScanningTemporaryFileUploadHandler(_Scanning, TemporaryFileUploadHandler):
    pass


def bad_request(request: HttpRequest, exception: Any) -> HttpResponse:
    """handler400: an upload the scanner refused gets a page that says why (503 when the scanner
    is down: try again later); any other bad request the usual 400 page."""
    if isinstance(exception, scanning.ScanRefused):
        status = 503 if isinstance(exception, scanning.ScannerUnavailable) else 400
        return render(request, "400_upload.html", {"message": exception.message}, status=status)
    return render(request, "400.html", status=400)
