"""A client's mandates for framework licensees: ending one, and downloading its power of attorney.

The client's organisation page lists its mandates (accounts/views.py); these views act on one of them.
"""

import logging
from uuid import UUID

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.access import access_mandate
from accounts.models import ClientMandate
from accounts.services import PortalError
from accounts.types import AuthenticatedHttpRequest
from applications.models import Application, ApplicationStatus
from applications.uploads import EXTENSIONS
from permits.selectors import mandates as licensing_selectors
from permits.services import mandates as licensing_services

logger = logging.getLogger(__name__)


CONTENT_TYPES = {extension: content_type for content_type, extension in EXTENSIONS.items()}


def _end_page(
    request: HttpRequest, mandate: ClientMandate, *, error: str = "", status: int = 200
) -> HttpResponse:
    context = {
        "mandate": mandate,
        "cases": len(licensing_selectors.cases_filed_under(mandate)),
        "drafts": Application.objects.filter(
            organisation_id=mandate.client_id,
            filed_by_id=mandate.licensee_id,
            status=ApplicationStatus.DRAFT,
        ).count(),
        "error": error,
    }
    return render(request, "permits/mandate_end.html", context, status=status)


@require_http_methods(["GET", "POST"])
def mandate_end(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    """An administrator of the client ends the mandate, after a page that says what follows."""
    mandate = access_mandate(request.user, uuid, manage=True)
    if request.method == "GET":
        return _end_page(request, mandate)
    try:
        licensing_services.mandate_end(mandate=mandate, actor=request.user)
    except PortalError as exc:
        mandate.refresh_from_db()
        return _end_page(request, mandate, error=exc.message, status=exc.status)
    messages.success(
        request,
        _(
            "The mandate of %(licensee)s ended. Its members no longer see the applications and cases of %(client)s."
        )
        % {"licensee": mandate.licensee.name, "client": mandate.client.name},
    )
    return redirect("accounts:organisation", mandate.client.uuid)


@require_GET
def power_of_attorney(request: AuthenticatedHttpRequest, uuid: UUID) -> FileResponse:
    """The power of attorney, always as a download: to the client's members, the licensee's members while
    the mandate is in force, and the authority's case handlers (logged)."""
    mandate = access_mandate(request.user, uuid)
    try:
        handle = licensing_services.power_of_attorney_open(mandate=mandate, user=request.user)
    except FileNotFoundError:
        logger.error("The stored power of attorney of mandate %s is missing.", mandate.uuid)
        raise Http404 from None
    extension = mandate.power_of_attorney.name.rpartition(".")[2].lower()
    content_type = CONTENT_TYPES.get(extension, "application/octet-stream")
    if extension == "txt":
        content_type += "; charset=utf-8"  # checked to be UTF-8 on upload
    response = FileResponse(
        handle, as_attachment=True, filename=mandate.power_of_attorney_name, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
