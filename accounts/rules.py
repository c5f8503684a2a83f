"""Who a user is to the portal: the one definition of each staff role, and of the two-factor rule.

Staff roles are Django permissions held through the staff groups (migrations 0002 and 0004 of accounts and
permits): `is_staff` alone opens nothing. Every access function, view, service, menu and query that asks
"is this an officer?" asks here (or `officers()`, the same rule as a query). Roles that depend on a case
(the holder's signatory, a licensee acting under a mandate) are in `permits.rules`.
"""

from allauth.mfa.models import Authenticator
from django.contrib.auth.models import AnonymousUser, Permission
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

from accounts.models import Membership, User

OFFICER_PERMISSION = "permits.process_permit"
DECISION_MAKER_PERMISSION = "permits.decide_permit"
REGISTRY_ADMIN_PERMISSION = "applications.change_product"

AnyUser = User | AnonymousUser


def _staff_with(user: AnyUser, permission: str) -> bool:
    # Django's ModelBackend reads a user's permissions once (two queries) and keeps them on the user object.
    return bool(user.is_authenticated and user.is_active and user.is_staff and user.has_perm(permission))


def is_staff(user: AnyUser) -> bool:
    """Authority staff, with or without a role (they belong to no organisation)."""
    return bool(user.is_authenticated and user.is_staff)


def is_officer(user: AnyUser) -> bool:
    """An officer processes cases: sees them all, is assigned, asks for supplements, drafts decisions."""
    return _staff_with(user, OFFICER_PERMISSION)


def is_decision_maker(user: AnyUser) -> bool:
    """A decision maker may also make decisions and revoke permits (never their own drafts or proposals)."""
    return _staff_with(user, DECISION_MAKER_PERMISSION)


def is_registry_admin(user: AnyUser) -> bool:
    """A registry admin keeps the catalogue, terms, framework licences and users."""
    return _staff_with(user, REGISTRY_ADMIN_PERMISSION)


def officers() -> QuerySet[User]:
    """The users `is_officer` accepts, as a query: active staff holding the officer permission directly,
    through a group, or as superusers (what ModelBackend's `has_perm` says)."""
    app_label, codename = OFFICER_PERMISSION.split(".")
    permission = Subquery(
        Permission.objects.filter(content_type__app_label=app_label, codename=codename).values("pk")[:1]
    )
    return User.objects.filter(
        Q(is_staff=True, is_active=True)
        & (
            Q(is_superuser=True)
            | Exists(User.user_permissions.through.objects.filter(user=OuterRef("pk"), permission=permission))
            | Exists(User.groups.through.objects.filter(user=OuterRef("pk"), group__permissions=permission))
        )
    )


def memberships_of(user: User) -> dict[int, Membership]:
    """The user's memberships by organisation key, in one query kept on the user object for the request
    (a page asks "is this user a member, a signatory?" of one case several times)."""
    known: dict[int, Membership] | None = getattr(user, "_memberships_by_organisation", None)
    if known is None:
        known = {m.organisation_id: m for m in Membership.objects.filter(user=user)} if user.pk else {}
        user._memberships_by_organisation = known  # type: ignore[attr-defined]  # a per-request memo
    return known


def two_factor_state(user: User) -> tuple[bool, bool]:
    """(must the user sign in with two factors, do they have an authenticator), in one query.

    Staff always must; organisation members must when any of their organisations requires it. The
    answer is kept on the user object, which lives for one request.
    """
    known = getattr(user, "_two_factor_state", None)
    if known is None:
        row = (
            User.objects.filter(pk=user.pk)
            .annotate(
                required=Exists(
                    Membership.objects.filter(user=OuterRef("pk"), organisation__require_mfa=True)
                ),
                enrolled=Exists(
                    Authenticator.objects.filter(user=OuterRef("pk"), type=Authenticator.Type.TOTP)
                ),
            )
            .values_list("required", "enrolled")
            .first()
        )
        required, enrolled = row or (False, False)
        known = (bool(user.is_staff or required), bool(enrolled))
        user._two_factor_state = known  # type: ignore[attr-defined]  # a per-request memo on the instance
    return known


def must_use_mfa(user: User) -> bool:
    """Staff always; organisation members when any of their organisations requires it."""
    return two_factor_state(user)[0]


def has_authenticator(user: User) -> bool:
    """Whether the user has a TOTP authenticator."""
    return two_factor_state(user)[1]
