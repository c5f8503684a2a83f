"""Emails about a case, rendered in the language of the person who acted (the applicant's choice)."""

from django.conf import settings
from django.urls import reverse

from accounts.notifications import send_templated_email
from permits.models import PermitEvent


def send_event_email(event_id: int, *, template: str, language: str) -> None:
    """Tell the applicant organisation (its contact address) and the person who acted about an event."""
    event = PermitEvent.objects.select_related("permit__application__organisation", "actor").get(pk=event_id)
    permit = event.permit
    organisation = permit.application.organisation
    context = {
        "event": event,
        "permit": permit,
        "organisation": organisation,
        "case_url": settings.SITE_URL + reverse("permits:case", args=[permit.uuid]),
    }
    recipients = [organisation.contact_email]
    if event.actor and event.actor.email.lower() not in {r.lower() for r in recipients}:
        recipients.append(event.actor.email)
    for to in recipients:
        send_templated_email(template=template, to=to, language=language, context=context)


def send_case_event(event_id: int) -> None:
    """Tell the applicant organisation what happened on its case: to its contact address (in the language
    of the person who started the application) and to each signatory in their own language."""
    from django.utils import translation

    from accounts.models import Membership
    from permits.display import event_label

    event = PermitEvent.objects.select_related(
        "permit__application__organisation", "permit__application__created_by"
    ).get(pk=event_id)
    permit = event.permit
    organisation = permit.application.organisation
    recipients = {organisation.contact_email.lower(): permit.application.created_by.language}
    for membership in Membership.objects.filter(organisation=organisation, is_signatory=True).select_related(
        "user"
    ):
        recipients.setdefault(membership.user.email.lower(), membership.user.language)
    for to, language in recipients.items():
        with translation.override(language):
            label = event_label(event)
        send_templated_email(
            template="case_event",
            to=to,
            language=language,
            context={
                "event": event,
                "label": label,
                "permit": permit,
                "organisation": organisation,
                "case_url": settings.SITE_URL + reverse("permits:case", args=[permit.uuid]),
            },
        )
