"""Certificates of completion (修了証): the trainee's own, HR's per session (one by one, or all
as a ZIP or one PDF made by a background job), revocation, the issuer and seal, and the public
verification page the QR code opens."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.services import subject_views_record
from courses.models import Session
from enrollments.access import own_enrollment_or_404
from jobs.services import jobs_for
from lib.access import access
from lib.messages import refused
from reports import services
from reports.certificates import certificates_pdf, number_of, verification_url
from reports.models import Certificate
from trainees.http import AuthenticatedHttpRequest
from trainees.roles import HR_CONSOLE, TRAINEE_PAGES


def _pdf(certificate: Certificate) -> HttpResponse:
    response = HttpResponse(
        certificates_pdf([certificate], services.authority_current()),
        content_type="application/pdf",
    )
    response["Content-Disposition"] = f'attachment; filename="certificate-{certificate.number}.pdf"'
    return response


@access(TRAINEE_PAGES)
@require_GET
def my_certificate(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The trainee's certificate for a completed place (issued the first time it is asked for)."""
    enrollment = own_enrollment_or_404(request, pk)
    try:
        certificate = services.certificate_issue(enrollment=enrollment, actor=request.user)
    except ValidationError as exc:
        refused(request, exc)
        return redirect("my_history")
    if certificate.revoked_at:
        messages.error(request, _("This certificate has been revoked. Ask the training centre."))
        return redirect("my_history")
    return _pdf(certificate)


FORMATS = [("zip", gettext_lazy("ZIP of PDF files")), ("pdf", gettext_lazy("One PDF, a page each"))]


class BatchForm(forms.Form):
    kind = forms.ChoiceField(choices=FORMATS)


@access(HR_CONSOLE)
@require_http_methods(["GET", "POST"])
def session_certificates(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(Session.objects.select_related("course"), pk=pk)
    form = BatchForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            job = services.certificate_batch_start(
                session=session, file_format=form.cleaned_data["kind"], actor=request.user
            )
            return redirect("job_detail", pk=job.pk)
        messages.error(request, _("Choose ZIP or PDF."))
    places = services.session_completed_places(session).select_related("trainee", "certificate")
    return render(
        request,
        "reports/session_certificates.html",
        {
            "session": session,
            "places": places.order_by("trainee__staff_number"),
            "jobs": jobs_for(user=request.user, about=f"session:{session.pk}", limit=5),
            "kinds": FORMATS,
        },
    )


@access(HR_CONSOLE)
@require_GET
def certificate_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    certificate = get_object_or_404(
        Certificate.objects.select_related("enrollment__trainee"), pk=pk
    )
    trainee = certificate.enrollment.trainee
    subject_views_record(request=request, subjects=[trainee], what="certificate")
    if request.GET.get("format") == "pdf":
        return _pdf(certificate)
    return render(
        request,
        "reports/certificate_detail.html",
        {"certificate": certificate, "url": verification_url(certificate),
         "form": RevokeForm()},
    )  # fmt: skip


class RevokeForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("reason for revoking"), max_length=300)


@access(HR_CONSOLE)
@require_POST
def certificate_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    certificate = get_object_or_404(Certificate, pk=pk)
    form = RevokeForm(request.POST)
    if form.is_valid():
        services.certificate_revoke(
            certificate=certificate, reason=form.cleaned_data["reason"], actor=request.user
        )
        messages.success(request, _("The certificate was revoked."))
    else:
        messages.error(request, _("Say why the certificate is revoked."))
    return redirect("certificate_detail", pk=certificate.pk)


class AuthorityForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("issued by"),
        max_length=100,
        help_text=gettext_lazy("Printed above the seal, e.g. 新宿区人材育成センター所長."),
    )
    seal = forms.FileField(
        label=gettext_lazy("seal image (PNG or JPEG, up to 512 KB)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg"}),
    )

    def clean_seal(self) -> bytes | None:
        upload = self.cleaned_data.get("seal")
        if not upload:
            return None
        if upload.size > services.SEAL_MAX_BYTES:
            raise ValidationError(_("The seal image must be 512 KB or smaller."))
        data = upload.read()
        services.seal_png(data)  # refuses what is not a clean PNG/JPEG
        return data


@access(HR_CONSOLE)
@require_http_methods(["GET", "POST"])
def authority(request: AuthenticatedHttpRequest) -> HttpResponse:
    current = services.authority_current()
    form = AuthorityForm(
        request.POST or None, request.FILES or None, initial={"name": current.name if current
                                                              else ""},
    )  # fmt: skip
    if request.method == "POST" and form.is_valid():
        services.authority_save(
            name=form.cleaned_data["name"], seal=form.cleaned_data["seal"], actor=request.user
        )
        messages.success(request, _("The issuer of the certificates was saved."))
        return redirect("certificate_authority")
    return render(
        request,
        "reports/certificate_authority.html",
        {"form": form, "current": current},
    )


@access(HR_CONSOLE)
@require_GET
def authority_seal(request: AuthenticatedHttpRequest) -> HttpResponse:
    current = services.authority_current()
    if current is None or not current.seal_png:
        raise Http404
    return HttpResponse(bytes(current.seal_png), content_type="image/png")


@require_GET
def verify(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    """Public: whether a certificate is genuine and current — name, course, date, nothing more.
    A tampered code is refused without looking anything up."""
    number = number_of(code)
    certificate = Certificate.objects.filter(number=number).first() if number else None
    status = 200 if certificate else 404
    return render(
        request,
        "reports/certificate_verify.html",
        {"certificate": certificate, "tampered": number is None},
        status=status,
    )
