from django.conf import settings
from django.http import HttpRequest

from accounts.context import active_membership, user_memberships
from accounts.models import Language
from accounts.rules import is_officer, is_registry_admin


def portal(request: HttpRequest) -> dict:
    active = active_membership(request)
    return {
        "memberships": user_memberships(request),
        "active_membership": active,
        # For the layout's menu: plain values, also for staff, who act for no organisation.
        "active_organisation": active.organisation.uuid if active else "",
        # An annotation of accounts.context.user_memberships (mypy cannot see it on the model).
        "acting_as_licensee": bool(active and getattr(active, "holds_valid_licence", False)),
        # What the menu offers staff: only the pages their role opens (accounts/rules.py).
        "is_officer": is_officer(request.user),
        "is_registry_admin": is_registry_admin(request.user),
        "portal_languages": Language.choices,
        "demo_mode": settings.DEMO_MODE,
    }
