from __future__ import annotations

from functools import cached_property

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.validators import ASCIIUsernameValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from trainees.roles import MFA_REQUIRED_ROLES, Role


class Organisation(models.Model):
    """所属: a ward department/section/unit (部 > 課 > 係), or an affiliated external organisation.

    Organisations are never deleted: training history refers to them after a reorganisation.
    """

    code = models.CharField(_("organisation code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    is_external = models.BooleanField(
        _("external organisation"),
        default=False,
        help_text=_(
            "An affiliated organisation (社会福祉協議会, 財団 …) whose staff attend ward courses."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_from__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="organisation_valid_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


def user_display(user: User) -> str:
    """How allauth and the templates name a person: their name, else their login ID."""
    return user.full_name or user.username


class User(AbstractUser):
    """An account. Ward staff log in with their staff number (職員番号), anyone with their e-mail.

    Accounts are provisioned by HR (``manage.py create_account``, the admin, later the roster
    import); there is no public sign-up. Roles are Django groups, see ``trainees.roles``.
    """

    username_validator = ASCIIUsernameValidator()

    username = models.CharField(
        _("login ID"),
        max_length=64,
        unique=True,
        help_text=_("Staff number for ward staff. Letters, digits and @ . + - _ only."),
        validators=[username_validator],
        error_messages={"unique": _("An account with this login ID already exists.")},
    )
    first_name = None
    last_name = None
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    language = models.CharField(
        _("language"),
        max_length=8,
        blank=True,
        choices=[("ja", "日本語"), ("en", "English")],
        help_text=_("The language of the portal for this person; blank follows the browser."),
    )
    coordinated_organisations = models.ManyToManyField(
        Organisation,
        verbose_name=_("organisations coordinated"),
        blank=True,
        related_name="coordinators",
        help_text=_(
            "For department coordinators: the organisations (and their sub-units) they act for."
        ),
    )

    REQUIRED_FIELDS = ["email"]

    class Meta:
        verbose_name = _("user account")
        verbose_name_plural = _("user accounts")
        ordering = ["username"]
        permissions = [
            ("use_hr_console", _("Can use the HR administration pages")),
            ("use_coordinator_pages", _("Can use the department coordinator pages")),
            ("use_trainee_pages", _("Can use the trainee pages")),
        ]

    def __str__(self) -> str:
        return self.username

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name

    @cached_property
    def roles(self) -> frozenset[Role]:
        """The roles this person holds (one query per request, then cached on the instance)."""
        valid = {role.value for role in Role}
        names = self.groups.filter(name__in=valid).values_list("name", flat=True)
        return frozenset(Role(name) for name in names)

    def has_role(self, role: Role) -> bool:
        return role in self.roles

    @property
    def requires_mfa(self) -> bool:
        return self.is_superuser or bool(self.roles & MFA_REQUIRED_ROLES)
