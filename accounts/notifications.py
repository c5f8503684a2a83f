"""Emails about accounts, rendered in the recipient's language (subject, text and HTML templates)."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from accounts.models import Invitation


def send_templated_email(*, template: str, to: str, language: str, context: dict) -> None:
    """Render emails/<template>_{subject,body}.{txt,html} in `language` and send them."""
    with translation.override(language):
        context = {**context, "site_url": settings.SITE_URL}
        subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
        text = render_to_string(f"emails/{template}_body.txt", context)
        html = render_to_string(f"emails/{template}_body.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[to])
    message.attach_alternative(html, "text/html")
    message.send()


def send_invitation_email(invitation_pk: int, token: str, language: str) -> None:
    invitation = Invitation.objects.select_related("organisation", "invited_by").get(pk=invitation_pk)
    send_templated_email(
        template="invitation",
        to=invitation.email,
        language=language,
        context={
            "invitation": invitation,
            "accept_url": settings.SITE_URL + reverse("accounts:invitation", args=[token]),
        },
    )
