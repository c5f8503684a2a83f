"""The only way a view gets an account object: 404 when it is not visible, 403 when it may not be changed."""

from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import Invitation, Membership, Organisation, User


def organisations_visible_to(user: User) -> QuerySet[Organisation]:
    if user.is_staff:
        return Organisation.objects.all()
    return Organisation.objects.filter(memberships__user=user)


def is_org_admin(user: User, organisation: Organisation) -> bool:
    return Membership.objects.admins().filter(organisation=organisation, user=user).exists()


def access_organisation(user: User, uuid: UUID, *, manage: bool = False) -> Organisation:
    """Return the organisation if `user` is its member (or authority staff); `manage` needs its admin."""
    organisation = get_object_or_404(organisations_visible_to(user), uuid=uuid)
    if manage and not is_org_admin(user, organisation):
        raise PermissionDenied
    return organisation


def access_membership(user: User, uuid: UUID, *, manage: bool = False) -> Membership:
    """Return a membership of an organisation the user belongs to; `manage` needs admin or one's own row."""
    membership = get_object_or_404(
        Membership.objects.select_related("organisation", "user").filter(
            Q(organisation__memberships__user=user)
        ),
        uuid=uuid,
    )
    if manage and membership.user_id != user.pk and not is_org_admin(user, membership.organisation):
        raise PermissionDenied
    return membership


def access_invitation(user: User, uuid: UUID, *, manage: bool = False) -> Invitation:
    """Return an invitation of an organisation the user belongs to; `manage` needs its admin."""
    invitation = get_object_or_404(
        Invitation.objects.select_related("organisation").filter(organisation__memberships__user=user),
        uuid=uuid,
    )
    if manage and not is_org_admin(user, invitation.organisation):
        raise PermissionDenied
    return invitation
