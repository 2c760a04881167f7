"""The inbox notice that ends a background job (jobs.events.job_finished)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.dispatch import receiver
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from jobs.events import job_finished
from jobs.models import Job
from notices.services import notices_send


@receiver(job_finished)
def tell_the_owner(sender: Any, job: Job, **kwargs: Any) -> None:
    with translation.override(getattr(job.owner, "language", "") or settings.LANGUAGE_CODE):
        if job.state == Job.State.DONE:
            title = _("Ready: %(what)s") % {"what": job.title}
            body = job.summary or _("The work you asked for is done. Open the notice to take it.")
        else:
            title = _("Failed: %(what)s") % {"what": job.title}
            body = job.error
    notices_send(user_ids=[job.owner_id], kind="info", title=title[:200], body=body,
                 link=reverse("job_detail", args=[job.pk]))  # fmt: skip
