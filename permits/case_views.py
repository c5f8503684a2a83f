"""The officers' case page and the processing actions on it; the applicant's answers to them.

Views are thin: access → form → service → message → redirect. A refused action shows the page again with
the form as it was filled in, a readable message and the service's status (400, 403, 409). Every staff
view of the officers' page is audited (Information Management Act 906/2019).
"""

from collections.abc import Callable
from uuid import UUID

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_fsm import can_proceed

from accounts.audit import audit
from accounts.rules import is_officer
from accounts.services import PortalError
from applications.attachment_views import attachments_context
from permits import processing, views
from permits.access import access_permit
from permits.amendments import amendment_context
from permits.changes import officer_changes_context
from permits.deadlines import local_date
from permits.decisions import officer_decision_context
from permits.display import event_label
from permits.models import CLOSED, Permit, PermitState, SupplementRequest, SupplementState
from permits.processing import (
    InternalNoteForm,
    MeetingForm,
    NegotiationMessageForm,
    ReviewItemForm,
    SupplementAnswerForm,
    SupplementRequestForm,
    TransitionForm,
)
from permits.queue import officer_choices
from permits.review import CHECKLIST_CODES
from permits.target import TargetExtensionForm, clock_context, permit_extend_target

# -- the officers' page ----------------------------------------------------------------------------------


def officer_case_page(
    request: HttpRequest,
    permit: Permit,
    *,
    bound: dict | None = None,
    decision_bound: dict | None = None,
    status: int = 200,
) -> HttpResponse:
    """Render the officers' case page (and audit the view).

    `bound` replaces this module's default forms by ones filled in (with errors); `decision_bound` does the
    same for the decision panel (passed to `permits.decisions.officer_decision_context`), so that a refused
    decision action can show the page again with its form.
    """
    user = request.user
    audit(
        actor=user,
        action="case_viewed",
        target=permit,
        organisation=permit.application.organisation,
        reference=permit.reference,
        page="officer",
    )
    application = permit.application
    officer = is_officer(user)
    history = processing.version_history(application)
    events = list(permit.events.select_related("actor"))
    for event in events:
        event.label = event_label(event)
    today = local_date(timezone.now())
    supplements = list(permit.supplements.select_related("officer", "responded_by"))
    for supplement in supplements:
        supplement.section_titles = [processing.SECTION_TITLES[slug] for slug in supplement.sections]
    in_negotiation = permit.state == PermitState.NEGOTIATION
    in_review = permit.state == PermitState.TECHNICAL_REVIEW
    revision = {"revision": permit.revision}
    bound = bound or {}
    checklist = processing.checklist(permit)
    for row in checklist:
        item = row["item"]
        initial = {**revision, "result": item.result, "note": item.note} if item else revision
        row["form"] = bound.get(f"review-{row['code']}") or ReviewItemForm(
            prefix=row["code"], initial=initial
        )
    negotiation_messages = list(permit.negotiation_messages.select_related("author"))
    meetings = list(permit.meetings.select_related("recorded_by"))
    context = {
        **attachments_context(user, application),
        **officer_decision_context(user, permit, bound=decision_bound),
        **clock_context(user, permit, today, bound.get("target")),
        **amendment_context(user, permit),
        **officer_changes_context(permit),
        "permit": permit,
        "application": application,
        "versions": history,
        "summary": history[0].summary if history else [],
        "latest_version": history[0].version if history else None,
        "events": events,
        "supplements": supplements,
        "open_supplement": next((s for s in supplements if s.state == SupplementState.OPEN), None),
        "negotiation_messages": negotiation_messages,
        "meetings": meetings,
        "show_negotiation": in_negotiation or bool(negotiation_messages or meetings),
        "checklist": checklist,
        "show_review": in_review or any(row["item"] for row in checklist),
        "internal_notes": list(permit.internal_notes.select_related("author")),
        # Only what this officer may do in the case's current state.
        "can_request_supplement": officer and can_proceed(permit.request_supplement),
        "can_start_negotiation": officer and can_proceed(permit.start_negotiation),
        "can_start_review": officer and can_proceed(permit.start_technical_review),
        "can_record_meeting": officer and in_negotiation,
        "can_review": officer and in_review,
        "can_add_note": officer,
        # The work queue's assignment form (permits/_queue_assign.html).
        "can_assign": officer and permit.state not in CLOSED,
        "assign_officers": officer_choices() if officer and permit.state not in CLOSED else [],
        "assign_next": reverse("permits:officer_case", args=[permit.uuid]),
        "supplement_form": bound.get("supplement")
        or SupplementRequestForm(initial={**revision, "respond_by": processing.default_respond_by()}),
        "transition_form": TransitionForm(initial=revision),
        "today": today,
        # The negotiation thread partial is shared with the applicant's page.
        "can_post_negotiation": officer and in_negotiation,
        "negotiation_form": bound.get("negotiation") or NegotiationMessageForm(),
        "negotiation_post_url": reverse("permits:officer_message", args=[permit.uuid]),
        "meeting_form": bound.get("meeting") or MeetingForm(),
        "note_form": bound.get("note") or InternalNoteForm(),
    }
    return render(request, "permits/officer_case.html", context, status=status)


