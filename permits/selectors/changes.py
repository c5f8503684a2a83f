"""Reads about change notifications: their states in words, events, attachments, the pages' parts and the
officers' list."""

from datetime import date

from django.db.models import Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from accounts.models import Organisation, User
from applications.models import ApplicationStatus
from applications.uploads import TYPE_LABELS
from permits.models import (
    IN_FORCE,
    ChangeAttachment,
    ChangeNotification,
    ChangeState,
    Permit,
    PermitEvent,
)
from permits.rules import may_notify_change

C = ChangeState


# The three contact persons of an application, in the order the wizard asks for them.
CONTACT_ROLES: list[tuple[str, Promise]] = [
    ("responsible", gettext_lazy("Responsible person")),
    ("technical", gettext_lazy("Technical contact")),
    ("deputy", gettext_lazy("Deputy technical contact")),
]


# The state as the holder would put it.
PLAIN_CHANGE_STATE: dict[str, Promise] = {
    C.RECEIVED: gettext_lazy("Received: the agency will handle it"),
    C.INFO_REQUESTED: gettext_lazy("The agency asked you for more information"),
    C.ACKNOWLEDGED: gettext_lazy("Handled: acknowledged, no change to the permit needed"),
    C.AMENDMENT_REQUIRED: gettext_lazy("Handled: the permit must be amended"),
    C.REVOCATION_PROPOSED: gettext_lazy("Received: the agency will handle it"),
    C.PERMIT_REVOKED: gettext_lazy("Handled: the permit was revoked"),
}


# Waiting for the agency or the holder: the officers' list shows these (an amendment only until it is
# submitted, after which the amendment case is in the work queue of its own).
OPEN_STATES = [C.RECEIVED, C.INFO_REQUESTED, C.REVOCATION_PROPOSED, C.AMENDMENT_REQUIRED]


CONTACT_PARTS = ("name", "email", "phone")


def plain_change_state(state: str) -> Promise:
    return PLAIN_CHANGE_STATE[state]


def change_events(change: ChangeNotification, *, applicant: bool = False) -> QuerySet[PermitEvent]:
    """The events on the permit's timeline that concern `change` (their note starts with its reference)."""
    reference = change.reference
    events = PermitEvent.objects.filter(permit_id=change.permit_id).filter(
        Q(note=reference) | Q(note__startswith=f"{reference}\n")
    )
    if applicant:
        events = events.filter(visible_to_applicant=True)
    return events.select_related("actor")


def contacts_text(contacts: dict) -> str:
    """The new contacts in words, one person a line (for the event's note and the pages)."""
    labels = dict(CONTACT_ROLES)
    return "\n".join(
        f"{labels[role]}: {person['name']}, {person['email']}, {person['phone']}"
        for role, _label in CONTACT_ROLES
        if (person := contacts.get(role))
    )


def permits_in_force(organisation: Organisation) -> QuerySet[Permit]:
    """The organisation's permits in force (not its amendment cases)."""
    return Permit.objects.filter(
        application__organisation=organisation, application__amends__isnull=True, state__in=IN_FORCE
    ).select_related("application")


def attachment_rows(change: ChangeNotification) -> list[ChangeAttachment]:
    attachments = list(change.attachments.all())
    for attachment in attachments:
        attachment.type_label = TYPE_LABELS.get(attachment.content_type, attachment.content_type)
    return attachments


def applicant_changes_context(user: User, permit: Permit) -> dict:
    """What templates/permits/_change_list.html needs on the applicant's case page: two queries at most."""
    changes = []
    may_file = False
    if permit.application.amends_id is None and permit.decided_at is not None:
        changes = list(permit.change_notifications.order_by("number"))
        for change in changes:
            change.permit = permit
            change.plain_state = plain_change_state(change.state)
        may_file = permit.state in IN_FORCE and may_notify_change(user, permit)
    return {"change_notifications": changes, "can_notify_change": may_file}


def officer_changes_context(permit: Permit) -> dict:
    """What templates/permits/_officer_changes.html needs on the officers' case page."""
    changes = list(permit.change_notifications.select_related("assigned_to").order_by("number"))
    for change in changes:
        change.permit = permit
    return {"officer_change_notifications": changes}


QUEUE_PAGE_SIZE = 50


def open_changes() -> QuerySet[ChangeNotification]:
    """Change notifications waiting for someone: an amendment required only until the amendment is submitted."""
    return ChangeNotification.objects.filter(
        Q(state__in=[C.RECEIVED, C.INFO_REQUESTED, C.REVOCATION_PROPOSED])
        | Q(state=C.AMENDMENT_REQUIRED, amendment__status=ApplicationStatus.DRAFT)
    )


def change_queue(*, state: str = "", overdue: bool = False, today: date) -> QuerySet[ChangeNotification]:
    """The officers' list: open change notifications, the soonest handling target date first."""
    changes = open_changes()
    if state:
        changes = changes.filter(state=state)
    if overdue:
        changes = changes.filter(due__lt=today)
    return changes.select_related("permit__application__organisation", "assigned_to").order_by("due", "id")
