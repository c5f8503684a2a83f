"""The two case pages, assembled for the views that show them: the applicant's and the officers'.

Each page is its selectors' data plus the forms of the actions this user may take in the case's current
state; a view whose action was refused passes the bound form back (`bound`) so that it shows its errors."""

from datetime import date

from django import forms
from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django_fsm import can_proceed

from accounts.audit import audit
from accounts.models import User
from accounts.rules import is_decision_maker, is_officer
from accounts.types import AuthenticatedHttpRequest
from applications.models import TermsVersion
from applications.summary import build_summary
from applications.views.attachments import attachments_context
from permits.deadlines import Clock, case_clock, local_date
from permits.display import event_label, next_step, plain_state
from permits.forms.decisions import (
    AcceptTermsForm,
    ConfirmProductionForm,
    DecideForm,
    DiscardForm,
    GrantDraftForm,
    OpenTestingForm,
    RejectDraftForm,
    ReportTestsForm,
    RevokeForm,
)
from permits.forms.processing import (
    InternalNoteForm,
    MeetingForm,
    NegotiationMessageForm,
    ReviewItemForm,
    SupplementAnswerForm,
    SupplementRequestForm,
    TransitionForm,
)
from permits.forms.submission import WithdrawForm
from permits.forms.target import TargetExtensionForm
from permits.models import (
    CLOSED,
    DECIDABLE,
    IN_FORCE,
    IN_PROCESSING,
    DecisionKind,
    DocumentKind,
    Permit,
    PermitEvent,
    PermitState,
    Reminder,
    SupplementState,
)
from permits.models import PermitState as S
from permits.rules import is_holder_member, is_signatory, signs_for_holder
from permits.selectors.amendments import amendment_context
from permits.selectors.case import checklist
from permits.selectors.changes import applicant_changes_context, officer_changes_context
from permits.selectors.decisions import case_decisions, made_decision, requested_groups, verify_url
from permits.selectors.queue import officer_choices
from permits.selectors.versions import version_history
from permits.services import processing
from permits.services.decisions import STANDARD_CONDITIONS
from permits.services.processing import SECTION_TITLES


def applicant_case_page(
    request: AuthenticatedHttpRequest,
    permit: Permit,
    *,
    withdraw_form: WithdrawForm | None = None,
    extra: dict | None = None,
    status: int = 200,
) -> HttpResponse:
    """The case as the applicant sees it. A view by authority staff is logged (Information Management Act).

    `extra` replaces context entries, e.g. a refused form shown again with its errors.
    """
    user = request.user
    if user.is_staff:
        audit(actor=user, action="case_viewed", target=permit, organisation=permit.application.organisation)
    version = permit.application.versions.order_by("-number").first()
    events = list(permit.events.filter(visible_to_applicant=True).select_related("actor"))
    for event in events:
        event.label = event_label(event)
    context = {
        "permit": permit,
        "application": permit.application,
        "plain_state": plain_state(permit.state),
        "next_step": next_step(permit.state),
        "version": version,
        "summary": build_summary(version.snapshot) if version else [],
        "documents": permit.documents.order_by("-version_number", "kind"),
        "events": events,
        "clock": case_clock(permit, local_date(timezone.now())),
        "can_withdraw": permit.is_in_processing and not user.is_staff and is_signatory(user, permit),
        "withdraw_form": withdraw_form or WithdrawForm(),
        **attachments_context(user, permit.application),
        **applicant_case_context(user, permit, events),
        **applicant_permit_context(user, permit),
        **amendment_context(user, permit),
        **applicant_changes_context(user, permit),
        **(extra or {}),
    }
    return render(request, "permits/case.html", context, status=status)


def applicant_case_context(user: User, permit: Permit, events: list[PermitEvent]) -> dict:
    """Context of templates/permits/_supplement_answer.html and _negotiation.html on the applicant's page.

    `events` are the case's events the applicant sees (already loaded for the timeline): the supplement
    requests and the negotiation are looked up only when they happened, so that an ordinary case page
    costs no extra queries.
    """
    actions = {event.action for event in events}
    supplements = []
    if "supplement_requested" in actions:
        supplements = list(permit.supplements.select_related("responded_by"))
    open_supplement = next((s for s in supplements if s.state == SupplementState.OPEN), None)
    if open_supplement:
        open_supplement.section_links = [(slug, SECTION_TITLES[slug]) for slug in open_supplement.sections]
    in_negotiation = permit.state == PermitState.NEGOTIATION
    negotiation_messages, meetings = [], []
    if in_negotiation or "negotiation_started" in actions:
        negotiation_messages = list(permit.negotiation_messages.select_related("author"))
        meetings = list(permit.meetings.all())
    may_act = open_supplement is not None or in_negotiation
    member = may_act and not user.is_staff and is_holder_member(user, permit)
    return {
        "open_supplement": open_supplement,
        "answered_supplements": [s for s in supplements if s.state == SupplementState.ANSWERED],
        "can_answer_supplement": bool(
            open_supplement and member and permit.state == PermitState.SUPPLEMENT_REQUESTED
        ),
        "supplement_answer_form": SupplementAnswerForm(),
        "show_negotiation": bool(in_negotiation or negotiation_messages or meetings),
        "negotiation_messages": negotiation_messages,
        "meetings": meetings,
        "can_post_negotiation": in_negotiation and member,
        "negotiation_form": NegotiationMessageForm(),
        "negotiation_post_url": reverse("permits:negotiation_reply", args=[permit.uuid]),
    }


