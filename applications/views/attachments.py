"""Attachment pages: upload to a draft, download (audited for staff), remove from a draft.

The list and the upload form are the partial `applications/_attachments.html`, shown on the application's
attachments step with the context that `attachments_context` builds.
"""

import logging
from uuid import UUID

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from accounts.services import PortalError
from accounts.types import AuthenticatedHttpRequest
from applications import uploads
from applications.access import access_application, access_attachment, is_member
from applications.forms.attachments import AttachmentForm
from applications.models import Application
from applications.services import attachments as attachment_services

logger = logging.getLogger(__name__)


STEP = "attachments"


# Wizard steps that show the attachment forms; a form says which one it came from to return there.
RETURN_STEPS = {"attachments", "security"}


def _step(request: AuthenticatedHttpRequest) -> str:
    step = request.POST.get("step", STEP)
    return step if step in RETURN_STEPS else STEP


def attachments_context(user: User, application: Application, *, show_hashes: bool | None = None) -> dict:
    """What `applications/_attachments.html` needs. Hashes are shown to staff unless told otherwise."""
    attachments = list(application.attachments.select_related("uploaded_by"))
    for attachment in attachments:
        attachment.type_label = uploads.TYPE_LABELS.get(attachment.content_type, attachment.content_type)
    can_edit = application.is_editable("attachments") and is_member(user, application)
    return {
        "application": application,
        "attachments": attachments,
        "can_edit": can_edit,
        "can_add": can_edit and len(attachments) < uploads.MAX_ATTACHMENTS,
        "attachments_full_message": uploads.too_many_message(),
        "show_hashes": user.is_staff if show_hashes is None else show_hashes,
        "attachment_form": AttachmentForm() if can_edit else None,
    }


def _refused(
    request: AuthenticatedHttpRequest, application: Application, title: str, errors: list[str], status: int
) -> HttpResponse:
    return render(
        request,
        "applications/attachment_error.html",
        {"application": application, "title": title, "errors": errors, "step": _step(request)},
        status=status,
    )


@require_POST
def attachment_upload(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    application = access_application(request.user, uuid, write=True)
    form = AttachmentForm(request.POST, request.FILES)
    title = _("The attachment was not added")
    if not form.is_valid():
        # str() only for the type checker: an ErrorList yields its messages as text.
        errors = [str(error) for field_errors in form.errors.values() for error in field_errors]
        return _refused(request, application, title, errors, 400)
    try:
        attachment = attachment_services.attachment_add(
            application=application,
            user=request.user,
            uploaded=form.cleaned_data["file"],
            kind=form.cleaned_data["kind"],
            description=form.cleaned_data["description"],
        )
    except PortalError as exc:
        return _refused(request, application, title, [exc.message], exc.status)
    messages.success(request, _("%(name)s was added.") % {"name": attachment.display_name})
    return redirect("applications:step", application.uuid, _step(request))


@require_GET
def attachment_download(request: AuthenticatedHttpRequest, uuid: UUID) -> FileResponse:
    attachment = access_attachment(request.user, uuid)
    try:
        handle = attachment_services.attachment_open(attachment=attachment, user=request.user)
    except FileNotFoundError:
        logger.error("The stored file of attachment %s is missing.", attachment.uuid)
        raise Http404 from None
    content_type = attachment.content_type
    if content_type == uploads.TXT:
        content_type += "; charset=utf-8"  # checked to be UTF-8 on upload
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.display_name, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
def attachment_remove(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    attachment = access_attachment(request.user, uuid, write=True)
    application = attachment.application
    try:
        attachment_services.attachment_remove(attachment=attachment, user=request.user)
    except PortalError as exc:
        return _refused(request, application, _("The attachment was not removed"), [exc.message], exc.status)
    messages.success(request, _("%(name)s was removed.") % {"name": attachment.display_name})
    return redirect("applications:step", application.uuid, _step(request))
