"""The holder starts an amendment or a renewal of its permit from the case page."""

from uuid import UUID

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.services import PortalError
from accounts.types import AuthenticatedHttpRequest
from applications.models import ApplicationKind
from permits.access import access_permit
from permits.services.amendments import amendment_start
from permits.views.pages import applicant_case_page


@require_POST
def amend(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    permit = access_permit(request.user, uuid)
    kind = request.POST.get("kind", ApplicationKind.AMENDMENT)
    try:
        draft = amendment_start(permit=permit, user=request.user, kind=kind)
    except PortalError as exc:
        messages.error(request, exc.message)
        return applicant_case_page(request, permit, status=exc.status)
    if kind == ApplicationKind.RENEWAL:
        messages.success(request, _("A renewal application was started from the permit as it now is."))
    else:
        messages.success(request, _("An amendment application was started from the permit as it now is."))
    return redirect("applications:step", draft.uuid, "purpose")
