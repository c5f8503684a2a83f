import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, FSMField, transition

from accounts.models import User
from applications.models import Application


class PermitState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    SUPPLEMENT_REQUESTED = "supplement_requested", _("Supplement requested")
    NEGOTIATION = "negotiation", _("Negotiation")
    TECHNICAL_REVIEW = "technical_review", _("Technical review")
    GRANTED = "granted", _("Granted")
    TERMS_ACCEPTED = "terms_accepted", _("Terms accepted")
    TESTING = "testing", _("Testing")
    PRODUCTION = "production", _("In production")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    REVOKED = "revoked", _("Revoked")
    EXPIRED = "expired", _("Expired")


S = PermitState
# Being processed: a decision has not been made yet.
IN_PROCESSING = [S.SUBMITTED, S.SUPPLEMENT_REQUESTED, S.NEGOTIATION, S.TECHNICAL_REVIEW]
# Where a decision can be made, and where a supplement can be asked.
DECIDABLE = [S.SUBMITTED, S.NEGOTIATION, S.TECHNICAL_REVIEW]
# A permit in force.
IN_FORCE = [S.GRANTED, S.TERMS_ACCEPTED, S.TESTING, S.PRODUCTION]
CLOSED = [S.REJECTED, S.WITHDRAWN, S.REVOKED, S.EXPIRED]


class Permit(models.Model):
    """The case that a submitted application opens, and the permit it becomes. Runs the state machine.

    Transitions only set this row's own fields; services check who may call them, lock the row,
    save, write the PermitEvent and queue notifications.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="permit")
    reference = models.CharField(_("reference number"), max_length=20, unique=True)
    state = FSMField(
        _("state"), default=S.SUBMITTED, choices=PermitState.choices, protected=True, db_index=True
    )
    # Where a case returns when the applicant answers a supplement request.
    resume_state = models.CharField(max_length=30, blank=True, choices=PermitState.choices)
    submitted_at = models.DateTimeField(_("submitted"))
    decision_due = models.DateField(_("decision target date"), db_index=True)
    assigned_to = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_permits",
        verbose_name=_("assigned officer"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    last_activity_at = models.DateTimeField(_("last activity"), db_index=True)

    class Meta:
        verbose_name = _("permit case")
        verbose_name_plural = _("permit cases")
        ordering = ["decision_due", "id"]
        permissions = [
            ("process_permit", _("Can process permit cases")),
            ("decide_permit", _("Can make permit decisions")),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_in_processing(self) -> bool:
        return self.state in IN_PROCESSING

    # -- transitions: the officers' side is the processing issue; the graph is declared here whole --

    @transition(field=state, source=DECIDABLE, target=S.SUPPLEMENT_REQUESTED)
    def request_supplement(self) -> None:
        self.resume_state = self.state

    @transition(
        field=state,
        source=S.SUPPLEMENT_REQUESTED,
        target=RETURN_VALUE(S.SUBMITTED, S.NEGOTIATION, S.TECHNICAL_REVIEW),
    )
    def respond_to_supplement(self) -> str:
        resume, self.resume_state = self.resume_state or S.SUBMITTED, ""
        return resume

    @transition(field=state, source=[S.SUBMITTED, S.TECHNICAL_REVIEW], target=S.NEGOTIATION)
    def start_negotiation(self) -> None:
        pass

    @transition(field=state, source=[S.SUBMITTED, S.NEGOTIATION], target=S.TECHNICAL_REVIEW)
    def start_technical_review(self) -> None:
        pass

    @transition(field=state, source=DECIDABLE, target=S.GRANTED)
    def grant(self, *, at) -> None:
        self.decided_at = at

    @transition(field=state, source=DECIDABLE, target=S.REJECTED)
    def reject(self, *, at) -> None:
        self.decided_at = at
        self.closed_at = at

    @transition(field=state, source=S.GRANTED, target=S.TERMS_ACCEPTED)
    def accept_terms(self) -> None:
        pass

    @transition(field=state, source=S.TERMS_ACCEPTED, target=S.TESTING)
    def open_testing(self) -> None:
        pass

    @transition(field=state, source=S.TESTING, target=S.PRODUCTION)
    def confirm_production(self) -> None:
        pass

    @transition(field=state, source=IN_PROCESSING, target=S.WITHDRAWN)
    def withdraw(self, *, at) -> None:
        self.closed_at = at

    @transition(field=state, source=IN_FORCE, target=S.REVOKED)
    def revoke(self, *, at) -> None:
        self.closed_at = at

    @transition(field=state, source=IN_FORCE, target=S.EXPIRED)
    def expire(self, *, at) -> None:
        self.closed_at = at


class PermitEvent(models.Model):
    """The case timeline and audit trail: one row per action, written with the change it records."""

    permit = models.ForeignKey(Permit, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(_("time"), auto_now_add=True)
    actor = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    action = models.CharField(_("action"), max_length=40)
    from_state = models.CharField(_("from"), max_length=30, blank=True, choices=PermitState.choices)
    to_state = models.CharField(_("to"), max_length=30, blank=True, choices=PermitState.choices)
    note = models.TextField(_("note"), blank=True)
    visible_to_applicant = models.BooleanField(_("shown to the applicant"), default=True)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["permit", "at"])]

    def __str__(self) -> str:
        return f"{self.permit_id} {self.action}"


class ReferenceCounter(models.Model):
    """The last reference number issued per year; its row lock makes numbers unique and gap-free."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class DocumentKind(models.TextChoices):
    RECEIPT = "receipt", _("Receipt of the application")
    DECISION = "decision", _("Decision")


class PermitDocument(models.Model):
    """A PDF the portal produced for a case, with its SHA-256."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    permit = models.ForeignKey(Permit, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(_("kind"), max_length=20, choices=DocumentKind.choices)
    version_number = models.PositiveIntegerField(_("application version"), default=1)
    language = models.CharField(_("language"), max_length=2)
    file = models.FileField(upload_to="documents/%Y/", max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["permit", "kind", "version_number"], name="one_document_per_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.permit_id} {self.kind} v{self.version_number}"
