"""Notifications about a case, written into the outbox in the same transaction as the event they report.

Each recipient gets one row, in their own language, keyed "<kind>:<event id>:<address>" so that writing
the same event's notifications twice (a retried task, a rerun sweep) writes nothing new.
"""

from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import translation

from accounts.models import Membership, User
from notifications.models import Notification, NotificationKind
from notifications.services import notify
from permits.display import event_label
from permits.models import Permit, PermitEvent

# What kind of notification each action is, for the users' email choices; anything else is a case event.
EVENT_KINDS = {
    "supplement_requested": NotificationKind.SUPPLEMENT_REQUEST,
    "supplement_answered": NotificationKind.SUPPLEMENT_RESPONSE,
    "authority_message": NotificationKind.MESSAGE,
    "applicant_message": NotificationKind.MESSAGE,
    "decision_granted": NotificationKind.DECISION,
    "decision_rejected": NotificationKind.DECISION,
    "permit_revoked": NotificationKind.DECISION,
    "terms_accepted": NotificationKind.TERMS,
    "testing_opened": NotificationKind.TESTING,
    "tests_reported": NotificationKind.TESTING,
    "production_confirmed": NotificationKind.PRODUCTION,
}


def case_url(permit: Permit) -> str:
    return settings.SITE_URL + reverse("permits:case", args=[permit.uuid])


def officer_case_url(permit: Permit) -> str:
    return settings.SITE_URL + reverse("permits:officer_case", args=[permit.uuid])


def officers_of(permit: Permit) -> list[User]:
    """Who handles the case: its assigned officer, or every active officer while nobody is assigned."""
    return officers_by_case([permit])[permit.pk]


def officers_by_case(permits: Iterable[Permit]) -> dict[int, list[User]]:
    """`officers_of` each case, by case id: every active officer is read once, and only if a case needs them.

    With `assigned_to` selected alongside, that is at most one query for any number of cases.
    """
    everyone: list[User] | None = None
    officers: dict[int, list[User]] = {}
    for permit in permits:
        assignee = permit.assigned_to  # no query when assigned_to_id is None
        if assignee is not None and assignee.is_active:
            officers[permit.pk] = [assignee]
            continue
        if everyone is None:
            everyone = list(staff_with_perm("process_permit"))
        officers[permit.pk] = everyone
    return officers


def staff_with_perm(codename: str) -> QuerySet[User]:
    """Active staff holding the permits app's permission `codename` through a group or directly."""
    via_group = Q(
        groups__permissions__codename=codename, groups__permissions__content_type__app_label="permits"
    )
    direct = Q(user_permissions__codename=codename, user_permissions__content_type__app_label="permits")
    return User.objects.filter(via_group | direct, is_active=True, is_staff=True).distinct().order_by("id")


def _signatories(organisation_ids: set[int]) -> dict[int, list[User]]:
    """The active signatories of each organisation, by organisation id: one query."""
    signatories: dict[int, list[User]] = {organisation_id: [] for organisation_id in organisation_ids}
    memberships = Membership.objects.filter(
        organisation_id__in=organisation_ids, is_signatory=True, user__is_active=True
    ).select_related("user")
    for membership in memberships:
        signatories[membership.organisation_id].append(membership.user)
    return signatories


def applicant_recipients(permit: Permit) -> dict[str, tuple[User | None, str]]:
    """Who hears of the applicant's case, by address: each signatory (their account, their language) and
    the organisation's contact address (no account; the language of the person who started the application).
    """
    return applicant_recipients_by_case([permit])[permit.pk]


def applicant_recipients_by_case(permits: Iterable[Permit]) -> dict[int, dict[str, tuple[User | None, str]]]:
    """`applicant_recipients` of each case, by case id: the signatories of all the cases' organisations
    in one query (their applications' organisations and creators selected alongside)."""
    cases = list(permits)
    signatories = _signatories({permit.application.organisation_id for permit in cases})
    by_case: dict[int, dict[str, tuple[User | None, str]]] = {}
    for permit in cases:
        organisation = permit.application.organisation
        recipients: dict[str, tuple[User | None, str]] = {}
        for user in signatories[organisation.pk]:
            recipients.setdefault(user.email.lower(), (user, user.language))
        if organisation.contact_email:
            recipients.setdefault(
                organisation.contact_email.lower(), (None, permit.application.created_by.language)
            )
        by_case[permit.pk] = recipients
    return by_case


