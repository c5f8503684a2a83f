"""Consultation pages: the lists, opening one, the thread, replying and closing."""

from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.context import active_membership
from accounts.services import PortalError
from accounts.types import AuthenticatedHttpRequest
from applications.access import access_consultation, applications_visible_to, consultations_visible_to
from applications.forms.consultations import ConsultationFilterForm, ConsultationForm, ConsultationReplyForm
from applications.models import Consultation
from applications.selectors import consultations as services_selectors
from applications.services import consultations as services_services


@require_GET
def consultation_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Staff: every consultation, filtered by state, awaiting answer first. Members: their organisation's."""
    user = request.user
    if user.is_staff:
        form = ConsultationFilterForm(request.GET)
        valid = form.is_valid()
        # An unknown filter value answers 400 and shows the default (open) list with the error.
        state = form.chosen_state()
        context = {
            "filter_form": form,
            "consultations": services_selectors.officer_queue(consultations_visible_to(user), state=state),
        }
        return render(request, "applications/consultation_list.html", context, status=200 if valid else 400)
    membership = active_membership(request)
    consultations = (
        services_selectors.organisation_list(
            consultations_visible_to(user).filter(organisation=membership.organisation)
        )
        if membership
        else None
    )
    return render(
        request,
        "applications/consultation_list.html",
        {"organisation": membership.organisation if membership else None, "consultations": consultations},
    )


@require_http_methods(["GET", "POST"])
def consultation_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.user.is_staff:
        raise PermissionDenied
    membership = active_membership(request)
    if membership is None:
        messages.info(request, _("Register your organisation before asking the authority."))
        return redirect("applications:consultations")
    form = ConsultationForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                consultation = services_services.consultation_open(
                    organisation=membership.organisation, user=request.user, **form.cleaned_data
                )
            except PortalError as exc:
                form.add_error(None, exc.message)
                status = exc.status
            else:
                messages.success(
                    request, _("Your question was sent. The authority's answer will appear on this page.")
                )
                return redirect("applications:consultation", consultation.uuid)
        else:
            status = 400
    return render(
        request,
        "applications/consultation_form.html",
        {"form": form, "organisation": membership.organisation},
        status=status,
    )


def _detail_page(
    request: AuthenticatedHttpRequest,
    consultation: Consultation,
    *,
    reply_form: ConsultationReplyForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The thread; a refused reply or close shows it again with its message and a 4xx status."""
    context = {
        "consultation": consultation,
        "thread": consultation.messages.select_related("author"),
        "can_post": services_selectors.may_post(consultation, request.user),
        "reply_form": reply_form or ConsultationReplyForm(),
        "applications": applications_visible_to(request.user)
        .filter(consultation=consultation)
        .select_related("product", "permit"),
    }
    return render(request, "applications/consultation_detail.html", context, status=status)


@require_GET
def consultation_detail(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    consultation = access_consultation(request.user, uuid)
    return _detail_page(request, consultation)


@require_POST
def consultation_reply(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    consultation = access_consultation(request.user, uuid, write=True)
    form = ConsultationReplyForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, consultation, reply_form=form, status=400)
    try:
        services_services.consultation_post(consultation=consultation, user=request.user, **form.cleaned_data)
    except PortalError as exc:
        messages.error(request, exc.message)
        consultation.refresh_from_db()
        return _detail_page(request, consultation, reply_form=form, status=exc.status)
    messages.success(request, _("Your message was sent."))
    return redirect("applications:consultation", consultation.uuid)


@require_POST
def consultation_close(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    consultation = access_consultation(request.user, uuid, write=True)
    try:
        services_services.consultation_close(consultation=consultation, user=request.user)
    except PortalError as exc:
        messages.error(request, exc.message)
        consultation.refresh_from_db()
        return _detail_page(request, consultation, status=exc.status)
    messages.success(request, _("The consultation was closed."))
    return redirect("applications:consultation", consultation.uuid)
