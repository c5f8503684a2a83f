import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, User


def localized(obj: models.Model, field: str) -> str:
    """The value of `<field>_<current language>`, falling back to Finnish."""
    language = (get_language() or "fi")[:2]
    return getattr(obj, f"{field}_{language}", "") or getattr(obj, f"{field}_fi")


class CatalogueItem(models.Model):
    """A catalogue entry maintained by registry admins. Items are retired, never deleted."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name_fi = models.CharField(_("name in Finnish"), max_length=200)
    name_sv = models.CharField(_("name in Swedish"), max_length=200)
    name_en = models.CharField(_("name in English"), max_length=200)
    description_fi = models.TextField(_("description in Finnish"), blank=True)
    description_sv = models.TextField(_("description in Swedish"), blank=True)
    description_en = models.TextField(_("description in English"), blank=True)
    is_active = models.BooleanField(
        _("in use"),
        default=True,
        help_text=_("A retired item is hidden from new applications but stays on existing ones."),
    )
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        abstract = True
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localized(self, "name")

    @property
    def description(self) -> str:
        return localized(self, "description")


class Product(CatalogueItem):
    is_technical_interface = models.BooleanField(
        _("technical interface"),
        default=False,
        help_text=_("Applications for a technical interface must include an information security report."),
    )

    class Meta(CatalogueItem.Meta):
        verbose_name = _("product")
        verbose_name_plural = _("products")


class DataGroup(CatalogueItem):
    is_sensitive = models.BooleanField(
        _("sensitive"),
        default=False,
        help_text=_("Needs an extended justification and makes the information security report mandatory."),
    )

    class Meta(CatalogueItem.Meta):
        verbose_name = _("data group")
        verbose_name_plural = _("data groups")


class DisclosureProhibition(CatalogueItem):
    """A prohibition a person can register against certain uses of their data."""

    class Meta(CatalogueItem.Meta):
        verbose_name = _("disclosure prohibition")
        verbose_name_plural = _("disclosure prohibitions")


class Purpose(CatalogueItem):
    legal_basis_fi = models.TextField(_("legal basis in Finnish"), blank=True)
    legal_basis_sv = models.TextField(_("legal basis in Swedish"), blank=True)
    legal_basis_en = models.TextField(_("legal basis in English"), blank=True)
    requires_statute = models.BooleanField(
        _("statute must be named"),
        default=False,
        help_text=_("The applicant must name the statute that gives it the task."),
    )
    prohibitions = models.ManyToManyField(
        DisclosureProhibition,
        blank=True,
        related_name="purposes",
        verbose_name=_("prohibitions the holder must honour"),
    )

    class Meta(CatalogueItem.Meta):
        verbose_name = _("purpose of use")
        verbose_name_plural = _("purposes of use")

    @property
    def legal_basis(self) -> str:
        return localized(self, "legal_basis")


class TermsVersionQuerySet(models.QuerySet["TermsVersion"]):
    def in_force(self) -> "TermsVersion | None":
        return self.filter(valid_from__lte=timezone.localdate()).order_by("-valid_from").first()


class TermsVersion(models.Model):
    """The permit terms the holder accepts; a new version applies from its `valid_from` date."""

    version = models.CharField(_("version"), max_length=20, unique=True)
    valid_from = models.DateField(_("valid from"))
    text_fi = models.TextField(_("terms in Finnish"))
    text_sv = models.TextField(_("terms in Swedish"))
    text_en = models.TextField(_("terms in English"))

    objects = TermsVersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("terms version")
        verbose_name_plural = _("terms versions")
        ordering = ["-valid_from"]

    def __str__(self) -> str:
        return f"{self.version} ({self.valid_from:%d.%m.%Y})"

    @property
    def text(self) -> str:
        return localized(self, "text")


class ConsultationState(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Consultation(models.Model):
    """A discussion with the authority's experts before applying."""

    SUBJECT_MAX_LENGTH = 200

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="consultations")
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("product of interest")
    )
    subject = models.CharField(_("subject"), max_length=SUBJECT_MAX_LENGTH)
    state = models.CharField(
        _("state"), max_length=10, choices=ConsultationState.choices, default=ConsultationState.OPEN
    )
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("opened"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.subject


class ConsultationMessage(models.Model):
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    from_authority = models.BooleanField(default=False)
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.author}: {self.body[:40]}"


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")


class ApplicationKind(models.TextChoices):
    NEW = "new", _("New permit")
    AMENDMENT = "amendment", _("Amendment of a permit")
    RENEWAL = "renewal", _("Renewal of a permit")


class ApplicationQuerySet(models.QuerySet["Application"]):
    def drafts(self) -> "ApplicationQuerySet":
        return self.filter(status=ApplicationStatus.DRAFT)


