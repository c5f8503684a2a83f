"""The applicant's side of a case: the dashboard, submitting, the case page, withdrawing, documents."""

import logging
from uuid import UUID

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.audit import audit
from accounts.context import active_membership
from accounts.services import PortalError
from accounts.types import AuthenticatedHttpRequest
from applications.access import access_application, applications_visible_to
from permits.access import access_document, access_permit, permits_visible_to
from permits.display import DRAFT_NEXT_STEP, next_step, plain_state
from permits.forms.submission import WithdrawForm
from permits.services import submission as services
from permits.views.pages import applicant_case_page

logger = logging.getLogger(__name__)


@require_GET
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The acting organisation's drafts and cases, each with what is expected of the organisation next."""
    membership = active_membership(request)
    if request.user.is_staff or membership is None:
        return redirect("accounts:home")
    organisation = membership.organisation
    drafts = (
        applications_visible_to(request.user)
        .drafts()
        .filter(organisation=organisation)
        .select_related("product", "purpose")
        .order_by("-updated_at")
    )
    cases = list(
        permits_visible_to(request.user)
        .filter(application__organisation=organisation)
        .select_related("application__product")
        .order_by("-submitted_at", "-id")
    )
    for permit in cases:
        permit.plain_state = plain_state(permit.state)
        permit.next_step = next_step(permit.state)
    context = {
        "organisation": organisation,
        "drafts": drafts,
        "draft_next_step": DRAFT_NEXT_STEP,
        "cases": cases,
    }
    return render(request, "permits/dashboard.html", context)


@require_POST
def submit(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    application = access_application(request.user, uuid, write=True)
    try:
        permit = services.application_submit(application=application, user=request.user)
    except PortalError as exc:
        context = {"application": application, "message": exc.message, "missing": getattr(exc, "missing", [])}
        return render(request, "permits/submit_refused.html", context, status=exc.status)
    messages.success(
        request,
        _("The application was submitted. Its reference number is %(reference)s.")
        % {"reference": permit.reference},
    )
    return redirect("permits:case", permit.uuid)


@require_GET
def case(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    return applicant_case_page(request, access_permit(request.user, uuid))


@require_POST
def withdraw(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    permit = access_permit(request.user, uuid)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        return applicant_case_page(request, permit, withdraw_form=form, status=400)
    try:
        services.permit_withdraw(permit=permit, user=request.user, **form.cleaned_data)
    except PortalError as exc:
        messages.error(request, exc.message)
        return applicant_case_page(
            request, access_permit(request.user, uuid), withdraw_form=form, status=exc.status
        )
    messages.success(request, _("The application was withdrawn."))
    return redirect("permits:case", permit.uuid)


@require_GET
def document(request: AuthenticatedHttpRequest, uuid: UUID) -> FileResponse:
    """A case PDF, always as a download. Staff downloads are logged like views of the case."""
    document = access_document(request.user, uuid)
    permit = document.permit
    if request.user.is_staff:
        audit(
            actor=request.user,
            action="document_downloaded",
            target=permit,
            organisation=permit.application.organisation,
            document=document.uuid,
            kind=document.kind,
        )
    filename = f"{permit.reference.replace('/', '-')}-{document.kind}-v{document.version_number}.pdf"
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        logger.error("The stored file of document %s is missing", document.uuid)
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type="application/pdf")
    response["X-Content-Type-Options"] = "nosniff"
    return response
