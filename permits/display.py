"""How the applicant sees a case: its state in plain words and what is expected of them next."""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from permits.models import PermitEvent
from permits.models import PermitState as S

# The state as the applicant would put it.
PLAIN_STATE: dict[str, Promise] = {
    S.SUBMITTED: _("Received, waiting for processing"),
    S.SUPPLEMENT_REQUESTED: _("The agency asked you for more information"),
    S.NEGOTIATION: _("Being processed: under negotiation"),
    S.TECHNICAL_REVIEW: _("Being processed: technical review"),
    S.GRANTED: _("Permit granted"),
    S.TERMS_ACCEPTED: _("Terms accepted"),
    S.TESTING: _("Testing"),
    S.PRODUCTION: _("In production use"),
    S.REJECTED: _("Rejected"),
    S.WITHDRAWN: _("Withdrawn by the applicant"),
    S.REVOKED: _("Permit revoked"),
    S.EXPIRED: _("Permit expired"),
    S.APPLIED: _("Granted: the permit was amended accordingly"),
}

WAITING = _("Nothing for now: the agency is processing the application.")

# What the applicant organisation is expected to do next.
NEXT_STEP: dict[str, Promise] = {
    S.SUBMITTED: WAITING,
    S.NEGOTIATION: WAITING,
    S.TECHNICAL_REVIEW: WAITING,
    S.SUPPLEMENT_REQUESTED: _("Answer the supplement request."),
    S.GRANTED: _("A signatory accepts the permit's terms."),
    S.TERMS_ACCEPTED: _("Wait for test access to be opened."),
    S.TESTING: _("Test the connection and report the results to the agency."),
    S.PRODUCTION: _("Notify the agency of any changes without delay."),
    S.REJECTED: _("Nothing: the case is closed."),
    S.WITHDRAWN: _("Nothing: the case is closed."),
    S.REVOKED: _("Nothing: the case is closed."),
    S.EXPIRED: _("Nothing: the case is closed."),
    S.APPLIED: _("Nothing: the case is closed."),
}

DRAFT_NEXT_STEP = _("Complete the application and have a signatory submit it.")


def plain_state(state: str) -> Promise:
    return PLAIN_STATE[state]


def next_step(state: str) -> Promise:
    return NEXT_STEP[state]


# Timeline entries in plain words; other actions show the state the case moved to.
EVENT_LABELS: dict[str, Promise] = {
    "submitted": _("Application submitted"),
    "assigned": _("Case assigned to an officer"),
    "withdrawn": _("Application withdrawn"),
    "mandate_ended": _("Mandate of the licensee ended"),
    "grant_drafted": _("Grant drafted"),
    "rejection_drafted": _("Rejection drafted"),
    "draft_discarded": _("Draft decision discarded"),
    "decision_granted": _("Permit granted"),
    "decision_rejected": _("Application rejected"),
    "terms_accepted": _("Terms accepted"),
    "testing_opened": _("Test access opened"),
    "tests_reported": _("Tests reported done"),
    "production_confirmed": _("Production use confirmed"),
    "permit_revoked": _("Permit revoked"),
    "permit_expired": _("Permit expired"),
    "supplement_requested": _("The agency asked for more information"),
    "supplement_answered": _("Supplement request answered"),
    "negotiation_started": _("Negotiation started"),
    "authority_message": _("Message from the agency in the negotiation"),
    "applicant_message": _("Message from the applicant in the negotiation"),
    "meeting_recorded": _("Negotiation meeting recorded"),
    "technical_review_started": _("Technical review started"),
    "review_item_saved": _("Technical review checklist item saved"),
    "note_added": _("Internal note added"),
    "target_extended": _("Decision target date extended"),
    "reply_by_passed": _("No answer by the reply-by date"),
    "change_notified": _("Change notified"),
    "change_acknowledged": _("Change notification acknowledged"),
    "change_info_requested": _("The agency asked for more information about a change"),
    "change_info_answered": _("More information about a change given"),
    "change_amendment_required": _("The agency requires an amendment of the permit for a change"),
    "change_revocation_proposed": _("Revocation of the permit proposed for a change"),
    "change_revocation_declined": _("Proposed revocation declined"),
    "change_permit_revoked": _("Permit revoked for a change"),
}


def event_label(event: PermitEvent) -> str:
    if event.action in EVENT_LABELS:
        return str(EVENT_LABELS[event.action])
    if event.to_state:
        return str(PLAIN_STATE.get(event.to_state, event.get_to_state_display()))
    return event.action