def clock_context(user: User, permit: Permit, today: date, bound: TargetExtensionForm | None) -> dict:
    """What the officers' case page shows of the clock: the days, the reminders sent, the extension form."""
    clock: Clock = case_clock(permit, today)
    can_extend = is_decision_maker(user) and permit.state in IN_PROCESSING
    return {
        "clock": clock,
        "reminders": list(Reminder.objects.filter(permit=permit).order_by("-created_at", "-id")),
        "can_extend_target": can_extend,
        "target_form": (bound or TargetExtensionForm(initial={"revision": permit.revision}))
        if can_extend
        else None,
    }


def officer_case_page(
    request: AuthenticatedHttpRequest,
    permit: Permit,
    *,
    bound: dict | None = None,
    decision_bound: dict | None = None,
    status: int = 200,
) -> HttpResponse:
    """Render the officers' case page (and audit the view).

    `bound` replaces this module's default forms by ones filled in (with errors); `decision_bound` does the
    same for the decision panel (passed to `permits.views.pages.officer_decision_context`), so that a refused
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
    history = version_history(application)
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
    items = checklist(permit)
    for row in items:
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
        "checklist": items,
        "show_review": in_review or any(row["item"] for row in items),
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


def _with_revision(permit: Permit, form_class: type[forms.Form], **initial: object) -> forms.Form:
    return form_class(initial={"revision": permit.revision, **initial})


def officer_decision_context(user: User, permit: Permit, *, bound: dict | None = None) -> dict:
    """What templates/permits/_officer_decision.html needs on the officers' case page.

    Only the actions this officer may take in the case's current state get a form. `bound` carries a
    refused form (by name) so that it is shown again with its errors.
    """
    bound = bound or {}
    state = permit.state
    officer = is_officer(user)
    decider = is_decision_maker(user)
    decisions = case_decisions(permit)
    draft, decision = decisions.draft, decisions.made
    panel: dict = {
        "permit": permit,
        "draft": draft,
        "decision": decision,
        "documents": list(permit.documents.filter(kind=DocumentKind.DECISION)),
        "earlier_drafts": decisions.discarded,
        "granted_groups": list(permit.granted_groups.all()) if decision else [],
        "requested_groups": list(requested_groups(permit)),
        "verify_url": verify_url(decision.verification_code)
        if decision and decision.verification_code
        else "",
    }
    if officer and state in DECIDABLE:
        with translation.override(user.language or settings.LANGUAGE_CODE):
            conditions = "\n".join(f"– {condition}" for condition in STANDARD_CONDITIONS)
        panel["grant_form"] = bound.get("grant") or GrantDraftForm(
            permit=permit,
            initial={
                "revision": permit.revision,
                "granted_groups": [group.pk for group in panel["requested_groups"]],
                "conditions": conditions,
                "valid_from": timezone.localdate(),
                "valid_until": permit.application.requested_valid_until,
            },
        )
        panel["reject_form"] = bound.get("reject") or _with_revision(permit, RejectDraftForm)
    if draft and state in DECIDABLE:
        panel["own_draft"] = draft.presenter_id == user.pk
        if decider and draft.presenter_id != user.pk:
            panel["decide_form"] = bound.get("decide") or _with_revision(permit, DecideForm)
        if officer and (decider or draft.presenter_id == user.pk):
            panel["discard_form"] = bound.get("discard") or _with_revision(permit, DiscardForm)
    if officer and state == S.TERMS_ACCEPTED:
        panel["open_testing_form"] = bound.get("open_testing") or _with_revision(permit, OpenTestingForm)
    if officer and state == S.TESTING:
        if permit.tests_reported_at:
            panel["production_form"] = bound.get("production") or _with_revision(
                permit, ConfirmProductionForm
            )
        else:
            panel["waiting_for_tests"] = True
    if decider and state in IN_FORCE:
        panel["revoke_form"] = bound.get("revoke") or _with_revision(permit, RevokeForm)
    return {"decision_panel": panel}


def applicant_permit_context(user: User, permit: Permit, *, bound: dict | None = None) -> dict:
    """What templates/permits/_applicant_permit.html needs on the applicant's case page.

    The decision and its PDF, the permit as granted, the terms to accept (in the user's language) and
    the test report; the forms only for a signatory of the holder, and only when the state allows.
    """
    bound = bound or {}
    decision = made_decision(permit)
    signatory = signs_for_holder(user, permit)
    panel: dict = {
        "permit": permit,
        "decision": decision,
        "documents": list(permit.documents.filter(kind=DocumentKind.DECISION)),
        "granted_groups": list(permit.granted_groups.all())
        if decision and decision.kind == DecisionKind.GRANT
        else [],
        "terms_accepted_by": permit.terms_accepted_by if permit.terms_accepted_at else None,
    }
    if permit.state == S.GRANTED:
        terms = TermsVersion.objects.in_force()
        if terms:
            with translation.override(user.language or settings.LANGUAGE_CODE):
                panel["terms"] = terms
                panel["terms_text"] = terms.text
            if signatory:
                panel["accept_form"] = bound.get("accept") or _with_revision(
                    permit, AcceptTermsForm, terms_version=terms.version
                )
    if permit.state == S.TESTING and not permit.tests_reported_at and signatory:
        panel["report_form"] = bound.get("report") or _with_revision(permit, ReportTestsForm)
    return {"permit_panel": panel}
