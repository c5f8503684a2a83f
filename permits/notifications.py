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
