"""The officers' case page and the processing actions on it; the applicant's answers to them.

Views are thin: access → form → service → message → redirect. A refused action shows the page again with
the form as it was filled in, a readable message and the service's status (400, 403, 409). Every staff
view of the officers' page is audited (Information Management Act 906/2019).
"""

from collections.abc import Callable
from uuid import UUID

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.services import PortalError
from accounts.types import AuthenticatedHttpRequest
from permits.access import access_permit
from permits.forms.processing import (
    InternalNoteForm,
    MeetingForm,
    NegotiationMessageForm,
    ReviewItemForm,
    SupplementAnswerForm,
    SupplementRequestForm,
    TransitionForm,
)
from permits.forms.target import TargetExtensionForm
from permits.models import (
    Permit,
    SupplementRequest,
)
from permits.review import CHECKLIST_CODES
from permits.services import processing
from permits.services.target import permit_extend_target
from permits.views.actions import not_saved, post_action
from permits.views.pages import applicant_case_page, officer_case_page


@require_GET
def officer_case(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    return officer_case_page(request, access_permit(request.user, uuid, write=True))


def _officer_action(
    request: AuthenticatedHttpRequest,
    uuid: UUID,
    *,
    form: forms.Form,
    key: str,
    act: Callable[[Permit, dict], object],
    done: str,
    anchor: str = "",
) -> HttpResponse:
    """An action on the officers' case page (permits.views.actions.post_action); back to where the officer
    was on the (long) page afterwards, not to its top."""
    url = reverse("permits:officer_case", args=[uuid])
    return post_action(
        request,
        fetch=lambda: access_permit(request.user, uuid, write=True),
        make_form=lambda data, _permit: type(form)(data, prefix=form.prefix),
        act=act,
        page=lambda permit, bound, status: officer_case_page(
            request, permit, bound={key: bound}, status=status
        ),
        done=done,
        then=lambda _permit: f"{url}#{anchor}" if anchor else url,
    )


@require_POST
def request_supplement(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    return _officer_action(
        request,
        uuid,
        form=SupplementRequestForm(request.POST),
        key="supplement",
        act=lambda permit, data: processing.permit_request_supplement(
            permit=permit, officer=request.user, **data
        ),
        done=_("The supplement request was sent to the applicant."),
    )


@require_POST
def start_negotiation(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    return _officer_action(
        request,
        uuid,
        form=TransitionForm(request.POST),
        key="transition",
        act=lambda permit, data: processing.permit_start_negotiation(
            permit=permit, officer=request.user, **data
        ),
        done=_("Negotiation started."),
    )


@require_POST
def start_technical_review(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    return _officer_action(
        request,
        uuid,
        form=TransitionForm(request.POST),
        key="transition",
        act=lambda permit, data: processing.permit_start_technical_review(
            permit=permit, officer=request.user, **data
        ),
        done=_("Technical review started."),
    )


@require_POST
def officer_message(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    return _officer_action(
        request,
        uuid,
        form=NegotiationMessageForm(request.POST),
        key="negotiation",
        act=lambda permit, data: processing.negotiation_post(permit=permit, user=request.user, **data),
        done=_("The message was sent to the applicant."),
        anchor="negotiation-heading",
    )


@require_POST
def record_meeting(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    return _officer_action(
        request,
        uuid,
        form=MeetingForm(request.POST),
        key="meeting",
        act=lambda permit, data: processing.meeting_record(permit=permit, officer=request.user, **data),
        done=_("The meeting was recorded."),
        anchor="meetings-heading",
    )


@require_POST
def review_item(request: AuthenticatedHttpRequest, uuid: UUID, code: str) -> HttpResponse:
    if code not in CHECKLIST_CODES:
        raise Http404
    return _officer_action(
        request,
        uuid,
        form=ReviewItemForm(request.POST, prefix=code),
        key=f"review-{code}",
        act=lambda permit, data: processing.review_item_save(
            permit=permit, officer=request.user, code=code, **data
        ),
        done=_("The checklist item was saved."),
        anchor=f"review-{code}-heading",
    )


@require_POST
def add_note(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    return _officer_action(
        request,
        uuid,
        form=InternalNoteForm(request.POST),
        key="note",
        act=lambda permit, data: processing.internal_note_add(permit=permit, officer=request.user, **data),
        done=_("The note was added."),
    )


@require_POST
def extend_target(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    return _officer_action(
        request,
        uuid,
        form=TargetExtensionForm(request.POST),
        key="target",
        act=lambda permit, data: permit_extend_target(permit=permit, user=request.user, **data),
        done=_("The decision target date was extended."),
        anchor="clock-heading",
    )


def _applicant_refused(
    request: AuthenticatedHttpRequest, uuid: UUID, form_key: str, form: forms.Form, status: int
) -> HttpResponse:
    return applicant_case_page(
        request, access_permit(request.user, uuid), extra={form_key: form}, status=status
    )


@require_POST
def supplement_answer(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    """A member of the applicant organisation answers a supplement request (`uuid` is the request's)."""
    supplement = get_object_or_404(SupplementRequest.objects.select_related("permit"), uuid=uuid)
    permit = access_permit(request.user, supplement.permit.uuid)
    supplement.permit = permit
    form = SupplementAnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, not_saved())
        return _applicant_refused(request, permit.uuid, "supplement_answer_form", form, 400)
    try:
        processing.supplement_answer(supplement=supplement, user=request.user, **form.cleaned_data)
    except processing.SupplementIncomplete as exc:
        for missing in exc.missing:
            form.add_error(None, str(missing.message))
        messages.error(request, exc.message)
        return _applicant_refused(request, permit.uuid, "supplement_answer_form", form, exc.status)
    except PortalError as exc:
        messages.error(request, exc.message)
        return _applicant_refused(request, permit.uuid, "supplement_answer_form", form, exc.status)
    messages.success(request, _("Your answer was sent to the agency."))
    return redirect("permits:case", permit.uuid)


@require_POST
def negotiation_reply(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    """A member of the applicant organisation writes in the negotiation thread."""
    permit = access_permit(request.user, uuid)
    form = NegotiationMessageForm(request.POST)
    if not form.is_valid():
        messages.error(request, not_saved())
        return _applicant_refused(request, permit.uuid, "negotiation_form", form, 400)
    try:
        processing.negotiation_post(permit=permit, user=request.user, **form.cleaned_data)
    except PortalError as exc:
        messages.error(request, exc.message)
        return _applicant_refused(request, permit.uuid, "negotiation_form", form, exc.status)
    messages.success(request, _("Your message was sent to the agency."))
    return redirect("permits:case", permit.uuid)
