import uuid
from datetime import date
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.validators import validate_business_id


class Language(models.TextChoices):
    FI = "fi", "Suomi"
    SV = "sv", "Svenska"
    EN = "en", "English"


class StaffGroup(models.TextChoices):
    """Authority staff roles; each is a Django group created by a data migration."""

    OFFICER = "officer", _("Officer")
    DECISION_MAKER = "decision_maker", _("Decision maker")
    REGISTRY_ADMIN = "registry_admin", _("Registry administrator")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: object) -> "User":
        if not email:
            raise ValueError("Users must have an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Email is the login; authority staff have `is_staff` and belong to staff groups."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.FI)
    is_staff = models.BooleanField(
        _("authority staff"),
        default=False,
        help_text=_(
            "Staff of the authority: may sign in to the administration and must use two-factor sign-in."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return f"{self.full_name} <{self.email}>" if self.full_name else self.email

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.email = self.email.lower()
        super().save(*args, **kwargs)

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.get_full_name()


class PortalSession(AbstractBaseSession):
    """A browser session (Django's database session) that also names its signed-in user.

    The session store is accounts.sessions.SessionStore (SESSION_ENGINE); a user's sessions end with the
    user.
    """

    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")


class OrganisationKind(models.TextChoices):
    COMPANY = "company", _("Company")
    PUBLIC_AUTHORITY = "public_authority", _("Public authority")
    ASSOCIATION = "association", _("Association or foundation")
    OTHER = "other", _("Other")


class Organisation(models.Model):
    """An organisation that applies for, or holds, data permits."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200)
    business_id = models.CharField(
        _("Business ID"),
        max_length=9,
        unique=True,
        validators=[validate_business_id],
        error_messages={"unique": _("An organisation with this Business ID is already registered.")},
    )
    kind = models.CharField(_("kind"), max_length=20, choices=OrganisationKind.choices)
    street_address = models.CharField(_("street address"), max_length=200)
    postal_code = models.CharField(_("postal code"), max_length=10)
    city = models.CharField(_("city"), max_length=100)
    contact_email = models.EmailField(_("contact email"))
    require_mfa = models.BooleanField(
        _("require two-factor sign-in"),
        default=False,
        help_text=_("Every member must set up an authenticator app before using the portal."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.business_id})"


class MembershipRole(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    MEMBER = "member", _("Member")


class MembershipQuerySet(models.QuerySet["Membership"]):
    def admins(self) -> "MembershipQuerySet":
        return self.filter(role=MembershipRole.ADMIN)


class Membership(models.Model):
    """A user's place in an organisation. Only signatories act on the organisation's behalf."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    # Authority staff belong to no organisation.
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", limit_choices_to={"is_staff": False}
    )
    role = models.CharField(
        _("role"), max_length=10, choices=MembershipRole.choices, default=MembershipRole.MEMBER
    )
    is_signatory = models.BooleanField(
        _("signatory"),
        default=False,
        help_text=_("May submit applications, accept permit terms and notify changes for the organisation."),
    )
    created_at = models.DateTimeField(_("joined"), auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["user__full_name", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "user"], name="membership_unique_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation.name}"

    @property
    def is_admin(self) -> bool:
        return self.role == MembershipRole.ADMIN


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def pending(self) -> "InvitationQuerySet":
        return self.filter(accepted_at=None, revoked_at=None, expires_at__gt=timezone.now())


class Invitation(models.Model):
    """An invitation to join an organisation, sent by email. Only a hash of its token is stored."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("email address"))
    role = models.CharField(
        _("role"), max_length=10, choices=MembershipRole.choices, default=MembershipRole.MEMBER
    )
    is_signatory = models.BooleanField(_("signatory"), default=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} → {self.organisation.name}"

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > timezone.now()


class FrameworkLicenceQuerySet(models.QuerySet["FrameworkLicence"]):
    def valid_on(self, day: date) -> "FrameworkLicenceQuerySet":
        return self.filter(valid_from__lte=day).filter(
            models.Q(valid_until=None) | models.Q(valid_until__gte=day)
        )


class FrameworkLicence(models.Model):
    """A company's framework licence: it may start permit applications for its clients within the scope.

    The authority's registry administrators maintain licences in the admin. The scope lists the products,
    data groups and purposes of use that applications filed under the licence may ask for.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    licensee = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="framework_licences", verbose_name=_("licensee")
    )
    number = models.CharField(_("licence number"), max_length=40, unique=True)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    products = models.ManyToManyField(
        "applications.Product", related_name="+", verbose_name=_("products allowed")
    )
    data_groups = models.ManyToManyField(
        "applications.DataGroup", related_name="+", verbose_name=_("data groups allowed")
    )
    purposes = models.ManyToManyField(
        "applications.Purpose", related_name="+", verbose_name=_("purposes of use allowed")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = FrameworkLicenceQuerySet.as_manager()

    # Not columns: set for the organisation page by accounts.mandates.licences_of.
    valid_today: bool
    not_yet_valid: bool

    class Meta:
        verbose_name = _("framework licence")
        verbose_name_plural = _("framework licences")
        ordering = ["licensee__name", "-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until=None) | models.Q(valid_until__gte=models.F("valid_from")),
                name="licence_ends_after_it_starts",
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.licensee.name})"

    def is_valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or self.valid_until >= day)


