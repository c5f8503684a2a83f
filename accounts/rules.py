"""Who a user is to the portal: the one definition of each staff role, and of the two-factor rule.

Staff roles are Django permissions held through the staff groups (migrations 0002 and 0004 of accounts and
permits): `is_staff` alone opens nothing. Every access function, view, service, menu and query that asks
"is this an officer?" asks here. The rule is one condition (`holds`), which `officers()` filters by and
`facts` reads for the signed-in user, with the two-factor state, in one query per request. Roles that
depend on a case (the holder's signatory, a licensee acting under a mandate) are in `permits.rules`.
"""

from dataclasses import dataclass, fields

from allauth.mfa.models import Authenticator
from django.contrib.auth.models import AnonymousUser, Permission
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet, Subquery

from accounts.models import Membership, User

OFFICER_PERMISSION = "permits.process_permit"
DECISION_MAKER_PERMISSION = "permits.decide_permit"
REGISTRY_ADMIN_PERMISSION = "applications.change_product"

AnyUser = User | AnonymousUser


def holds(permission: str) -> Q:
    """The condition on a user that they are active staff holding `permission` directly, through a group,
    or as a superuser: what Django's ModelBackend.has_perm says, as one condition for the database."""
    app_label, codename = permission.split(".")
    key = Subquery(
        Permission.objects.filter(content_type__app_label=app_label, codename=codename).values("pk")[:1]
    )
    return Q(is_staff=True, is_active=True) & (
        Q(is_superuser=True)
        | Exists(User.user_permissions.through.objects.filter(user=OuterRef("pk"), permission=key))
        | Exists(User.groups.through.objects.filter(user=OuterRef("pk"), group__permissions=key))
    )


@dataclass(frozen=True)
class Facts:
    """What every signed-in page asks about its user, read in one query (`facts`)."""

    mfa_required_by_organisation: bool
    has_authenticator: bool
    officer: bool
    decision_maker: bool
    registry_admin: bool


def facts(user: User) -> Facts:
    """The user's roles and two-factor state in one query, kept on the user object, which lives for one
    request; a role or an authenticator changed elsewhere shows on the next request."""
    known: Facts | None = getattr(user, "_portal_facts", None)
    if known is None:
        row = (
            User.objects.filter(pk=user.pk)
            .annotate(
                mfa_required_by_organisation=Exists(
                    Membership.objects.filter(user=OuterRef("pk"), organisation__require_mfa=True)
                ),
                has_authenticator=Exists(
                    Authenticator.objects.filter(user=OuterRef("pk"), type=Authenticator.Type.TOTP)
                ),
                officer=ExpressionWrapper(holds(OFFICER_PERMISSION), output_field=BooleanField()),
                decision_maker=ExpressionWrapper(
                    holds(DECISION_MAKER_PERMISSION), output_field=BooleanField()
                ),
                registry_admin=ExpressionWrapper(
                    holds(REGISTRY_ADMIN_PERMISSION), output_field=BooleanField()
                ),
            )
            .values_list(*(field.name for field in fields(Facts)))
            .first()
        )
        known = Facts(*(bool(value) for value in row)) if row else Facts(False, False, False, False, False)
        user._portal_facts = known  # type: ignore[attr-defined]  # a per-request memo on the instance
    return known


def is_officer(user: AnyUser) -> bool:
    """An officer processes cases: sees them all, is assigned, asks for supplements, drafts decisions."""
    return bool(user.is_authenticated and user.is_staff and facts(user).officer)


def is_decision_maker(user: AnyUser) -> bool:
    """A decision maker may also make decisions and revoke permits (never their own drafts or proposals)."""
    return bool(user.is_authenticated and user.is_staff and facts(user).decision_maker)


def is_registry_admin(user: AnyUser) -> bool:
    """A registry admin keeps the catalogue, terms, framework licences and users."""
    return bool(user.is_authenticated and user.is_staff and facts(user).registry_admin)


def officers() -> QuerySet[User]:
    """The users `is_officer` accepts, as a query."""
    return User.objects.filter(holds(OFFICER_PERMISSION))


def memberships_of(user: User) -> dict[int, Membership]:
    """The user's memberships by organisation key, in one query kept on the user object for the request
    (a page asks "is this user a member, a signatory?" of one case several times)."""
    known: dict[int, Membership] | None = getattr(user, "_memberships_by_organisation", None)
    if known is None:
        known = {m.organisation_id: m for m in Membership.objects.filter(user=user)} if user.pk else {}
        user._memberships_by_organisation = known  # type: ignore[attr-defined]  # a per-request memo
    return known


def two_factor_state(user: User) -> tuple[bool, bool]:
    """(must the user sign in with two factors, do they have an authenticator). Staff always must;
    organisation members must when any of their organisations requires it."""
    known = facts(user)
    return bool(user.is_staff or known.mfa_required_by_organisation), known.has_authenticator


def must_use_mfa(user: User) -> bool:
    """Staff always; organisation members when any of their organisations requires it."""
    return two_factor_state(user)[0]


def has_authenticator(user: User) -> bool:
    """Whether the user has a TOTP authenticator."""
    return two_factor_state(user)[1]
