import uuid

from django.db import models
from django.utils.functional import Promise
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
    APPLIED = "applied", _("Applied to the permit")


S = PermitState
# Being processed: a decision has not been made yet.
IN_PROCESSING = [S.SUBMITTED, S.SUPPLEMENT_REQUESTED, S.NEGOTIATION, S.TECHNICAL_REVIEW]
# Where a decision can be made, and where a supplement can be asked.
DECIDABLE = [S.SUBMITTED, S.NEGOTIATION, S.TECHNICAL_REVIEW]
# A permit in force.
IN_FORCE = [S.GRANTED, S.TERMS_ACCEPTED, S.TESTING, S.PRODUCTION]
CLOSED = [S.REJECTED, S.WITHDRAWN, S.REVOKED, S.EXPIRED, S.APPLIED]


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
    # Raised by every change to the case; action forms carry it so that a stale form is refused.
    revision = models.PositiveIntegerField(default=0)
    # The permit as granted (set from the decision); granted groups are a subset of the requested ones.
    granted_groups = models.ManyToManyField(
        "applications.DataGroup", blank=True, related_name="+", verbose_name=_("granted data groups")
    )
    conditions = models.TextField(_("conditions"), blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    terms_version = models.ForeignKey(
        "applications.TermsVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("terms accepted"),
    )
    terms_accepted_at = models.DateTimeField(_("terms accepted at"), null=True, blank=True)
    terms_accepted_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    test_access_note = models.TextField(_("test access"), blank=True)
    tests_reported_at = models.DateTimeField(_("tests reported done"), null=True, blank=True)
    production_at = models.DateTimeField(_("in production since"), null=True, blank=True)

    # Not columns: set for the applicant's dashboard by permits.views.applicant.dashboard.
    plain_state: Promise
    next_step: Promise

    class Meta:
        verbose_name = _("permit case")
        verbose_name_plural = _("permit cases")
        ordering = ["decision_due", "id"]
        indexes = [
            # The officers' queue: open cases in target-date order (see docs/performance.md).
            models.Index(
                fields=["decision_due", "id"],
                include=["state", "assigned_to"],
                condition=models.Q(
                    state__in=[
                        *IN_PROCESSING,
                        PermitState.GRANTED,
                        PermitState.TERMS_ACCEPTED,
                        PermitState.TESTING,
                    ]
                ),
                name="permit_queue_idx",
            ),
            models.Index(fields=["state", "decision_due", "id"], name="permit_state_due_idx"),
            # The deadline overview's decisions of the last 13 months.
            models.Index(
                fields=["decided_at"], condition=models.Q(decided_at__isnull=False), name="permit_decided_idx"
            ),
        ]
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
    def accept_terms(self, *, terms_version, by, at) -> None:
        self.terms_version = terms_version
        self.terms_accepted_by = by
        self.terms_accepted_at = at

    @transition(field=state, source=S.TERMS_ACCEPTED, target=S.TESTING)
    def open_testing(self, *, note: str) -> None:
        self.test_access_note = note

    @transition(field=state, source=S.TESTING, target=S.PRODUCTION)
    def confirm_production(self, *, at) -> None:
        self.production_at = at

    @transition(field=state, source=IN_PROCESSING, target=S.WITHDRAWN)
    def withdraw(self, *, at) -> None:
        self.closed_at = at

    @transition(field=state, source=IN_FORCE, target=S.REVOKED)
    def revoke(self, *, at) -> None:
        self.closed_at = at

    @transition(field=state, source=IN_FORCE, target=S.EXPIRED)
    def expire(self, *, at) -> None:
        self.closed_at = at

    @transition(field=state, source=S.GRANTED, target=S.APPLIED)
    def apply_to_permit(self, *, at) -> None:
        """An amendment or renewal case, once granted, becomes a new version of the permit it amends."""
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

    # Not a column: set for the case timelines by permits.views.pages and permits.views.changes.
    label: str

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


class SupplementState(models.TextChoices):
    OPEN = "open", _("Waiting for the applicant")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed without an answer")


class SupplementRequest(models.Model):
    """What the officer asks the applicant to add; the listed wizard sections reopen for editing."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    permit = models.ForeignKey(Permit, on_delete=models.PROTECT, related_name="supplements")
    officer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    message = models.TextField(_("what is missing"))
    sections = models.JSONField(_("sections to reopen"), default=list, blank=True)
    respond_by = models.DateField(_("reply by"))
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    state = models.CharField(max_length=10, choices=SupplementState.choices, default=SupplementState.OPEN)
    response = models.TextField(_("response"), blank=True)
    responded_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    responded_at = models.DateTimeField(_("answered"), null=True, blank=True)

    # Not columns: set for the case pages by permits.views.pages (applicant's and officers' respectively).
    section_links: list[tuple[str, Promise]]
    section_titles: list[Promise]

    class Meta:
        verbose_name = _("supplement request")
        verbose_name_plural = _("supplement requests")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["permit"], condition=models.Q(state="open"), name="one_open_supplement_per_case"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.permit_id} supplement {self.created_at:%Y-%m-%d}"


class NegotiationMessage(models.Model):
    """The two-way negotiation thread between the officers and the applicant."""

    permit = models.ForeignKey(Permit, on_delete=models.PROTECT, related_name="negotiation_messages")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    from_authority = models.BooleanField(default=False)
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.permit_id}: {self.body[:40]}"


class Meeting(models.Model):
    """A negotiation meeting: when, who took part and what was agreed."""

    permit = models.ForeignKey(Permit, on_delete=models.PROTECT, related_name="meetings")
    held_on = models.DateField(_("date"))
    participants = models.TextField(_("participants"))
    summary = models.TextField(_("summary"))
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["held_on", "id"]

    def __str__(self) -> str:
        return f"{self.permit_id} meeting {self.held_on}"


class ReviewResult(models.TextChoices):
    PASS = "pass", _("Pass")
    FAIL = "fail", _("Fail")
    NOT_APPLICABLE = "na", _("Not applicable")


class ReviewItem(models.Model):
    """One line of the technical review checklist (codes in permits.review.CHECKLIST)."""

    permit = models.ForeignKey(Permit, on_delete=models.PROTECT, related_name="review_items")
    code = models.CharField(max_length=40)
    result = models.CharField(_("result"), max_length=4, choices=ReviewResult.choices)
    note = models.TextField(_("note"), blank=True)
    reviewed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["permit", "code"], name="one_review_item_per_code")]

    def __str__(self) -> str:
        return f"{self.permit_id} {self.code}: {self.result}"


class InternalNote(models.Model):
    """An officers' note on a case; never shown to the applicant."""

    permit = models.ForeignKey(Permit, on_delete=models.PROTECT, related_name="internal_notes")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("note"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.permit_id}: {self.body[:40]}"


class DecisionKind(models.TextChoices):
    GRANT = "grant", _("Grant")
    REJECT = "reject", _("Reject")


class Decision(models.Model):
    """A decision drafted by a presenting officer and made by a decision maker who is someone else."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    permit = models.ForeignKey(Permit, on_delete=models.PROTECT, related_name="decisions")
    kind = models.CharField(_("decision"), max_length=10, choices=DecisionKind.choices)
    presenter = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("presenting officer")
    )
    drafted_at = models.DateTimeField(_("drafted"), auto_now_add=True)
    granted_groups = models.ManyToManyField(
        "applications.DataGroup", blank=True, related_name="+", verbose_name=_("granted data groups")
    )
    conditions = models.TextField(_("conditions"), blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    reasons = models.TextField(_("reasons"), blank=True)
    decision_maker = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decision maker"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    discarded_at = models.DateTimeField(_("discarded"), null=True, blank=True)
    verification_code = models.CharField(
        _("verification code"), max_length=20, unique=True, null=True, blank=True
    )

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["drafted_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["permit"],
                condition=models.Q(decided_at=None, discarded_at=None),
                name="one_pending_draft_per_case",
            ),
            models.CheckConstraint(
                condition=models.Q(decision_maker=None) | ~models.Q(decision_maker=models.F("presenter")),
                name="four_eyes",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.permit_id} {self.kind}"

    @property
    def is_pending(self) -> bool:
        return self.decided_at is None and self.discarded_at is None


class ReminderKind(models.TextChoices):
    TARGET_SOON = "target_soon", _("Decision target date within 14 days")
    OVERDUE = "overdue", _("Decision target date passed")
    REPLY_SOON = "reply_soon", _("Reply-by date within 3 days")
    REPLY_PASSED = "reply_passed", _("Reply-by date passed")


class Reminder(models.Model):
    """One deadline reminder sent about a case: at most one per case, kind and date.

    `due` is the date the reminder is about (the decision target or the reply-by date), so a changed
    date re-arms the reminder while a rerun of the sweep, or two sweeps at once, add nothing.
    """

    permit = models.ForeignKey(Permit, on_delete=models.PROTECT, related_name="reminders")
    kind = models.CharField(_("kind"), max_length=20, choices=ReminderKind.choices)
    due = models.DateField(_("date"))
    supplement = models.ForeignKey(
        SupplementRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="reminders"
    )
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        verbose_name = _("deadline reminder")
        verbose_name_plural = _("deadline reminders")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["permit", "kind", "due"], name="one_reminder_per_case_kind_date")
        ]

    def __str__(self) -> str:
        return f"{self.permit_id} {self.kind} {self.due:%Y-%m-%d}"


class PermitVersion(models.Model):
    """The permit as granted at one time: version 1 by the original decision, then one per amendment.

    `snapshot` holds what the decision fixed (data groups, purpose, conditions, validity, the technical
    description), so that the permit page can show field by field what each amendment changed.
    """

    permit = models.ForeignKey(Permit, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # The amendment or renewal case whose grant made this version (none for version 1).
    source_case = models.ForeignKey(
        Permit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("amendment case"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    snapshot = models.JSONField()

    class Meta:
        verbose_name = _("permit version")
        verbose_name_plural = _("permit versions")
        ordering = ["permit", "number"]
        constraints = [
            models.UniqueConstraint(fields=["permit", "number"], name="permit_version_once"),
        ]

    def __str__(self) -> str:
        return f"{self.permit_id} v{self.number}"


class ChangeKind(models.TextChoices):
    ORGANISATION = "organisation", _("Organisation details (such as name or Business ID after a merger)")
    OPERATIONS = "operations", _("Operations")
    PURPOSE = "purpose", _("Purpose of use")
    TECHNICAL = "technical", _("Technical implementation or hosting")
    CONTACTS = "contacts", _("Contact persons")
    OTHER = "other", _("Other")


class ChangeState(models.TextChoices):
    RECEIVED = "received", _("Received, waiting for handling")
    INFO_REQUESTED = "info_requested", _("More information requested")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    AMENDMENT_REQUIRED = "amendment_required", _("Amendment required")
    REVOCATION_PROPOSED = "revocation_proposed", _("Revocation proposed")
    PERMIT_REVOKED = "permit_revoked", _("Permit revoked")


class ChangeNotification(models.Model):
    """A permit holder's notification of a change; `<permit reference>/M<number>`, handled by an officer."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    permit = models.ForeignKey(Permit, on_delete=models.PROTECT, related_name="change_notifications")
    number = models.PositiveIntegerField(_("number"))
    kind = models.CharField(_("kind of change"), max_length=20, choices=ChangeKind.choices)
    description = models.TextField(_("description"))
    effective_on = models.DateField(_("effective date"))
    # For a change of contact persons: the new contacts ({"technical": {"name": …, "email": …, "phone": …}}).
    contacts = models.JSONField(_("new contact persons"), default=dict, blank=True)
    filed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField(_("filed"), auto_now_add=True)
    due = models.DateField(_("handling target date"))
    state = models.CharField(
        _("state"), max_length=20, choices=ChangeState.choices, default=ChangeState.RECEIVED, db_index=True
    )
    assigned_to = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("officer")
    )
    info_request = models.TextField(_("information requested"), blank=True)
    info_respond_by = models.DateField(_("reply by"), null=True, blank=True)
    info_response = models.TextField(_("response"), blank=True)
    handled_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    handled_at = models.DateTimeField(_("handled"), null=True, blank=True)
    handling_note = models.TextField(_("handling note"), blank=True)
    amendment = models.ForeignKey(
        Application,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("amendment"),
    )
    revision = models.PositiveIntegerField(default=0)

    # Not a column: set for the applicant's changes by permits.selectors.changes.applicant_changes_context.
    plain_state: Promise

    class Meta:
        verbose_name = _("change notification")
        verbose_name_plural = _("change notifications")
        ordering = ["due", "id"]
        constraints = [
            models.UniqueConstraint(fields=["permit", "number"], name="change_notification_number_once"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"{self.permit.reference}/M{self.number}"


class ChangeAttachment(models.Model):
    """A file attached to a change notification, checked and stored as application attachments are."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    change = models.ForeignKey(ChangeNotification, on_delete=models.CASCADE, related_name="attachments")
    display_name = models.CharField(_("file name"), max_length=200)
    file = models.FileField(upload_to="changes/%Y/", max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    # Not a column: set for the attachment list by permits.selectors.changes.attachment_rows.
    type_label: str

    class Meta:
        verbose_name = _("change notification attachment")
        verbose_name_plural = _("change notification attachments")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.display_name
