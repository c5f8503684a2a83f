"""An application a framework licensee prepared: the client reviews and confirms it; the licensee asks it to.

The confirmation page shows the whole application read-only to the client's members and to the licensee's
members acting for the client; only a signatory of the client confirms (`licensing.commitment_confirm`).
The licensee's members ask the client's signatories to confirm from the wizard's review step.
"""

from uuid import UUID

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from accounts.mandates import is_licensee_acting
from accounts.models import User
from accounts.services import PortalError
from accounts.types import AuthenticatedHttpRequest
from applications.access import access_application
from applications.completeness import load_parts, missing_items, snapshot
from applications.forms import licensing as licensing_forms
from applications.models import Application
from applications.selectors import licensing as licensing_selectors
from applications.services import licensing
from applications.summary import CatalogueNames, build_summary


def _access_prepared(user: User, uuid: UUID) -> Application:
    """The application, if `user` sees it and is not authority staff (staff have the case pages)."""
    if user.is_staff:
        raise Http404
    return access_application(user, uuid)


def _changed_sections(now: dict, confirmed: dict) -> list[str]:
    """The titles of the sections that differ between the confirmed content and the content now."""
    catalogue = CatalogueNames.load()
    return [
        str(section.title)
        for section, before in zip(
            build_summary(now, catalogue), build_summary(confirmed, catalogue), strict=True
        )
        if section.rows != before.rows
    ]


def commitment_context(user: User, application: Application, content: dict) -> dict:
    """The client's confirmation of a licensee-prepared application as the pages show it.

    `content` is the application's snapshot now (`completeness.snapshot`), passed in so that a page that
    shows it as well builds it once.
    """
    commitment = licensing_selectors.latest_commitment(application)
    current = commitment is not None and commitment.snapshot_sha256 == licensing_selectors.content_hash(
        content
    )
    return {
        "commitment": commitment,
        "commitment_current": current,
        "changed_sections": (
            _changed_sections(content, commitment.snapshot) if commitment and not current else []
        ),
        "is_client_signatory": licensing_selectors.is_client_signatory(user, application),
        "is_licensee_member": is_licensee_acting(
            user, client_id=application.organisation_id, licensee_id=application.filed_by_id
        ),
    }


def _confirm_page(
    request: AuthenticatedHttpRequest, application: Application, *, error: str = "", status: int = 200
) -> HttpResponse:
    content = snapshot(load_parts(application))
    missing = missing_items(application) if application.is_draft else []
    context = {
        "application": application,
        "client": application.organisation,
        "licensee": application.filed_by,
        "summary": build_summary(content),
        "missing": missing,
        "form": licensing_forms.CommitmentForm(initial={"sha256": licensing_selectors.content_hash(content)}),
        "error": error,
        **commitment_context(request.user, application, content),
    }
    context["can_confirm"] = (
        application.is_draft
        and not missing
        and context["is_client_signatory"]
        and not context["commitment_current"]
    )
    return render(request, "applications/confirm.html", context, status=status)


@require_http_methods(["GET", "POST"])
def confirm(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    """The client's review of a licensee-prepared application; a signatory of the client confirms it.

    An application nobody prepared for the client has no such page (404); confirming one is refused by the
    service like every other refusal (403 not a signatory of the client, 409 incomplete, submitted, or
    changed since the page was shown), and the page is shown again with the reason.
    """
    application = _access_prepared(request.user, uuid)
    if request.method == "GET":
        if application.filed_by_id is None:
            raise Http404
        return _confirm_page(request, application)
    form = licensing_forms.CommitmentForm(request.POST)
    if not form.is_valid():
        return _confirm_page(
            request,
            application,
            error=_("The page was out of date. Review the application again."),
            status=400,
        )
    try:
        licensing.commitment_confirm(
            application=application, user=request.user, seen_sha256=form.cleaned_data["sha256"]
        )
    except PortalError as exc:
        if application.filed_by_id is None:
            return render(
                request,
                "applications/refused.html",
                {"message": exc.message, "application": application},
                status=exc.status,
            )
        return _confirm_page(request, application, error=exc.message, status=exc.status)
    messages.success(
        request,
        _("You confirmed the application on behalf of %(client)s. It can now be submitted as it is.")
        % {"client": application.organisation.name},
    )
    return redirect("applications:confirm", application.uuid)


@require_POST
def confirmation_request(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    """A member of the licensee asks the client's signatories to review and confirm the application."""
    application = access_application(request.user, uuid, write=True)
    form = licensing_forms.ConfirmationRequestForm(request.POST, application=application)
    if not form.is_valid():
        # str() only for the type checker: an ErrorList yields its messages as text.
        message = " ".join(str(error) for errors in form.errors.values() for error in errors)
        return render(
            request, "applications/refused.html", {"message": message, "application": application}, status=400
        )
    try:
        sent = licensing.confirmation_request(
            application=application, user=request.user, asked_at=form.cleaned_data["token"]
        )
    except PortalError as exc:
        return render(
            request,
            "applications/refused.html",
            {"message": exc.message, "application": application},
            status=exc.status,
        )
    messages.success(
        request,
        ngettext(
            "%(count)d signatory of %(client)s was asked to review and confirm the application.",
            "%(count)d signatories of %(client)s were asked to review and confirm the application.",
            len(sent),
        )
        % {"client": application.organisation.name, "count": len(sent)},
    )
    return redirect("applications:step", application.uuid, "review")
