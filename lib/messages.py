"""A service's refusal (a ValidationError with the reason in the reader's language) as the
message the next page shows — one way, instead of a hand copy in every view."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest


def refusal_text(exc: ValidationError) -> str:
    """Every reason the refusal gives, as one sentence run."""
    return " ".join(exc.messages)


def refused(request: HttpRequest, exc: ValidationError) -> None:
    """Show the refusal on the page the view goes to next."""
    messages.error(request, refusal_text(exc))


def form_errors(request: HttpRequest, form: forms.BaseForm) -> None:
    """A POST-only form's errors, shown on the page it redirects back to."""
    for errors in form.errors.values():
        messages.error(request, " ".join(str(error) for error in errors))