def case_event_notify(event: PermitEvent, extra: dict | None = None) -> list[Notification]:
    """Tell the applicant organisation what happened on its case, in the caller's transaction.

    Each signatory gets it in the portal and (as they choose) by email, in their own language; the
    organisation's contact address gets an email in the language of the person who started the application.
    """
    permit = event.permit
    organisation = permit.application.organisation
    kind = EVENT_KINDS.get(event.action, NotificationKind.CASE_EVENT)
    written = []
    for address, (user, language) in applicant_recipients(permit).items():
        with translation.override(language):
            label = event_label(event)
        notification = notify(
            kind=kind,
            template="case_event",
            context={
                "event": event,
                "label": label,
                "permit": permit,
                "organisation": organisation,
                "case_url": case_url(permit),
                **(extra or {}),
            },
            language=language,
            key=f"case_event:{event.pk}:{address}",
            link=case_url(permit),
            user=user,
            email=address if user is None else None,
        )
        if notification is not None:
            written.append(notification)
    return written


def officer_event_notify(event: PermitEvent) -> list[Notification]:
    """Tell the officers handling the case what the applicant did (answered, wrote, withdrew, …).

    In the caller's transaction, each officer in their own language, linked to the officers' case page.
    """
    return staff_event_notify(
        event,
        officers_of(event.permit),
        url=officer_case_url(event.permit),
        key="officer_event",
        kind=EVENT_KINDS.get(event.action, NotificationKind.CASE_EVENT),
    )


def staff_event_notify(
    event: PermitEvent, users: Iterable[User], *, url: str, key: str, kind: str = NotificationKind.CASE_EVENT
) -> list[Notification]:
    """Tell `users` (agency staff) about `event`, each in their own language, linked to `url`; one row per
    event and person (`<key>:<event id>:<user id>`), in the caller's transaction."""
    permit = event.permit
    written = []
    for user in users:
        with translation.override(user.language):
            label = event_label(event)
        notification = notify(
            kind=kind,
            template="case_event",
            context={
                "event": event,
                "label": label,
                "permit": permit,
                "organisation": permit.application.organisation,
                "case_url": url,
            },
            language=user.language,
            key=f"{key}:{event.pk}:{user.pk}",
            link=url,
            user=user,
        )
        if notification is not None:
            written.append(notification)
    return written


@transaction.atomic
def case_event_notify_by_id(event_id: int) -> list[Notification]:
    """`case_event_notify` for a committed event (from a task); running it again writes nothing new."""
    event = PermitEvent.objects.select_related(
        "permit__application__organisation", "permit__application__created_by"
    ).get(pk=event_id)
    return case_event_notify(event)


def event_notify(event: PermitEvent, *, template: str, language: str) -> list[Notification]:
    """Tell the organisation's contact address and the person who acted about a submission or withdrawal.

    Both in `language`, the language of the person who acted, in the caller's transaction.
    """
    permit = event.permit
    organisation = permit.application.organisation
    recipients: dict[str, User | None] = {}
    if organisation.contact_email:
        recipients[organisation.contact_email.lower()] = None
    if event.actor is not None:
        recipients[event.actor.email.lower()] = event.actor
    written = []
    for address, user in recipients.items():
        notification = notify(
            kind=NotificationKind.SUBMISSION,
            template=template,
            context={
                "event": event,
                "permit": permit,
                "organisation": organisation,
                "case_url": case_url(permit),
            },
            language=language,
            key=f"{NotificationKind.SUBMISSION.value}:{event.pk}:{address}",
            link=case_url(permit),
            user=user,
            email=address if user is None else None,
        )
        if notification is not None:
            written.append(notification)
    return written
