"""Every export is an audit event: personal data leaving the portal is recorded where it is
written. The file itself is made by the shared writer (lib.exports: CSV with BOM or CP932,
XLSX, formulas neutralised, streamed when large); this adds the record.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse

from audit.services import audit_event_record, export_subjects_record
from lib.exports import download


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
) -> HttpResponse | StreamingHttpResponse | FileResponse:
    """The download (lib.exports.download), recorded as an audit event of `kind` with
    `detail`, the format and the number of rows — written before the first byte leaves.
    `subjects` are the registry ids of the people whose data the file holds (閲覧記録:
    audit.services.export_subjects_record); None for a file about nobody in particular."""
    response, count = download(
        name=name, sheet=sheet, header=header, rows=rows, file_format=file_format, count=count
    )
    seen = export_subjects_record(request=request, ids=subjects) if subjects is not None else {}
    audit_event_record(
        kind=kind,
        request=request,
        detail={**detail, "format": file_format, "rows": count, **seen},
    )
    return response
