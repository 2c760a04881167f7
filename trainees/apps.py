from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles(sender: AppConfig, **kwargs: object) -> None:
    from trainees.services import role_groups_sync

    role_groups_sync(using=str(kwargs.get("using", "default")))


class TraineesConfig(AppConfig):
    name = "trainees"
    verbose_name = _("Trainees and accounts")

    def ready(self) -> None:
        from audit.kinds import register_event_kinds
        from trainees.audit_kinds import TraineesEventKind

        register_event_kinds(TraineesEventKind)
        # After every migrate (the permissions exist by then), the role groups hold exactly the
        # permissions listed in trainees.roles. The audit app migrates after this one, so its
        # signal is the one that sees every permission; running on both keeps it idempotent.
        post_migrate.connect(_sync_roles, dispatch_uid="trainees.sync_roles")
        from trainees import permission_cache

        permission_cache.connect()  # a change of permissions renews the cache's generation
        from django.contrib.auth.signals import user_logged_in

        from trainees.sessions import stamp_at_login

        user_logged_in.connect(stamp_at_login, dispatch_uid="trainees.session_stamp")
        from allauth.mfa.models import Authenticator

        from audit.selectors import register_detail_values

        register_detail_values("type", Authenticator.Type.choices)
