"""Consultations before applying: the organisation asks, the authority's experts answer.

Services (every write), the forms that feed them, the read queries of the lists and the notification
emails. An organisation member opens a consultation; members of that organisation and officers with
`permits.process_permit` post to its thread and may close it.
"""

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit
from accounts.models import Language, Organisation, User
from accounts.services import PortalError
from applications.models import Consultation, ConsultationMessage, ConsultationState, Product
from applications.selectors.consultations import may_post
from notifications.models import NotificationKind
from notifications.services import notify

SUBJECT_MAX_LENGTH = Consultation.SUBJECT_MAX_LENGTH


# A generous cap so that a single post cannot fill the database or an officer's screen.
BODY_MAX_LENGTH = 10_000


def _check_text(subject: str | None, body: str) -> None:
    """The forms check these too; a service called from elsewhere must not store empty or huge text."""
    if subject is not None and not (0 < len(subject.strip()) <= SUBJECT_MAX_LENGTH):
        raise PortalError(
            _("Give a subject of at most %(max)d characters.") % {"max": SUBJECT_MAX_LENGTH}, status=400
        )
    if not (0 < len(body.strip()) <= BODY_MAX_LENGTH):
        raise PortalError(
            _("Write a message of at most %(max)d characters.") % {"max": BODY_MAX_LENGTH}, status=400
        )


def _lock(consultation: Consultation) -> Consultation:
    return (
        Consultation.objects.select_for_update(of=("self",))
        .select_related("organisation")
        .get(pk=consultation.pk)
    )


@transaction.atomic
def consultation_open(
    *, organisation: Organisation, user: User, product: Product | None, subject: str, question: str
) -> Consultation:
    """Open a consultation for `organisation` with `question` as its first message."""
    if user.is_staff:
        raise PortalError(_("Authority staff cannot open a consultation."), status=403)
    if not organisation.memberships.filter(user=user).exists():
        raise PortalError(_("Only members of the organisation may open a consultation for it."), status=403)
    if product is not None and not product.is_active:
        raise PortalError(_("This product is no longer offered. Choose another one."), status=400)
    _check_text(subject, question)
    consultation = Consultation.objects.create(
        organisation=organisation, product=product, subject=subject.strip(), created_by=user
    )
    message = ConsultationMessage.objects.create(
        consultation=consultation, author=user, from_authority=False, body=question
    )
    audit(
        actor=user,
        action="consultation_opened",
        target=consultation,
        organisation=organisation,
        subject=consultation.subject,
        product=product.code if product else None,
        message=message.pk,
    )
    return consultation


@transaction.atomic
def consultation_post(*, consultation: Consultation, user: User, body: str) -> ConsultationMessage:
    """Add a message to an open consultation. An answer from the authority is emailed to the organisation."""
    consultation = _lock(consultation)
    if not may_post(consultation, user):
        raise PortalError(_("You may not take part in this consultation."), status=403)
    if consultation.state != ConsultationState.OPEN:
        raise PortalError(_("This consultation is closed. Open a new one if you have more questions."))
    _check_text(None, body)
    message = ConsultationMessage.objects.create(
        consultation=consultation, author=user, from_authority=user.is_staff, body=body
    )
    audit(
        actor=user,
        action="consultation_message_posted",
        target=consultation,
        organisation=consultation.organisation,
        message=message.pk,
        from_authority=message.from_authority,
    )
    if message.from_authority:
        # Officers see organisation messages in their list; only answers to the organisation are notified.
        consultation_message_notify(message)
    return message


@transaction.atomic
def consultation_close(*, consultation: Consultation, user: User) -> Consultation:
    """Close the consultation; either side may. No messages can be posted afterwards."""
    consultation = _lock(consultation)
    if not may_post(consultation, user):
        raise PortalError(_("You may not close this consultation."), status=403)
    if consultation.state != ConsultationState.OPEN:
        raise PortalError(_("This consultation has already been closed."))
    consultation.state = ConsultationState.CLOSED
    consultation.closed_at = timezone.now()
    consultation.closed_by = user
    consultation.save(update_fields=["state", "closed_at", "closed_by"])
    audit(
        actor=user,
        action="consultation_closed",
        target=consultation,
        organisation=consultation.organisation,
        by_authority=user.is_staff,
    )
    return consultation


def consultation_message_notify(message: ConsultationMessage) -> None:
    """Tell the organisation that the authority has answered: its creator and the contact address.

    Outbox rows in the caller's transaction, both in the creator's language. The message itself stays in
    the portal, behind sign-in; the notification carries the subject and a link. A creator who has left the
    organisation is not told.
    """
    consultation = message.consultation
    creator = consultation.created_by
    recipients: dict[str, User | None] = {}
    if creator.is_active and consultation.organisation.memberships.filter(user=creator).exists():
        recipients[creator.email.lower()] = creator
    contact = consultation.organisation.contact_email
    if contact:
        recipients.setdefault(contact.lower(), None)
    link = settings.SITE_URL + reverse("applications:consultation", args=[consultation.uuid])
    for address, user in recipients.items():
        notify(
            kind=NotificationKind.CONSULTATION,
            template="consultation_message",
            context={"consultation": consultation, "consultation_url": link},
            language=creator.language or Language.FI,
            key=f"{NotificationKind.CONSULTATION.value}:{message.pk}:{address}",
            link=link,
            user=user,
            email=address if user is None else None,
        )
