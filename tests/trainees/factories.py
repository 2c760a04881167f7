from __future__ import annotations

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Group

from lib.japanese import search_key
from trainees.models import EmploymentType, Organisation, RosterImport, Trainee, User
from trainees.roles import STAFF_ROLES, Role

PASSWORD = "correct-horse-battery"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"{500000 + n}")
    name = factory.Sequence(lambda n: f"テスト課{n}")


class UserFactory(factory.django.DjangoModelFactory):
    """A user with roles: ``UserFactory(roles=[Role.HR_ADMIN], totp=True)``."""

    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"{700000 + n}")
    full_name = factory.Sequence(lambda n: f"試験 太郎{n}")
    email = factory.LazyAttribute(lambda o: f"user{o.username}@example.jp")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def roles(self, create: bool, extracted: list[Role] | None, **kwargs: object) -> None:
        roles = [Role.TRAINEE] if extracted is None else list(extracted)
        self.groups.set(Group.objects.filter(name__in=[r.value for r in roles]))
        if set(roles) & STAFF_ROLES and not self.is_staff:
            self.is_staff = True
            self.save(update_fields=["is_staff"])
        self.forget_roles()
        if self.email:
            EmailAddress.objects.get_or_create(
                user=self, email=self.email, defaults={"verified": True, "primary": True}
            )

    @factory.post_generation
    def totp(self, create: bool, extracted: bool | None, **kwargs: object) -> None:
        if extracted:
            self.totp_secret = generate_totp_secret()
            TOTP.activate(self, self.totp_secret)
            RecoveryCodes.activate(self)


class TraineeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Trainee

    staff_number = factory.Sequence(lambda n: f"{800000 + n:06d}")
    name = factory.Sequence(lambda n: f"名簿 花子{n}")
    name_kana = "メイボ ハナコ"
    organisation = factory.SubFactory(OrganisationFactory)
    employment_type = EmploymentType.REGULAR
    email = factory.LazyAttribute(lambda o: f"t{o.staff_number}@city.example.jp")
    # As the roster import and the record pages keep it (trainees.roster_import._search_text).
    search_text = factory.LazyAttribute(
        lambda o: search_key(f"{o.staff_number} {o.name} {o.name_kana}")[:400]
    )


class RosterImportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RosterImport

    file_name = "roster.csv"
    sha256 = "0" * 64
    size = 100
    mode = "full"
    status = RosterImport.Status.COMMITTED
