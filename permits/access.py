"""The only way a view gets a permit case or one of its documents.

Not visible → 404, as if it did not exist. Visible but not allowed to change → 403.
Members of the applicant organisation see its cases; officers see every case, other staff none. The applicant's
own actions (withdrawing, accepting terms) are checked by the services: they need a signatory.
"""

from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from accounts.mandates import acting_for
from accounts.models import User
from accounts.rules import is_officer
from permits.models import ChangeAttachment, ChangeNotification, Permit, PermitDocument


def permits_visible_to(user: User) -> QuerySet[Permit]:
    """Cases `user` may see: every case for officers (none for other staff), the organisation's own cases for
    its members, and the cases a licensee filed for its client to the licensee's members while the mandate
    is in force."""
    if user.is_staff:
        return Permit.objects.all() if is_officer(user) else Permit.objects.none()
    return Permit.objects.filter(
        acting_for(user, organisation="application__organisation", filed_by="application__filed_by")
    )


def access_permit(user: User, uuid: UUID, *, write: bool = False) -> Permit:
    """Return the case if `user` may see it; `write` (processing it) needs an officer's permission."""
    permit = get_object_or_404(
        permits_visible_to(user).select_related(
            "application__organisation", "application__product", "application__consultation"
        ),
        uuid=uuid,
    )
    if write and not is_officer(user):
        raise PermissionDenied
    return permit


def access_document(user: User, uuid: UUID) -> PermitDocument:
    """Return a case document if `user` may see its case (through `access_permit`); otherwise 404."""
    document = get_object_or_404(PermitDocument.objects.select_related("permit"), uuid=uuid)
    document.permit = access_permit(user, document.permit.uuid)
    return document


def access_change(user: User, uuid: UUID, *, write: bool = False) -> ChangeNotification:
    """Return a change notification if `user` may see its permit (through `access_permit`); otherwise 404.

    `write` (handling it) needs an officer's permission.
    """
    change = get_object_or_404(ChangeNotification.objects.select_related("permit"), uuid=uuid)
    change.permit = access_permit(user, change.permit.uuid, write=write)
    return change


def access_change_attachment(user: User, uuid: UUID) -> ChangeAttachment:
    """Return a change notification's attachment if `user` may see the permit; otherwise 404."""
    attachment = get_object_or_404(ChangeAttachment.objects.select_related("change__permit"), uuid=uuid)
    attachment.change = access_change(user, attachment.change.uuid)
    return attachment
