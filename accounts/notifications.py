"""Notifications about accounts, written into the outbox (notifications/) in the recipient's language."""

from django.conf import settings
from django.urls import reverse

from accounts.models import Invitation, User
from notifications.models import NotificationKind
from notifications.services import notify


def invitation_notify(*, invitation: Invitation, token: str, language: str) -> None:
    """Email the invitation's one-time link; an invitee who already has an account also sees it in the portal.

    The link carries the token, so the outbox row holds it too (the email must survive a broker outage and
    be resendable). The row is as private as the invitation: only its recipient sees it in the portal and
    the admin shows no message bodies. It is usable once and expires with the invitation.
    """
    user = User.objects.filter(email__iexact=invitation.email, is_active=True).first()
    notify(
        kind=NotificationKind.INVITATION,
        template="invitation",
        context={
            "invitation": invitation,
            "accept_url": settings.SITE_URL + reverse("accounts:invitation", args=[token]),
        },
        language=language,
        key=f"invitation:{invitation.uuid}:{invitation.email.lower()}",
        user=user,
        email=invitation.email,
    )
