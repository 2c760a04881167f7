"""Certificates of completion (修了証): the verification code, and the PDF — one page per
certificate, so one certificate and a session's hundreds are the same drawing.

The code printed (and in the QR code) is ``<number>.<signature>``: the signature is an HMAC of
the number with CERTIFICATE_KEY (a key of its own, so rotating SECRET_KEY leaves printed QR
codes valid; CERTIFICATE_KEY_FALLBACKS keeps the codes signed with an earlier key valid), so a
number typed or altered by hand is refused before the database is asked, and a genuine number
shows what was issued — name, course, date — and whether it has been revoked."""

from __future__ import annotations

import datetime
import hmac
import io
from collections.abc import Iterable

from django.conf import settings
from django.urls import reverse
from django.utils.crypto import salted_hmac
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from lib import pdf
from lib.japanese import to_wareki
from reports.models import Certificate, IssuingAuthority

SALT = "reports.certificate"


def signature(number: str, key: str | None = None) -> str:
    secret = key if key is not None else settings.CERTIFICATE_KEY
    return salted_hmac(SALT, number, secret=secret, algorithm="sha256").hexdigest()[:20]


def verification_code(certificate: Certificate) -> str:
    return f"{certificate.number}.{signature(certificate.number)}"


def number_of(code: str) -> str | None:
    """The certificate number a verification code stands for, or None if it was tampered."""
    number, _dot, given = code.rpartition(".")
    if not number:
        return None
    keys = [settings.CERTIFICATE_KEY, *settings.CERTIFICATE_KEY_FALLBACKS]
    if not any(hmac.compare_digest(signature(number, key), given) for key in keys):
        return None
    return number


def verification_url(certificate: Certificate) -> str:
    path = reverse("certificate_verify", args=[verification_code(certificate)])
    return f"{settings.PORTAL_BASE_URL}{path}"


def _date(day: datetime.date) -> str:
    return f"{to_wareki(day)}（{day.year}年{day.month}月{day.day}日）"


def _page(sheet: canvas.Canvas, certificate: Certificate, seal: ImageReader | None) -> None:
    width, height = A4
    mm = pdf.mm
    serif = pdf.font(serif=True)
    sheet.setTitle(f"修了証 {certificate.number}")
    sheet.setLineWidth(2)
    sheet.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
    sheet.setLineWidth(0.6)
    sheet.rect(15 * mm, 15 * mm, width - 30 * mm, height - 30 * mm)
    sheet.setFont(serif, 10)
    sheet.drawRightString(width - 25 * mm, height - 28 * mm, f"第 {certificate.number} 号")
    sheet.setFont(serif, 36)
    sheet.drawCentredString(width / 2, height - 65 * mm, "修　了　証")
    sheet.setFont(serif, 20)
    sheet.drawCentredString(width / 2, height - 95 * mm, f"{certificate.trainee_name}　様")
    sheet.setFont(serif, 13)
    lines = [
        "あなたは下記の研修を修了したことを証します。",
        "",
        f"研修名　{certificate.course_title}",
        f"期　間　{_date(certificate.first_day)}"
        + ("" if certificate.last_day == certificate.first_day else " 〜"),
    ]
    if certificate.last_day != certificate.first_day:
        lines.append(f"　　　　{_date(certificate.last_day)}")
    lines.append(f"時　間　{certificate.hours}時間")
    if certificate.valid_until:
        lines.append(f"有効期限　{_date(certificate.valid_until)}")
    y = height - 120 * mm
    for line in lines:
        sheet.drawString(35 * mm, y, line)
        y -= 10 * mm
    sheet.drawString(35 * mm, 95 * mm, _date(certificate.issued_on))
    sheet.setFont(serif, 15)
    sheet.drawRightString(width - 45 * mm, 75 * mm, certificate.issued_by)
    if seal is not None:
        sheet.drawImage(seal, width - 45 * mm, 66 * mm, 24 * mm, 24 * mm, mask="auto",
                        preserveAspectRatio=True)  # fmt: skip
    url = verification_url(certificate)
    widget = QrCodeWidget(url)
    left, bottom, right, top = widget.getBounds()
    size = 26 * mm
    drawing = Drawing(size, size, transform=[size / (right - left), 0, 0,
                                             size / (top - bottom), 0, 0])  # fmt: skip
    drawing.add(widget)
    renderPDF.draw(drawing, sheet, 22 * mm, 22 * mm)
    sheet.setFont(pdf.font(), 7)
    sheet.drawString(
        52 * mm, 34 * mm, "この修了証が本物で有効かどうかは、QRコードまたは次のURLで確認できます。"
    )
    sheet.drawString(52 * mm, 29 * mm, url)
    sheet.showPage()


def certificates_pdf(
    certificates: Iterable[Certificate], authority: IssuingAuthority | None
) -> bytes:
    """One page per certificate, in the Japanese serif font (embedded)."""
    buffer = io.BytesIO()
    sheet = canvas.Canvas(buffer, pagesize=A4)
    seal = (
        ImageReader(io.BytesIO(bytes(authority.seal_png)))
        if authority is not None and authority.seal_png
        else None
    )
    for certificate in certificates:
        _page(sheet, certificate, seal)
    sheet.save()
    return buffer.getvalue()
