"""The only way a view gets an application, consultation or attachment.

Not visible → 404, as if it did not exist. Visible but not allowed to change → 403.
Organisation members see their organisation's applications and consultations; a framework licensee's
members also the applications their organisation filed for a client under a mandate in force; authority
officers see submitted applications and every consultation, never an organisation's drafts; other staff
(a registry admin, or staff without a role) see none (accounts/rules.py).
"""

from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from accounts.mandates import acting_for, is_licensee_acting
from accounts.models import User
from accounts.rules import is_officer, memberships_of
from applications.models import Application, ApplicationQuerySet, ApplicationStatus, Attachment, Consultation


def applications_visible_to(user: User) -> ApplicationQuerySet:
    """Officers: every submitted application; other staff: none. Others: their organisations' own, and
    those their licensee organisation filed for a client while the mandate is in force (accounts/mandates.py)."""
    if user.is_staff:
        if is_officer(user):
            return Application.objects.exclude(status=ApplicationStatus.DRAFT)
        return Application.objects.none()
    return Application.objects.filter(acting_for(user, organisation="organisation", filed_by="filed_by"))


def is_member(user: User, application: Application) -> bool:
    """Whether `user` may prepare the application: a member of the applicant, or its licensee acting for it."""
    if user.is_staff:
        return False
    return application.organisation_id in memberships_of(user) or is_licensee_acting(
        user, client_id=application.organisation_id, licensee_id=application.filed_by_id
    )


def access_application(user: User, uuid: UUID, *, write: bool = False) -> Application:
    """Return the application if `user` may see it; `write` needs membership of the applicant organisation."""
    application = get_object_or_404(
        applications_visible_to(user).select_related("organisation", "product", "purpose"), uuid=uuid
    )
    if write and not is_member(user, application):
        raise PermissionDenied
    return application


def consultations_visible_to(user: User) -> QuerySet[Consultation]:
    if user.is_staff:
        return Consultation.objects.all() if is_officer(user) else Consultation.objects.none()
    return Consultation.objects.filter(organisation__memberships__user=user)


def access_consultation(user: User, uuid: UUID, *, write: bool = False) -> Consultation:
    """Return the consultation if `user` may see it; `write` (post, close) needs a member or an officer."""
    consultation = get_object_or_404(
        consultations_visible_to(user).select_related("organisation", "product"), uuid=uuid
    )
    if write and not (is_officer(user) or consultation.organisation.memberships.filter(user=user).exists()):
        raise PermissionDenied
    return consultation


def access_attachment(user: User, uuid: UUID, *, write: bool = False) -> Attachment:
    """Return the attachment if `user` may see its application; `write` (remove) needs membership."""
    visible = applications_visible_to(user)
    attachment = get_object_or_404(
        Attachment.objects.select_related("application__organisation").filter(Q(application__in=visible)),
        uuid=uuid,
    )
    if write and not is_member(user, attachment.application):
        raise PermissionDenied
    return attachment
