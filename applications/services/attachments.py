"""Adding, removing and opening an application's attachments (checked by applications.uploads)."""

import secrets

from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.audit import audit
from accounts.models import User
from accounts.services import PortalError
from applications.access import is_member
from applications.models import Application, Attachment, AttachmentKind
from applications.uploads import (
    DESCRIPTION_MAX_LENGTH,
    MAX_ATTACHMENTS,
    _unique_name,
    checked_upload,
    too_many_message,
)


def _lock_for_change(application: Application, user: User) -> Application:
    """Lock the application so that adding, removing and submitting happen one at a time; check the rules."""
    application = (
        Application.objects.select_for_update().select_related("organisation").get(pk=application.pk)
    )
    if not is_member(user, application):
        raise PortalError(_("Only members of the applicant organisation may change attachments."), status=403)
    if not application.is_editable("attachments"):
        raise PortalError(_("A submitted application cannot be changed."), status=409)
    return application


@transaction.atomic
def attachment_add(
    *, application: Application, user: User, uploaded: UploadedFile, kind: str, description: str = ""
) -> Attachment:
    """Check the upload, store it under a random name and attach it to a draft application."""
    application = _lock_for_change(application, user)
    if kind not in AttachmentKind.values:
        raise PortalError(_("Choose one of the offered kinds of attachment."), status=400)
    description = " ".join(description.split())
    if len(description) > DESCRIPTION_MAX_LENGTH:
        raise PortalError(
            _("The description can be at most %(count)d characters long.")
            % {"count": DESCRIPTION_MAX_LENGTH},
            status=400,
        )
    taken = set(application.attachments.values_list("display_name", flat=True))
    if len(taken) >= MAX_ATTACHMENTS:
        raise PortalError(too_many_message())
    check = checked_upload(uploaded)
    attachment = Attachment(
        application=application,
        kind=kind,
        description=description,
        display_name=_unique_name(check.display_name, taken),
        content_type=check.content_type,
        size=check.size,
        sha256=check.sha256,
        uploaded_by=user,
    )
    # The stored name says nothing of the user's name; only the extension is ours, from the content.
    attachment.file.save(f"{secrets.token_hex(16)}.{check.extension}", uploaded, save=False)
    try:
        with transaction.atomic():
            attachment.save()
            audit(
                actor=user,
                action="attachment_added",
                target=attachment,
                organisation=application.organisation,
                application=application.uuid,
                name=attachment.display_name,
                kind=kind,
                content_type=check.content_type,
                size=check.size,
                sha256=check.sha256,
            )
    except BaseException:
        attachment.file.delete(save=False)
        raise
    return attachment


@transaction.atomic
def attachment_remove(*, attachment: Attachment, user: User) -> None:
    """Remove an attachment from a draft application; its file is deleted once the removal is committed."""
    application = _lock_for_change(attachment.application, user)
    current = Attachment.objects.filter(pk=attachment.pk, application=application).first()
    if current is None:
        raise PortalError(_("The attachment has already been removed."), status=404)
    audit(
        actor=user,
        action="attachment_removed",
        target=current,
        organisation=application.organisation,
        application=application.uuid,
        name=current.display_name,
        sha256=current.sha256,
    )
    storage, name = current.file.storage, current.file.name
    current.delete()
    transaction.on_commit(lambda: storage.delete(name))


def attachment_open(*, attachment: Attachment, user: User) -> File:
    """Open the stored file for download; a staff member's view is audited (Information Management Act)."""
    handle = attachment.file.open("rb")
    if user.is_staff:
        try:
            audit(
                actor=user,
                action="attachment_viewed",
                target=attachment,
                organisation=attachment.application.organisation,
                application=attachment.application.uuid,
                name=attachment.display_name,
            )
        except BaseException:
            handle.close()
            raise
    return handle
