from datetime import timedelta

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group

from accounts.models import Membership, MembershipRole, Organisation, OrganisationKind, User

VALID_BUSINESS_IDS = ["0245437-2", "0246246-0", "0201256-6"]


def business_id_for(n: int) -> str:
    """A valid Business ID for sequence number n (check digit computed, remainder 1 skipped)."""
    weights = (7, 9, 10, 5, 8, 4, 2)
    while True:
        digits = f"{1000000 + n * 7:07d}"[-7:]
        remainder = sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
        if remainder != 1:
            return f"{digits}-{0 if remainder == 0 else 11 - remainder}"
        n += 100003


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    full_name = factory.Faker("name", locale="fi_FI")
    language = "en"
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery-staple")

    @factory.post_generation
    def verified(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.save()
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


class StaffFactory(UserFactory):
    is_staff = True

    @factory.post_generation
    def groups(self, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        """The staff groups by name: an officer unless told otherwise (`groups=[]`: staff with no role)."""
        if create:
            self.groups.add(*Group.objects.filter(name__in=["officer"] if extracted is None else extracted))


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n} Oy")
    business_id = factory.Sequence(business_id_for)
    kind = OrganisationKind.COMPANY
    street_address = "Testikatu 1"
    postal_code = "00100"
    city = "Helsinki"
    contact_email = factory.Sequence(lambda n: f"office{n}@example.test")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    organisation = factory.SubFactory(OrganisationFactory)
    user = factory.SubFactory(UserFactory)
    role = MembershipRole.MEMBER
    is_signatory = False


def complete_application_fields() -> dict:
    """Every field a complete application needs, besides product, purpose and data groups."""
    from applications.catalogue import SECURITY_THEME_CODES

    text = "Kuvaus, joka on riittävän pitkä ja yksilöity tätä hakemusta varten."
    return {
        "purpose_description": "Saatavien perintä asiakkailta, joiden osoite on muuttunut.",
        "legal_basis": "Laki saatavien perinnästä (513/1999).",
        "use_description": text,
        "access_description": text,
        "storage_description": text,
        "retention_description": text,
        "onward_disclosure": "Ei luovutuksia.",
        "security_report": {code: text for code in SECURITY_THEME_CODES},
        "system_description": text,
        "integration_method": text,
        "hosting_description": text,
        "test_environment": text,
        "responsible_name": "Vastuu Henkilö",
        "responsible_email": "vastuu@example.test",
        "responsible_phone": "+358 40 123 4567",
        "technical_name": "Tekninen Yhteys",
        "technical_email": "tekninen@example.test",
        "technical_phone": "+358 40 765 4321",
        "deputy_name": "Vara Henkilö",
        "deputy_email": "vara@example.test",
        "deputy_phone": "+358 50 111 2222",
    }


class ApplicationFactory(factory.django.DjangoModelFactory):
    """A draft application. `ApplicationFactory(complete=True)` fills every section."""

    class Meta:
        model = "applications.Application"
        skip_postgeneration_save = True

    organisation = factory.SubFactory(OrganisationFactory)
    created_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def complete(self, create: bool, extracted: bool | None, **kwargs: object) -> None:
        from applications.models import DataGroup, Product, Purpose, RequestedDataGroup

        if not (create and extracted):
            return
        self.product = Product.objects.get(code="KYSELYRAJAPINTA")
        self.purpose = Purpose.objects.get(code="PERINTA")
        for name, value in complete_application_fields().items():
            setattr(self, name, value)
        self.save()
        for code in ["HENKILON_NIMI", "VAKINAINEN_OSOITE"]:
            RequestedDataGroup.objects.create(
                application=self,
                data_group=DataGroup.objects.get(code=code),
                justification="Osoite tarvitaan perintäkirjeen lähettämiseen oikeaan osoitteeseen.",
            )


def _now():
    from django.utils import timezone

    return timezone.now()


def _decision_due(submitted_at):
    from permits.deadlines import decision_due_for

    return decision_due_for(submitted_at)


class PermitFactory(factory.django.DjangoModelFactory):
    """A case opened by submitting a complete application, with its version 1 frozen.

    References use the year 1999, which real submissions in tests never reach, so that they cannot
    collide with numbers that `permits.references.next_reference` issues.
    """

    class Meta:
        model = "permits.Permit"
        skip_postgeneration_save = True

    application = factory.SubFactory(ApplicationFactory, complete=True, status="submitted")
    reference = factory.Sequence(lambda n: f"VTJ/1999/{n + 1:06d}")
    submitted_at = factory.LazyFunction(_now)
    decision_due = factory.LazyAttribute(lambda o: _decision_due(o.submitted_at))
    last_activity_at = factory.SelfAttribute("submitted_at")

    @factory.post_generation
    def version(self, create: bool, extracted: object, **kwargs: object) -> None:
        from applications.completeness import snapshot
        from applications.models import ApplicationVersion

        if not create:
            return
        application = self.application
        application.submitted_at = self.submitted_at
        application.save(update_fields=["submitted_at"])
        ApplicationVersion.objects.create(
            application=application,
            number=1,
            submitted_at=self.submitted_at,
            submitted_by=application.created_by,
            snapshot=snapshot(application),
        )


class FrameworkLicenceFactory(factory.django.DjangoModelFactory):
    """A licence valid from a year ago until next year; by default its scope is the whole active catalogue."""

    class Meta:
        model = "accounts.FrameworkLicence"
        skip_postgeneration_save = True

    licensee = factory.SubFactory(OrganisationFactory)
    number = factory.Sequence(lambda n: f"RL-{n + 1:04d}")
    valid_from = factory.LazyFunction(lambda: _today() - timedelta(days=365))
    valid_until = factory.LazyFunction(lambda: _today() + timedelta(days=365))

    @factory.post_generation
    def scope(self, create: bool, extracted: object, **kwargs: object) -> None:
        """`scope=False` leaves the scope empty; otherwise every active product, data group and purpose."""
        from applications.models import DataGroup, Product, Purpose

        if not create or extracted is False:
            return
        self.products.set(Product.objects.filter(is_active=True))
        self.data_groups.set(DataGroup.objects.filter(is_active=True))
        self.purposes.set(Purpose.objects.filter(is_active=True))


class ClientMandateFactory(factory.django.DjangoModelFactory):
    """A mandate in force since today, with a small PDF as the power of attorney."""

    class Meta:
        model = "accounts.ClientMandate"

    licensee = factory.SubFactory(OrganisationFactory)
    client = factory.SubFactory(OrganisationFactory)
    power_of_attorney = factory.django.FileField(filename="valtakirja.pdf", data=b"%PDF-1.4\n%%EOF\n")
    power_of_attorney_name = "valtakirja.pdf"
    power_of_attorney_sha256 = "0" * 64
    starts_on = factory.LazyFunction(lambda: _today())
    created_by = factory.SubFactory(UserFactory)


def _today():
    from django.utils import timezone

    return timezone.localdate()
