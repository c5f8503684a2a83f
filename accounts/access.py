"""The only way a view gets an account object: 404 when it is not visible, 403 when it may not be changed."""

from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import ClientMandate, Invitation, Membership, Organisation, User
from accounts.rules import is_officer, is_registry_admin


def organisations_visible_to(user: User) -> QuerySet[Organisation]:
    """Members see their organisations; officers and registry admins every one; other staff none."""
    if is_officer(user) or is_registry_admin(user):
        return Organisation.objects.all()
    if user.is_staff:
        return Organisation.objects.none()
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


def mandates_visible_to(user: User) -> QuerySet[ClientMandate]:
    """Mandates `user` may see (and whose power of attorney they may download): those given by their
    organisation, those given to it while in force, and every mandate for the authority's case handlers."""
    if user.is_staff:
        return ClientMandate.objects.all() if is_officer(user) else ClientMandate.objects.none()
    client_member = Membership.objects.filter(user=user, organisation=OuterRef("client"))
    in_force = ClientMandate.objects.active_on(timezone.localdate()).filter(
        pk=OuterRef("pk"), licensee__memberships__user=user
    )
    return ClientMandate.objects.filter(Q(Exists(client_member)) | Q(Exists(in_force)))


def access_mandate(user: User, uuid: UUID, *, manage: bool = False) -> ClientMandate:
    """Return the mandate if `user` may see it; `manage` (ending it) needs an admin of the client."""
    mandate = get_object_or_404(
        mandates_visible_to(user).select_related("licensee", "client", "ended_by"), uuid=uuid
    )
    if manage and not is_org_admin(user, mandate.client):
        raise PermissionDenied
    return mandate
