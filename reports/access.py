"""Whose history a person may see: HR anyone's, a coordinator their organisations' staff
(sub-units included); others a 403, someone out of scope a 404."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from trainees.http import AuthenticatedHttpRequest
from trainees.models import Trainee
from trainees.roles import COORDINATOR_PAGES, HR_CONSOLE
from trainees.selectors import trainee_scope


def trainee_in_scope_or_404(request: AuthenticatedHttpRequest, pk: int) -> Trainee:
    """A trainee HR (anyone) or a coordinator (their organisations' staff) may see; others
    get a 403, someone out of scope a 404."""
    user = request.user
    if not (user.has_perm(HR_CONSOLE) or user.has_perm(COORDINATOR_PAGES)):
        raise PermissionDenied
    return get_object_or_404(trainee_scope(user).select_related("organisation", "user"), pk=pk)
