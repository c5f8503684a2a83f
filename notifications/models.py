"""The notification outbox, which is also each user's list of in-app notifications.

Every notification is one row, written in the same transaction as the event that caused it. The row holds
the message already rendered in the recipient's language, so sending it later (or again) needs nothing but
the row. `idempotency_key` makes writing it twice harmless; the delivery status, the attempts and a lease
(`claimed_until`) make sending it twice harmless.
"""

import uuid
from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Language, User


class NotificationKind(models.TextChoices):
    """What a notification is about; users choose per kind whether they also want it by email."""

    INVITATION = "invitation", _("Invitations to join an organisation")
    SUBMISSION = "submission", _("Applications submitted and withdrawn")
    SUPPLEMENT_REQUEST = "supplement_request", _("Supplement requests")
    SUPPLEMENT_RESPONSE = "supplement_response", _("Supplement responses")
    MESSAGE = "message", _("Messages about a case")
    DECISION = "decision", _("Decisions")
    TERMS = "terms", _("Terms of use")
    TESTING = "testing", _("Testing")
    PRODUCTION = "production", _("Production use")
    REMINDER = "reminder", _("Deadline reminders")
    CASE_EVENT = "case_event", _("Other news about cases")
    CONSULTATION = "consultation", _("Answers to consultations")


# Kinds that are always emailed, whatever the preference: an invitation's link travels only by email.
ALWAYS_EMAILED = frozenset({NotificationKind.INVITATION})
# Kinds that authority staff always get by email: deadline reminders must not be missed.
ALWAYS_EMAILED_TO_STAFF = frozenset({NotificationKind.REMINDER})


def email_required(kind: str, user: User | None) -> bool:
    """Whether `kind` is emailed to `user` regardless of their preferences."""
    if kind in ALWAYS_EMAILED:
        return True
    return user is not None and user.is_staff and kind in ALWAYS_EMAILED_TO_STAFF


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Sending failed")
    SKIPPED = "skipped", _("Not emailed")


class NotificationQuerySet(models.QuerySet["Notification"]):
    def for_user(self, user: User) -> "NotificationQuerySet":
        return self.filter(recipient=user)

    def unread(self) -> "NotificationQuerySet":
        return self.filter(read_at__isnull=True)

    def due(self, *, now: datetime, before: datetime) -> "NotificationQuerySet":
        """Rows still to be emailed whose next attempt is due before `before` and that nobody holds."""
        return self.filter(status=NotificationStatus.PENDING, next_attempt_at__lte=before).filter(
            Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
        )


class Notification(models.Model):
    SUBJECT_MAX_LENGTH = 300
    IDEMPOTENCY_KEY_MAX_LENGTH = 400

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Null for an address without an account: an organisation's contact address, an invitee.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    email = models.EmailField(_("email address"), blank=True)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    kind = models.CharField(_("kind"), max_length=40, choices=NotificationKind.choices)
    subject = models.CharField(_("subject"), max_length=SUBJECT_MAX_LENGTH)
    body_text = models.TextField(_("text"))
    body_html = models.TextField(_("HTML"))
    link = models.URLField(_("link"), max_length=500, blank=True)
    # "<kind>:<object>:<event id>:<recipient>": writing the same notification twice finds the first row.
    idempotency_key = models.CharField(
        _("idempotency key"), max_length=IDEMPOTENCY_KEY_MAX_LENGTH, unique=True
    )
    email_wanted = models.BooleanField(_("email wanted"))
    status = models.CharField(
        _("status"), max_length=10, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    # A worker that is sending the row holds it until then; after that the row is free to be sent again.
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_inbox_idx"),
            models.Index(
                fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread_idx"
            ),
            models.Index(
                fields=["next_attempt_at"], condition=Q(status="pending"), name="notification_due_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(recipient__isnull=False) | ~Q(email=""), name="notification_has_recipient"
            ),
            models.CheckConstraint(
                condition=Q(email_wanted=False) | ~Q(email=""), name="notification_email_has_address"
            ),
            models.CheckConstraint(
                condition=Q(status__in=NotificationStatus.values), name="notification_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.subject}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationPreference(models.Model):
    """A user's choice to get one kind of notification by email, too (no row: yes)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    kind = models.CharField(_("kind"), max_length=40, choices=NotificationKind.choices)
    email = models.BooleanField(_("also by email"), default=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.kind} {'email' if self.email else 'in-app only'}"
