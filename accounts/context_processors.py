from django.conf import settings
from django.http import HttpRequest

from accounts.context import active_membership, user_memberships
from accounts.models import Language


def portal(request: HttpRequest) -> dict:
    return {
        "memberships": user_memberships(request),
        "active_membership": active_membership(request),
        "portal_languages": Language.choices,
        "demo_mode": settings.DEMO_MODE,
    }
