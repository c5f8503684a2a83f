"""The application wizard: starting and copying a draft, each section of it, and the review page."""

from collections import Counter
from uuid import UUID

from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.context import active_membership
from accounts.services import PortalError
from accounts.types import AuthenticatedHttpRequest
from applications.access import access_application, consultations_visible_to
from applications.catalogue import SECTION_SLUGS, SECTIONS
from applications.completeness import (
    licence_scope_problems,
    load_parts,
    missing_items,
    security_report_required,
    snapshot,
)
from applications.forms import licensing as licensing_forms
from applications.forms.attachments import AttachmentForm
from applications.forms.wizard import (
    ContactsForm,
    DataGroupsForm,
    DataUseForm,
    PurposeForm,
    SecurityForm,
    TechnicalForm,
)
from applications.models import Application, AttachmentKind, Purpose
from applications.selectors import licensing as licensing_selectors
from applications.services import wizard as services
from applications.summary import build_summary
from applications.views.attachments import attachments_context
from applications.views.licensing import commitment_context

MODEL_FORMS = {
    "purpose": PurposeForm,
    "data-use": DataUseForm,
    "technical": TechnicalForm,
    "contacts": ContactsForm,
}


SECTION_FORMS = {"data-groups": DataGroupsForm, "security": SecurityForm}


def _form(section: str, application: Application, data: dict | None = None):
    if section in MODEL_FORMS:
        return MODEL_FORMS[section](data, instance=application)
    return SECTION_FORMS[section](data, application=application)


def _cleaned_section(form) -> dict:
    return form.section_data() if hasattr(form, "section_data") else form.cleaned_data


