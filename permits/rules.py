"""Who may act on a case for its holder: the one definition of the holder's signatory and member, and of who
may notify or answer a change. The authority's roles (officer, decision maker, registry admin) are defined
in `accounts.rules`, the lowest layer, because every app asks them; this module is for the roles that
depend on a case."""

from accounts.mandates import is_licensee_acting
from accounts.models import User
from accounts.rules import is_decision_maker, is_officer, is_registry_admin, memberships_of
from permits.models import ChangeNotification, Permit

__all__ = [
    "is_decision_maker",
    "is_holder_member",
    "is_holder_signatory",
    "is_licensee_acting",
    "is_officer",
    "is_registry_admin",
    "is_signatory",
    "may_answer_change",
    "may_notify_change",
    "signs_for_holder",
]


def is_signatory(user: User, permit: Permit) -> bool:
    """Whether `user` may act for the applicant organisation of `permit`."""
    membership = memberships_of(user).get(permit.application.organisation_id)
    return bool(membership and membership.is_signatory)


# A signatory of the organisation that applies for, or holds, the permit.
is_holder_signatory = is_signatory


def signs_for_holder(user: User, permit: Permit) -> bool:
    """A signatory of the holder acting for it: staff act for the agency, never for the holder."""
    return not user.is_staff and is_holder_signatory(user, permit)


def is_holder_member(user: User, permit: Permit) -> bool:
    """A member of the applicant organisation, or of the licensee acting for it under a mandate in force."""
    application = permit.application
    return application.organisation_id in memberships_of(user) or is_licensee_acting(
        user, client_id=application.organisation_id, licensee_id=application.filed_by_id
    )


def may_notify_change(user: User, permit: Permit) -> bool:
    """A signatory of the holder, or a member of the licensee acting for the holder under a mandate in force."""
    application = permit.application
    return not user.is_staff and (
        is_signatory(user, permit)
        or is_licensee_acting(
            user, client_id=application.organisation_id, licensee_id=application.filed_by_id
        )
    )


def may_answer_change(user: User, change: ChangeNotification) -> bool:
    """A signatory or any member of the holder, or a member of the licensee acting for it."""
    return not user.is_staff and is_holder_member(user, change.permit)
