"""The organisation a signed-in user is acting for."""

from django.db.models import Exists, OuterRef
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import FrameworkLicence, Membership

SESSION_KEY = "active_organisation"


def user_memberships(request: HttpRequest) -> list[Membership]:
    memberships: list[Membership] | None = getattr(request, "_memberships", None)
    if memberships is None:
        user = request.user
        memberships = (
            list(
                Membership.objects.filter(user=user)
                .select_related("organisation")
                # For the licensee's menu entry, in the same query rather than one more on every page.
                .annotate(
                    holds_valid_licence=Exists(
                        FrameworkLicence.objects.valid_on(timezone.localdate()).filter(
                            licensee=OuterRef("organisation")
                        )
                    )
                )
                .order_by("organisation__name")
            )
            # Authority staff never belong to an organisation (the services refuse it): no query for them.
            if user.is_authenticated and not user.is_staff
            else []
        )
        # Remembered for the rest of the request (the header, the menu and the view all ask). HttpRequest
        # declares only Django's own attributes.
        request._memberships = memberships  # type: ignore[attr-defined]
    return memberships


def active_membership(request: HttpRequest) -> Membership | None:
    """The membership chosen in the header switcher, or the user's first one."""
    memberships = user_memberships(request)
    chosen = request.session.get(SESSION_KEY) if memberships else None
    for membership in memberships:
        if str(membership.organisation.uuid) == chosen:
            return membership
    return memberships[0] if memberships else None
