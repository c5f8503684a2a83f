"""Every write that matters for users, organisations, memberships and invitations."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit
from accounts.models import (
    Invitation,
    Language,
    Membership,
    MembershipRole,
    Organisation,
    User,
)
from accounts.notifications import invitation_notify
from accounts.signals import organisation_changed


class PortalError(Exception):
    """A broken business rule, with a message the user can read. `status` is the HTTP answer."""

    def __init__(self, message: str, *, status: int = 409) -> None:
        super().__init__(message)
        self.message = message
        self.status = status

    def __str__(self) -> str:
        return self.message


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _require_admin(organisation: Organisation, actor: User) -> None:
    if not Membership.objects.admins().filter(organisation=organisation, user=actor).exists():
        raise PortalError(_("Only an administrator of the organisation may do this."), status=403)


def _lock(organisation: Organisation) -> Organisation:
    """Lock the organisation row so that membership changes to it happen one at a time."""
    return Organisation.objects.select_for_update().get(pk=organisation.pk)


ORGANISATION_FIELDS = (
    "name",
    "business_id",
    "kind",
    "street_address",
    "postal_code",
    "city",
    "contact_email",
)


@transaction.atomic
def organisation_create(
    *,
    user: User,
    name: str,
    business_id: str,
    kind: str,
    street_address: str,
    postal_code: str,
    city: str,
    contact_email: str,
) -> Organisation:
    """Register an organisation; its creator becomes its administrator and signatory."""
    if user.is_staff:
        raise PortalError(_("Authority staff cannot belong to an organisation."), status=403)
    try:
        with transaction.atomic():
            organisation = Organisation.objects.create(
                name=name,
                business_id=business_id,
                kind=kind,
                street_address=street_address,
                postal_code=postal_code,
                city=city,
                contact_email=contact_email,
            )
    except IntegrityError:
        raise PortalError(_("An organisation with this Business ID is already registered.")) from None
    Membership.objects.create(
        organisation=organisation, user=user, role=MembershipRole.ADMIN, is_signatory=True
    )
    audit(
        actor=user,
        action="organisation_created",
        target=organisation,
        organisation=organisation,
        name=name,
        business_id=business_id,
    )
    return organisation


@transaction.atomic
def organisation_update(
    *, organisation: Organisation, actor: User, require_mfa: bool, **fields: str
) -> Organisation:
    """Change an organisation's details; only its administrators may."""
    organisation = _lock(organisation)
    _require_admin(organisation, actor)
    changes = {}
    for name in ORGANISATION_FIELDS:
        if name in fields and getattr(organisation, name) != fields[name]:
            changes[name] = [getattr(organisation, name), fields[name]]
            setattr(organisation, name, fields[name])
    if organisation.require_mfa != require_mfa:
        changes["require_mfa"] = [organisation.require_mfa, require_mfa]
        organisation.require_mfa = require_mfa
    if not changes:
        return organisation
    try:
        with transaction.atomic():
            organisation.save()
    except IntegrityError:
        raise PortalError(_("An organisation with this Business ID is already registered.")) from None
    audit(
        actor=actor,
        action="organisation_updated",
        target=organisation,
        organisation=organisation,
        changes=changes,
    )
    organisation_changed.send(
        sender=Organisation, organisation=organisation, actor=actor, fields=sorted(changes)
    )
    return organisation


@transaction.atomic
def invitation_create(
    *, organisation: Organisation, inviter: User, email: str, role: str, is_signatory: bool
) -> Invitation:
    """Invite someone by email. A pending invitation to the same address is replaced by this one."""
    organisation = _lock(organisation)
    _require_admin(organisation, inviter)
    return invitation_send(
        organisation=organisation, inviter=inviter, email=email, role=role, is_signatory=is_signatory
    )


def invitation_send(
    *, organisation: Organisation, inviter: User, email: str, role: str, is_signatory: bool
) -> Invitation:
    """Write and email an invitation, in the caller's transaction, with the organisation row locked.

    The caller has checked the inviter's right: an administrator of the organisation, or a framework
    licensee inviting the representative of a new client organisation (applications/licensing.py).
    """
    email = email.strip().lower()
    if Membership.objects.filter(organisation=organisation, user__email__iexact=email).exists():
        raise PortalError(_("%(email)s is already a member of this organisation.") % {"email": email})
    if User.objects.filter(email__iexact=email, is_staff=True).exists():
        raise PortalError(_("Authority staff cannot belong to an organisation."), status=403)
    now = timezone.now()
    organisation.invitations.pending().filter(email__iexact=email).update(revoked_at=now)
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        organisation=organisation,
        email=email,
        role=role,
        is_signatory=is_signatory,
        token_hash=hash_token(token),
        invited_by=inviter,
        expires_at=now + timedelta(days=settings.INVITATION_VALID_DAYS),
    )
    audit(
        actor=inviter,
        action="invitation_sent",
        target=invitation,
        organisation=organisation,
        email=email,
        role=role,
        is_signatory=is_signatory,
    )
    language = User.objects.filter(email__iexact=email).values_list("language", flat=True).first()
    language = language or inviter.language or Language.FI
    invitation_notify(invitation=invitation, token=token, language=language)
    return invitation


