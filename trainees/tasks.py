from __future__ import annotations

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from celery import Task, shared_task
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from trainees.models import User
from trainees.records import transfers_apply_due


@shared_task(ignore_result=True)
def clear_expired_sessions() -> int:
    """Delete expired sessions (run hourly by beat): idle sessions should not linger in the DB."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


@shared_task(bind=True, autoretry_for=(OSError,), retry_backoff=30, max_retries=5, acks_late=True)
def send_invitation(self: Task, user_id: int) -> bool:
    """E-mail a one-time link to set a first password. Does nothing if the account already has
    a password (so a retry or a second click never sends a working link twice)."""

    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or user.has_usable_password() or not user.email:
        return False
    path = reverse(
        "account_reset_password_from_key",
        kwargs={
            "uidb36": user_pk_to_url_str(user),
            "key": default_token_generator.make_token(user),
        },
    )
    with translation.override(user.language or settings.LANGUAGE_CODE):
        context = {
            "user": user,
            "url": settings.PORTAL_BASE_URL + path,
            "portal": settings.PORTAL_BASE_URL,
        }
        subject = render_to_string("trainees/email/invitation_subject.txt", context).strip()
        body = render_to_string("trainees/email/invitation_body.txt", context)
    send_mail(subject, body, None, [user.email])
    return True


@shared_task(ignore_result=True)
def apply_planned_transfers() -> dict[str, int]:
    """Planned transfers whose day has come (Celery beat, every morning). Safe to run again."""
    return transfers_apply_due()