@require_POST
def create(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Start a new draft for the organisation the user acts for (optionally from a consultation)."""
    membership = active_membership(request)
    if membership is None:
        message = _("Only members of an organisation can apply. Register an organisation or join one first.")
        return render(request, "applications/refused.html", {"message": message}, status=403)
    consultation = None
    if request.POST.get("consultation"):
        try:
            consultation_uuid = UUID(request.POST["consultation"])
        except ValueError:
            raise Http404 from None
        consultation = consultations_visible_to(request.user).filter(uuid=consultation_uuid).first()
        if consultation is None:
            raise Http404
    try:
        application = services.application_create(
            organisation=membership.organisation, user=request.user, consultation=consultation
        )
    except PortalError as exc:
        return render(request, "applications/refused.html", {"message": exc.message}, status=exc.status)
    messages.success(request, _("A new draft application was started. It is saved at every step."))
    return redirect("applications:step", application.uuid, SECTION_SLUGS[0])


@require_POST
def copy(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    """Copy an earlier application into a new draft (renewal), without its attachments."""
    application = access_application(request.user, uuid, write=True)
    new = services.application_copy(application=application, user=request.user)
    messages.success(request, _("The application was copied into a new draft. Attachments were not copied."))
    return redirect("applications:step", new.uuid, SECTION_SLUGS[0])


def step(request: AuthenticatedHttpRequest, uuid: UUID, section: str) -> HttpResponse:
    """One wizard section: shows the form, saves it (also by autosave), and moves on."""
    if section not in SECTION_SLUGS:
        raise Http404
    application = access_application(request.user, uuid, write=True)
    if section == "review":
        return _review(request, application)
    if not application.is_editable(section):
        if request.method == "POST":
            return _refused(
                request,
                application,
                section,
                PortalError(_("The application has been submitted and can no longer be changed.")),
            )
        return redirect("applications:step", application.uuid, "review")
    if section == "attachments":
        return _render_step(request, application, section, None)
    autosave = request.headers.get("X-Autosave") == "1"
    form = _form(section, application, request.POST if request.method == "POST" else None)
    if request.method != "POST":
        return _render_step(request, application, section, form)
    if not form.is_valid():
        if autosave:
            return JsonResponse({"saved": False, "errors": form.errors}, status=400)
        return _render_step(request, application, section, form, status=400)
    try:
        services.application_save_section(
            application=application, user=request.user, section=section, data=_cleaned_section(form)
        )
    except PortalError as exc:
        if autosave:
            return JsonResponse({"saved": False, "errors": {"__all__": [exc.message]}}, status=exc.status)
        return _refused(request, application, section, exc)
    if autosave:
        return JsonResponse({"saved": True, "at": timezone.localtime().strftime("%H:%M:%S")})
    messages.success(request, _("Saved."))
    if "continue" in request.POST:
        return redirect(
            "applications:step", application.uuid, SECTION_SLUGS[SECTION_SLUGS.index(section) + 1]
        )
    return redirect("applications:step", application.uuid, section)


def _refused(
    request: AuthenticatedHttpRequest, application: Application, section: str, exc: PortalError
) -> HttpResponse:
    return render(
        request,
        "applications/refused.html",
        {"message": exc.message, "application": application},
        status=exc.status,
    )


def _navigation(application: Application, current: str) -> tuple[list[dict], list]:
    missing = missing_items(load_parts(application))
    counts = Counter(item.section for item in missing)
    steps = [
        {
            "slug": slug,
            "title": title,
            "number": i,
            "missing": counts.get(slug, 0),
            "current": slug == current,
        }
        for i, (slug, title) in enumerate(SECTIONS, start=1)
    ]
    return steps, missing


def _render_step(
    request: AuthenticatedHttpRequest, application: Application, section: str, form, status: int = 200
) -> HttpResponse:
    steps, _missing = _navigation(application, section)
    index = SECTION_SLUGS.index(section)
    context = {
        "application": application,
        "form": form,
        "section": section,
        "section_title": dict(SECTIONS)[section],
        "steps": steps,
        "step_number": index + 1,
        "previous": SECTION_SLUGS[index - 1] if index else None,
        "security_required": security_report_required(application),
        # A licensee's application: what of this step its framework licence does not cover.
        "scope_problems": [item for item in licence_scope_problems(application) if item.section == section],
    }
    if section == "purpose":
        context["purposes"] = Purpose.objects.filter(is_active=True).prefetch_related("prohibitions")
    if section == "data-groups":
        context["retired_groups"] = [
            r.data_group
            for r in application.requested_groups.select_related("data_group")
            if not r.data_group.is_active
        ]
    if section in ("attachments", "security"):
        context.update(attachments_context(request.user, application))
        if section == "security" and context["attachment_form"]:
            context["attachment_form"] = AttachmentForm(initial={"kind": AttachmentKind.SECURITY_REPORT})
    return render(request, f"applications/step_{section.replace('-', '_')}.html", context, status=status)


def _review(request: AuthenticatedHttpRequest, application: Application) -> HttpResponse:
    steps, missing = _navigation(application, "review")
    membership = application.organisation.memberships.filter(user=request.user).first()
    content = snapshot(application)
    is_signatory = bool(membership and membership.is_signatory)
    context = {
        "application": application,
        "steps": steps,
        "section": "review",
        "section_title": dict(SECTIONS)["review"],
        "step_number": len(SECTIONS),
        "previous": SECTION_SLUGS[-2],
        "missing": missing,
        "summary": build_summary(content),
        "is_signatory": is_signatory,
        "can_submit": is_signatory,
    }
    if application.filed_by_id and application.is_draft:
        # Prepared by a licensee: submitted by its members or the client's signatories, and only as the
        # client last confirmed it.
        context.update(commitment_context(request.user, application, content))
        context["may_submit"] = licensing_selectors.may_submit(request.user, application)
        context["can_submit"] = context["may_submit"] and context["commitment_current"]
        if context["is_licensee_member"] and not missing and not context["commitment_current"]:
            # Offered once the client has a signatory to ask (its representative may not have joined yet).
            if licensing_selectors.client_has_signatory(application):
                context["confirmation_request_form"] = licensing_forms.ConfirmationRequestForm(
                    application=application
                )
            else:
                context["no_client_signatory"] = licensing_selectors.no_signatory_message(application)
    return render(request, "applications/step_review.html", context)