class Application(models.Model):
    """A permit application: a draft until a signatory submits it, then frozen in ApplicationVersions."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="applications", verbose_name=_("applicant")
    )
    filed_by = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="filed_applications",
        verbose_name=_("filed by framework licensee"),
    )
    consultation = models.ForeignKey(
        Consultation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="applications",
        verbose_name=_("consultation"),
    )
    kind = models.CharField(
        _("kind of application"), max_length=10, choices=ApplicationKind.choices, default=ApplicationKind.NEW
    )
    # An amendment or renewal: the permit it changes or renews (that permit stays in force meanwhile).
    amends = models.ForeignKey(
        "permits.Permit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="amendment_applications",
        verbose_name=_("amends the permit"),
    )
    renewal_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("copied from"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ApplicationStatus.choices, default=ApplicationStatus.DRAFT
    )
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last saved"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    # Sections that a supplement request has reopened for editing after submission.
    reopened_sections = models.JSONField(default=list, blank=True)

    # 1. Product and purpose of use
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("product")
    )
    purpose = models.ForeignKey(
        Purpose, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("purpose of use")
    )
    purpose_description = models.TextField(_("description of the purpose of use"), blank=True)
    legal_basis = models.TextField(_("legal basis or statute relied on"), blank=True)
    requested_valid_until = models.DateField(
        _("permit needed until"),
        null=True,
        blank=True,
        help_text=_("Leave empty if the permit is needed until further notice."),
    )
    # 3. Account of data use and protection
    use_description = models.TextField(_("what the data is used for"), blank=True)
    access_description = models.TextField(_("who inside the organisation accesses the data"), blank=True)
    storage_description = models.TextField(_("where the data is stored"), blank=True)
    retention_description = models.TextField(_("how long the data is kept and how it is deleted"), blank=True)
    onward_disclosure = models.TextField(_("onward disclosures"), blank=True)
    # 4. Information security report: answers keyed by theme code (applications.catalogue.SECURITY_THEMES)
    security_report = models.JSONField(_("information security report"), default=dict, blank=True)
    # 5. Technical implementation
    system_description = models.TextField(_("system description"), blank=True)
    integration_method = models.TextField(_("integration method"), blank=True)
    hosting_description = models.TextField(_("hosting"), blank=True)
    test_environment = models.TextField(_("test environment"), blank=True)
    # 6. Contacts
    responsible_name = models.CharField(_("responsible person: name"), max_length=200, blank=True)
    responsible_email = models.EmailField(_("responsible person: email"), blank=True)
    responsible_phone = models.CharField(_("responsible person: phone"), max_length=40, blank=True)
    technical_name = models.CharField(_("technical contact: name"), max_length=200, blank=True)
    technical_email = models.EmailField(_("technical contact: email"), blank=True)
    technical_phone = models.CharField(_("technical contact: phone"), max_length=40, blank=True)
    deputy_name = models.CharField(_("deputy technical contact: name"), max_length=200, blank=True)
    deputy_email = models.EmailField(_("deputy technical contact: email"), blank=True)
    deputy_phone = models.CharField(_("deputy technical contact: phone"), max_length=40, blank=True)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-updated_at"]
        indexes = [models.Index(fields=["organisation", "status"])]

    def __str__(self) -> str:
        return f"{self.organisation.name}: {self.product or '–'}"

    @property
    def is_draft(self) -> bool:
        return self.status == ApplicationStatus.DRAFT

    def is_editable(self, section: str) -> bool:
        """A draft is editable throughout; a submitted application only in sections a supplement reopened."""
        return self.is_draft or section in self.reopened_sections


class RequestedDataGroup(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="requested_groups")
    data_group = models.ForeignKey(DataGroup, on_delete=models.PROTECT, verbose_name=_("data group"))
    justification = models.TextField(_("justification"), blank=True)

    class Meta:
        ordering = ["data_group__sort_order", "data_group__code"]
        constraints = [
            models.UniqueConstraint(fields=["application", "data_group"], name="requested_group_once"),
        ]

    def __str__(self) -> str:
        return self.data_group.code


class AttachmentKind(models.TextChoices):
    SECURITY_REPORT = "security_report", _("Information security report")
    OTHER = "other", _("Other attachment")


class Attachment(models.Model):
    """An uploaded file. Stored under a random name outside the static root; served only by an authorised view."""

    DESCRIPTION_MAX_LENGTH = 200

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(
        _("kind"), max_length=20, choices=AttachmentKind.choices, default=AttachmentKind.OTHER
    )
    description = models.CharField(_("description"), max_length=DESCRIPTION_MAX_LENGTH, blank=True)
    display_name = models.CharField(_("file name"), max_length=200)
    file = models.FileField(upload_to="attachments/%Y/%m/", max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    # Not a column: set for the attachment list by applications.views.attachments.attachments_context.
    type_label: str

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.display_name


class ApplicationVersion(models.Model):
    """What was submitted: a frozen snapshot per submission (the first and after each supplement)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    submitted_at = models.DateTimeField(_("submitted"))
    submitted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    snapshot = models.JSONField()

    class Meta:
        verbose_name = _("application version")
        verbose_name_plural = _("application versions")
        ordering = ["application", "number"]
        constraints = [
            models.UniqueConstraint(fields=["application", "number"], name="application_version_once"),
            models.CheckConstraint(condition=Q(number__gte=1), name="application_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.application_id} v{self.number}"


class ClientCommitment(models.Model):
    """The client's confirmation of an application a framework licensee prepared for it.

    Keeps the application exactly as confirmed (its snapshot and the snapshot's SHA-256): the application
    can be submitted only while it is still the same, so any edit after the confirmation needs a new one.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="commitments")
    confirmed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(_("confirmed"), auto_now_add=True)
    snapshot = models.JSONField()
    snapshot_sha256 = models.CharField(_("SHA-256 of the confirmed application"), max_length=64)

    class Meta:
        verbose_name = _("client commitment")
        verbose_name_plural = _("client commitments")
        ordering = ["application", "-confirmed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.application_id} confirmed {self.confirmed_at:%Y-%m-%d}"