@require_GET
def officer_case(request: HttpRequest, uuid: UUID) -> HttpResponse:
    return officer_case_page(request, access_permit(request.user, uuid, write=True))


def _with_current_revision(form: forms.Form, permit: Permit) -> forms.Form:
    """The same filled-in form, carrying the case's current revision: once the officer has seen what
    changed, sending it again is a deliberate decision rather than a stale click."""
    if "revision" not in form.fields:
        return form
    data = form.data.copy()
    data[form.add_prefix("revision")] = str(permit.revision)
    refreshed = type(form)(data, prefix=form.prefix)
    refreshed.is_valid()
    return refreshed


def _officer_action(
    request: HttpRequest,
    uuid: UUID,
    *,
    form: forms.Form,
    key: str,
    act: Callable[[Permit, dict], object],
    done: str,
    anchor: str = "",
) -> HttpResponse:
    """access → form → service → message → redirect, for every action on the officers' page."""
    permit = access_permit(request.user, uuid, write=True)
    if not form.is_valid():
        messages.error(request, _not_saved())
        return officer_case_page(request, permit, bound={key: form}, status=400)
    try:
        act(permit, form.cleaned_data)
    except PortalError as exc:
        messages.error(request, exc.message)
        current = access_permit(request.user, uuid, write=True)
        return officer_case_page(
            request, current, bound={key: _with_current_revision(form, current)}, status=exc.status
        )
    messages.success(request, done)
    # Back to where the officer was on the (long) page, not to its top.
    url = reverse("permits:officer_case", args=[permit.uuid])
    return redirect(f"{url}#{anchor}" if anchor else url)


@require_POST
def request_supplement(request: HttpRequest, uuid: UUID) -> HttpResponse:
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
def start_negotiation(request: HttpRequest, uuid: UUID) -> HttpResponse:
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
def start_technical_review(request: HttpRequest, uuid: UUID) -> HttpResponse:
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
def officer_message(request: HttpRequest, uuid: UUID) -> HttpResponse:
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
def record_meeting(request: HttpRequest, uuid: UUID) -> HttpResponse:
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
def review_item(request: HttpRequest, uuid: UUID, code: str) -> HttpResponse:
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
def add_note(request: HttpRequest, uuid: UUID) -> HttpResponse:
    return _officer_action(
        request,
        uuid,
        form=InternalNoteForm(request.POST),
        key="note",
        act=lambda permit, data: processing.internal_note_add(permit=permit, officer=request.user, **data),
        done=_("The note was added."),
    )


@require_POST
def extend_target(request: HttpRequest, uuid: UUID) -> HttpResponse:
    return _officer_action(
        request,
        uuid,
        form=TargetExtensionForm(request.POST),
        key="target",
        act=lambda permit, data: permit_extend_target(permit=permit, user=request.user, **data),
        done=_("The decision target date was extended."),
        anchor="clock-heading",
    )


# -- the applicant's answers (on the applicant's case page) -------------------------------------------------


def _not_saved() -> str:
    # The form may be far down a long page: say at the top why the page came back.
    return _("Nothing was saved. Correct the marked fields and send the form again.")


def _applicant_refused(
    request: HttpRequest, uuid: UUID, form_key: str, form: forms.Form, status: int
) -> HttpResponse:
    return views._case_page(request, access_permit(request.user, uuid), extra={form_key: form}, status=status)


@require_POST
def supplement_answer(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """A member of the applicant organisation answers a supplement request (`uuid` is the request's)."""
    supplement = get_object_or_404(SupplementRequest.objects.select_related("permit"), uuid=uuid)
    permit = access_permit(request.user, supplement.permit.uuid)
    supplement.permit = permit
    form = SupplementAnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _not_saved())
        return _applicant_refused(request, permit.uuid, "supplement_answer_form", form, 400)
    try:
        processing.supplement_answer(supplement=supplement, user=request.user, **form.cleaned_data)
    except processing.SupplementIncomplete as exc:
        for missing in exc.missing:
            form.add_error(None, missing.message)
        messages.error(request, exc.message)
        return _applicant_refused(request, permit.uuid, "supplement_answer_form", form, exc.status)
    except PortalError as exc:
        messages.error(request, exc.message)
        return _applicant_refused(request, permit.uuid, "supplement_answer_form", form, exc.status)
    messages.success(request, _("Your answer was sent to the agency."))
    return redirect("permits:case", permit.uuid)


@require_POST
def negotiation_reply(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """A member of the applicant organisation writes in the negotiation thread."""
    permit = access_permit(request.user, uuid)
    form = NegotiationMessageForm(request.POST)
    if not form.is_valid():
        messages.error(request, _not_saved())
        return _applicant_refused(request, permit.uuid, "negotiation_form", form, 400)
    try:
        processing.negotiation_post(permit=permit, user=request.user, **form.cleaned_data)
    except PortalError as exc:
        messages.error(request, exc.message)
        return _applicant_refused(request, permit.uuid, "negotiation_form", form, exc.status)
    messages.success(request, _("Your message was sent to the agency."))
    return redirect("permits:case", permit.uuid)
