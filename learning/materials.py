"""Material files: what an upload really is, and handing a file to someone allowed to have it.

The file type is read from the content by MediaInfo (pymediainfo), never from the name or the
browser's claim: an .exe renamed .mp4 has no MPEG-4 structure and no video track.

Serving goes one of three ways (settings.MATERIALS_SERVE / MATERIALS_STORAGE):
- development: Django streams the file and answers byte ranges itself (206, 416), because video
  players seek with Range requests and Safari will not play a video without them;
- production with files on disk: an empty response with X-Accel-Redirect, so nginx sends the
  bytes (ranges included) from an `internal` location no one can request directly;
- S3: a redirect to a signed URL that expires in a few minutes.
The access check happens before any of the three, in the view.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from typing import IO
from urllib.parse import quote

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from pymediainfo import MediaInfo

from learning.models import Material

# MediaInfo's name for a container -> (kind, content type served).
ACCEPTED = {
    "MPEG-4": ("video", "video/mp4"),
    "WebM": ("video", "video/webm"),
    "PDF": ("pdf", "application/pdf"),
}
CHUNK = 256 * 1024


class MaterialFileError(ValueError):
    """The upload is not a file we accept; the message says why, for the person uploading."""


@dataclasses.dataclass(frozen=True)
class Inspected:
    kind: str
    content_type: str
    duration: float | None  # seconds, videos only


def inspect_upload(upload: UploadedFile) -> Inspected:
    """What the uploaded file really is: an MP4 or WebM video with a video track and a length,
    or a PDF. Anything else raises MaterialFileError."""

    size = upload.size or 0
    if size > settings.MATERIALS_MAX_UPLOAD_BYTES:
        raise MaterialFileError(
            _("The file is %(size)s MB; the limit is %(limit)s MB.")
            % {
                "size": f"{size / 1024 / 1024:,.1f}",
                "limit": settings.MATERIALS_MAX_UPLOAD_BYTES // 1024 // 1024,
            }
        )
    path = getattr(upload, "temporary_file_path", None)
    upload.seek(0)
    info = MediaInfo.parse(path() if path else upload)
    upload.seek(0)
    general = info.general_tracks[0] if info.general_tracks else None
    container = general.format if general else None
    if container not in ACCEPTED:
        raise MaterialFileError(
            _(
                "This file is not an MP4 or WebM video or a PDF (its content is %(format)s, "
                "whatever its name says)."
            )
            % {"format": container or _("not recognised")}
        )
    kind, content_type = ACCEPTED[container]
    duration = None
    if kind == "video":
        if not info.video_tracks:
            raise MaterialFileError(_("This file has no video track (is it sound only?)."))
        milliseconds = (general.duration if general else None) or info.video_tracks[0].duration
        if not milliseconds:
            raise MaterialFileError(_("The video's length cannot be read; the file is damaged."))
        duration = float(milliseconds) / 1000
    return Inspected(kind=kind, content_type=content_type, duration=duration)


_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """(first, last) byte of a single-range header, None for no usable range (send it all).
    Raises ValueError when the range cannot be satisfied (answer 416)."""
    match = _RANGE.match(header.strip())
    if not match:
        return None  # multiple ranges or another unit: a full response is allowed (RFC 9110)
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # the last N bytes
        length = int(last)
        if length == 0:
            raise ValueError(header)
        return max(0, size - length), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or end < start:
        raise ValueError(header)
    return start, end


def _stream(handle: IO[bytes], start: int, length: int) -> Iterator[bytes]:
    try:
        handle.seek(start)
        remaining = length
        while remaining > 0:
            chunk = handle.read(min(CHUNK, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk
    finally:
        handle.close()


def file_response(request: HttpRequest, material: Material) -> HttpResponseBase:
    """The response that gets the material's bytes to the (already authorised) requester."""
    storage = material.file.storage
    name = material.file.name
    disposition = (
        content_disposition_header(
            as_attachment=False, filename=material.original_name or name.rsplit("/", 1)[-1]
        )
        or ""
    )
    if settings.MATERIALS_STORAGE == "s3":
        return HttpResponseRedirect(
            storage.url(
                name,
                parameters={
                    "ResponseContentType": material.content_type,
                    "ResponseContentDisposition": disposition,
                },
            )
        )
    if settings.MATERIALS_SERVE == "nginx":
        response = HttpResponse(content_type=material.content_type)
        response["X-Accel-Redirect"] = settings.MATERIALS_ACCEL_PREFIX + quote(name or "")
        response["Content-Disposition"] = disposition
        _private(response)
        return response
    size = storage.size(name)
    header = request.headers.get("Range", "")
    try:
        span = parse_range(header, size) if header else None
    except ValueError:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        _private(response)
        return response
    start, end = span if span else (0, size - 1)
    length = end - start + 1 if size else 0
    streaming = StreamingHttpResponse(
        _stream(storage.open(name, "rb"), start, length),
        status=206 if span else 200,
        content_type=material.content_type,
    )
    streaming["Content-Length"] = str(length)
    streaming["Accept-Ranges"] = "bytes"
    if span:
        streaming["Content-Range"] = f"bytes {start}-{end}/{size}"
    streaming["Content-Disposition"] = disposition
    _private(streaming)
    return streaming


def _private(response: HttpResponseBase) -> None:
    # Personal access decides who gets the file: no shared cache may keep it.
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