def invitation_for_token(token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("organisation", "invited_by")
        .filter(token_hash=hash_token(token))
        .first()
    )


@transaction.atomic
def invitation_accept(*, token: str, user: User) -> Membership:
    """Join the organisation the invitation is for. Each invitation works once, before it expires."""
    invitation = Invitation.objects.select_for_update().filter(token_hash=hash_token(token)).first()
    if invitation is None:
        raise PortalError(
            _("This invitation link is not valid. Ask the organisation for a new invitation."), status=404
        )
    if invitation.accepted_at is not None:
        raise PortalError(_("This invitation has already been used."), status=410)
    if invitation.revoked_at is not None:
        raise PortalError(
            _("This invitation has been cancelled. Ask the organisation for a new one."), status=410
        )
    if invitation.expires_at <= timezone.now():
        raise PortalError(_("This invitation has expired. Ask the organisation for a new one."), status=410)
    if user.email.lower() != invitation.email.lower():
        raise PortalError(
            _("This invitation was sent to %(email)s. Sign in with that address to accept it.")
            % {"email": invitation.email},
            status=403,
        )
    if user.is_staff:
        raise PortalError(_("Authority staff cannot belong to an organisation."), status=403)
    organisation = _lock(invitation.organisation)
    if Membership.objects.filter(organisation=organisation, user=user).exists():
        raise PortalError(_("You are already a member of this organisation."))
    membership = Membership.objects.create(
        organisation=organisation, user=user, role=invitation.role, is_signatory=invitation.is_signatory
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit(
        actor=user,
        action="invitation_accepted",
        target=invitation,
        organisation=organisation,
        role=membership.role,
        is_signatory=membership.is_signatory,
    )
    return membership


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor: User) -> Invitation:
    """Cancel an invitation that has not been used yet."""
    _lock(invitation.organisation)
    _require_admin(invitation.organisation, actor)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_pending:
        raise PortalError(_("Only a pending invitation can be cancelled."))
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit(actor=actor, action="invitation_revoked", target=invitation, organisation=invitation.organisation)
    return invitation


def _ensure_an_admin_remains(organisation: Organisation, leaving: Membership) -> None:
    others = Membership.objects.admins().filter(organisation=organisation).exclude(pk=leaving.pk)
    if leaving.is_admin and not others.exists():
        raise PortalError(
            _("An organisation must keep at least one administrator. Appoint another one first.")
        )


@transaction.atomic
def membership_update(*, membership: Membership, actor: User, role: str, is_signatory: bool) -> Membership:
    """Change a member's role and signatory right; the last administrator cannot be demoted."""
    organisation = _lock(membership.organisation)
    _require_admin(organisation, actor)
    membership = Membership.objects.get(pk=membership.pk)
    if role != MembershipRole.ADMIN:
        _ensure_an_admin_remains(organisation, membership)
    changes: dict[str, list[str] | list[bool]] = {}
    if membership.role != role:
        changes["role"] = [membership.role, role]
    if membership.is_signatory != is_signatory:
        changes["is_signatory"] = [membership.is_signatory, is_signatory]
    if not changes:
        return membership
    membership.role = role
    membership.is_signatory = is_signatory
    membership.save(update_fields=["role", "is_signatory"])
    audit(
        actor=actor,
        action="membership_changed",
        target=membership,
        organisation=organisation,
        user=membership.user.email,
        changes=changes,
    )
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, actor: User) -> None:
    """Remove a member (an administrator's right) or leave (anyone's own membership)."""
    organisation = _lock(membership.organisation)
    if membership.user_id != actor.pk:
        _require_admin(organisation, actor)
    membership = Membership.objects.select_related("user").get(pk=membership.pk)
    _ensure_an_admin_remains(organisation, membership)
    audit(
        actor=actor,
        action="membership_removed",
        target=membership,
        organisation=organisation,
        user=membership.user.email,
        role=membership.role,
    )
    membership.delete()
    organisation_changed.send(
        sender=Organisation,
        organisation=organisation,
        actor=actor,
        fields=["member_removed"],
        removed_email=membership.user.email,
    )


@transaction.atomic
def user_update_profile(*, user: User, full_name: str, language: str) -> User:
    """Change one's own name and language."""
    user = User.objects.select_for_update().get(pk=user.pk)
    changes = {}
    if user.full_name != full_name:
        changes["full_name"] = [user.full_name, full_name]
    if user.language != language:
        changes["language"] = [user.language, language]
    if changes:
        user.full_name = full_name
        user.language = language
        user.save(update_fields=["full_name", "language"])
        audit(actor=user, action="profile_updated", target=user, changes=changes)
    return user


def user_set_language(*, user: User, language: str) -> None:
    """Remember the language a signed-in user switched to."""
    if language in Language.values and user.language != language:
        User.objects.filter(pk=user.pk).update(language=language)
        user.language = language