class ClientMandateQuerySet(models.QuerySet["ClientMandate"]):
    def active_on(self, day: date) -> "ClientMandateQuerySet":
        """Mandates in force on `day` whose licensee holds a licence valid that day."""
        licence = FrameworkLicence.objects.valid_on(day).filter(licensee=models.OuterRef("licensee"))
        return self.filter(
            models.Q(ends_on=None) | models.Q(ends_on__gte=day),
            ended_at=None,
            starts_on__lte=day,
        ).filter(models.Exists(licence))


class ClientMandate(models.Model):
    """A client's power of attorney for a framework licensee to prepare and track its permit applications.

    In force from `starts_on` until `ends_on` (if set) or until the client's administrator ends it
    (`ended_at`); the licensee's access to the client's cases also needs a valid framework licence.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    licensee = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="client_mandates", verbose_name=_("licensee")
    )
    client = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="licensee_mandates", verbose_name=_("client")
    )
    power_of_attorney = models.FileField(_("power of attorney"), upload_to="mandates/%Y/", max_length=200)
    power_of_attorney_name = models.CharField(_("file name"), max_length=200)
    power_of_attorney_sha256 = models.CharField(_("SHA-256"), max_length=64)
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"), null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    ended_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    objects = ClientMandateQuerySet.as_manager()

    # Not a column: set for the organisation page by accounts.mandates.mandates_given_by.
    expired: bool

    class Meta:
        verbose_name = _("client mandate")
        verbose_name_plural = _("client mandates")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["licensee", "client"],
                condition=models.Q(ended_at=None),
                name="one_open_mandate_per_licensee_and_client",
            ),
            models.CheckConstraint(
                condition=~models.Q(licensee=models.F("client")), name="mandate_is_for_another_organisation"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.licensee.name} → {self.client.name}"


class AuditEvent(models.Model):
    """Append-only audit trail (Information Management Act 906/2019 §17).

    The database refuses UPDATE and DELETE on this table (a trigger from the migration), and every row
    carries an HMAC over its content and the previous row's HMAC, so `manage.py verify_audit` detects
    any row that was altered or removed behind the application's back.
    """

    at = models.DateTimeField(_("time"), default=timezone.now)
    actor = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    action = models.CharField(_("action"), max_length=60)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="audit_events"
    )
    target_type = models.CharField(_("target type"), max_length=60)
    target_id = models.CharField(_("target"), max_length=64)
    details = models.JSONField(_("details"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, unique=True, editable=False)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.target_type}:{self.target_id}"
