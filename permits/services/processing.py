"""Processing a case before the decision: supplement requests and their answers, negotiation, the technical
review checklist and the officers' internal notes. Services, their forms, and what the pages show of them.

Every service goes through `permits.workflow.change_case` (lock, freshness, right, transition, event, audit,
applicant email after commit) and writes its own rows in the same transaction. Officers' forms carry the
case's `revision`, so a form shown before someone else acted is refused with 409 instead of overwriting.
"""

from datetime import date, timedelta

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from accounts.rules import is_officer
from accounts.services import PortalError
from applications.catalogue import SECTIONS
from applications.completeness import Missing, missing_items, snapshot
from applications.models import Application, ApplicationVersion
from permits.deadlines import local_date
from permits.models import (
    InternalNote,
    Meeting,
    NegotiationMessage,
    Permit,
    PermitState,
    ReviewItem,
    ReviewResult,
    SupplementRequest,
    SupplementState,
)
from permits.review import CHECKLIST_CODES
from permits.rules import is_holder_member
from permits.workflow import change_case, enqueue

TEXT_MAX_LENGTH = 4000


SUPPLEMENT_DAYS = 30


# The wizard sections a supplement request may reopen (the review step is not a section of data).
REOPENABLE_SECTIONS = [(slug, title) for slug, title in SECTIONS if slug != "review"]


REOPENABLE_SLUGS = [slug for slug, _title in REOPENABLE_SECTIONS]


SECTION_TITLES = dict(SECTIONS)


def _officers_only() -> str:
    return _("Only the agency's officers may do this.")


def _required(text: str, message: str) -> str:
    text = text.strip()
    if not text:
        raise PortalError(message, status=400)
    return text


def default_respond_by() -> date:
    """Thirty days from today in Helsinki."""
    return local_date(timezone.now()) + timedelta(days=SUPPLEMENT_DAYS)


@transaction.atomic
def permit_request_supplement(
    *, permit: Permit, officer: User, message: str, sections: list[str], respond_by: date, revision: int
) -> SupplementRequest:
    """Ask the applicant for more information, reopening the chosen wizard sections until they answer.

    The case waits in supplement_requested and returns to the state it was in when the applicant answers.
    The applicant organisation is emailed after commit; the request's text is in the email and timeline.
    """
    message = _required(message, _("Tell the applicant what is missing."))
    if set(sections) - set(REOPENABLE_SLUGS):
        raise PortalError(_("Choose sections of the application to reopen."), status=400)
    if respond_by <= local_date(timezone.now()):
        raise PortalError(_("The reply-by date must be in the future."), status=400)
    sections = [slug for slug in REOPENABLE_SLUGS if slug in sections]
    locked, _event = change_case(
        permit=permit,
        actor=officer,
        action="supplement_requested",
        allowed=is_officer(officer),
        refusal=_("Only the agency's officers may request a supplement."),
        revision=revision,
        transition="request_supplement",
        note=message,
        visible_to_applicant=True,
        notify=True,
        notify_context={"respond_by": respond_by},
        sections=sections,
        respond_by=respond_by,
    )
    supplement = SupplementRequest.objects.create(
        permit=locked, officer=officer, message=message, sections=sections, respond_by=respond_by
    )
    application = Application.objects.select_for_update().get(pk=locked.application_id)
    application.reopened_sections = sections
    application.save(update_fields=["reopened_sections", "updated_at"])
    return supplement


class SupplementIncomplete(PortalError):
    """The answer is refused because a reopened section lacks something; `missing` lists what."""

    def __init__(self, missing: list[Missing]) -> None:
        super().__init__(
            ngettext(
                "The answer cannot be sent yet: %(count)d item is missing from the reopened sections.",
                "The answer cannot be sent yet: %(count)d items are missing from the reopened sections.",
                len(missing),
            )
            % {"count": len(missing)},
            status=400,
        )
        self.missing = missing


@transaction.atomic
def supplement_answer(*, supplement: SupplementRequest, user: User, response: str) -> ApplicationVersion:
    """Answer a supplement request for the applicant organisation; any of its members may.

    Freezes the application as it now is into a new version (what the officers compare with the previous
    one), closes the reopened sections, marks the request answered and returns the case to the state it
    was in. A request that is no longer open cannot be answered (409).
    """
    response = _required(response, _("Write an answer to the request."))
    permit = supplement.permit
    member = not user.is_staff and is_holder_member(user, permit)
    refusal = _("Only members of the applicant organisation may answer a supplement request.")
    if not member:
        raise PortalError(refusal, status=403)

    def refuse_unless_open(state: str) -> None:
        if state == SupplementState.ANSWERED:
            raise PortalError(_("This supplement request has already been answered."), status=409)
        if state != SupplementState.OPEN:
            raise PortalError(_("This supplement request was closed without an answer."), status=409)

    refuse_unless_open(SupplementRequest.objects.get(pk=supplement.pk).state)

    def still_open(locked: Permit) -> None:
        # Under the case's lock: a second answer sent at the same moment finds the request answered.
        refuse_unless_open(SupplementRequest.objects.select_for_update().get(pk=supplement.pk).state)

    locked, _event = change_case(
        permit=permit,
        actor=user,
        action="supplement_answered",
        allowed=member,
        refusal=refusal,
        transition="respond_to_supplement",
        note=response,
        visible_to_applicant=True,
        notify_officers=True,
        before_save=still_open,
        supplement=supplement.uuid,
    )
    application = Application.objects.select_for_update().get(pk=locked.application_id)
    missing = [item for item in missing_items(application) if item.section in supplement.sections]
    if missing:
        raise SupplementIncomplete(missing)
    now = timezone.now()
    last = application.versions.aggregate(last=Max("number"))["last"] or 0
    version = ApplicationVersion.objects.create(
        application=application,
        number=last + 1,
        submitted_at=now,
        submitted_by=user,
        snapshot=snapshot(application),
    )
    application.reopened_sections = []
    application.save(update_fields=["reopened_sections", "updated_at"])
    SupplementRequest.objects.filter(pk=supplement.pk).update(
        state=SupplementState.ANSWERED, response=response, responded_by=user, responded_at=now
    )
    # A receipt of the new version, like the one of the first submission.
    language = user.language
    transaction.on_commit(lambda: enqueue("permits.tasks.render_receipt", locked.pk, language))
    return version


@transaction.atomic
def permit_start_negotiation(*, permit: Permit, officer: User, revision: int) -> Permit:
    """Open negotiation with the applicant: a message thread and meeting records, visible to both sides."""
    locked, _event = change_case(
        permit=permit,
        actor=officer,
        action="negotiation_started",
        allowed=is_officer(officer),
        refusal=_officers_only(),
        revision=revision,
        transition="start_negotiation",
        visible_to_applicant=True,
        notify=True,
    )
    return locked


def _in_negotiation(locked: Permit) -> None:
    if locked.state != PermitState.NEGOTIATION:
        raise PortalError(_("This can be done only while the case is under negotiation."), status=409)


@transaction.atomic
def negotiation_post(*, permit: Permit, user: User, body: str) -> NegotiationMessage:
    """Add a message to the negotiation thread, from an officer or from a member of the applicant.

    Only while the case is under negotiation. A message from the agency is announced to the applicant
    organisation by email (without its text, which stays behind sign-in).
    """
    body = _required(body, _("Write a message."))
    from_authority = is_officer(user)
    allowed = from_authority or (not user.is_staff and is_holder_member(user, permit))
    locked, _event = change_case(
        permit=permit,
        actor=user,
        action="authority_message" if from_authority else "applicant_message",
        allowed=allowed,
        refusal=_("Only the agency's officers and members of the applicant organisation may take part."),
        before_save=_in_negotiation,
        visible_to_applicant=True,
        notify=from_authority,
        notify_officers=not from_authority,
    )
    return NegotiationMessage.objects.create(
        permit=locked, author=user, from_authority=from_authority, body=body
    )


@transaction.atomic
def meeting_record(
    *, permit: Permit, officer: User, held_on: date, participants: str, summary: str
) -> Meeting:
    """Record a negotiation meeting (date, participants, summary); the applicant sees the record."""
    participants = _required(participants, _("List the participants."))
    summary = _required(summary, _("Summarise the meeting."))
    if held_on > local_date(timezone.now()):
        raise PortalError(_("Record a meeting after it has been held."), status=400)
    locked, _event = change_case(
        permit=permit,
        actor=officer,
        action="meeting_recorded",
        allowed=is_officer(officer),
        refusal=_officers_only(),
        before_save=_in_negotiation,
        visible_to_applicant=True,
        held_on=held_on,
    )
    return Meeting.objects.create(
        permit=locked, held_on=held_on, participants=participants, summary=summary, recorded_by=officer
    )


@transaction.atomic
def permit_start_technical_review(*, permit: Permit, officer: User, revision: int) -> Permit:
    """Move the case to technical review, where the checklist in permits.review is worked through."""
    locked, _event = change_case(
        permit=permit,
        actor=officer,
        action="technical_review_started",
        allowed=is_officer(officer),
        refusal=_officers_only(),
        revision=revision,
        transition="start_technical_review",
        visible_to_applicant=True,
    )
    return locked


@transaction.atomic
def review_item_save(
    *, permit: Permit, officer: User, code: str, result: str, note: str, revision: int
) -> ReviewItem:
    """Record one checklist item (pass / fail / not applicable, with a note) during technical review.

    Saving an item again replaces its result; the audit trail keeps every version. A failed item needs
    a note. Never shown to the applicant.
    """
    if code not in CHECKLIST_CODES:
        raise PortalError(_("Unknown checklist item."), status=400)
    if result not in ReviewResult.values:
        raise PortalError(_("Choose a result."), status=400)
    note = note.strip()
    if result == ReviewResult.FAIL and not note:
        raise PortalError(_("Explain why the item fails."), status=400)

    def in_review(locked: Permit) -> None:
        if locked.state != PermitState.TECHNICAL_REVIEW:
            raise PortalError(
                _("The checklist can be filled in only while the case is in technical review."), status=409
            )

    locked, _event = change_case(
        permit=permit,
        actor=officer,
        action="review_item_saved",
        allowed=is_officer(officer),
        refusal=_officers_only(),
        revision=revision,
        before_save=in_review,
        visible_to_applicant=False,
        code=code,
        result=result,
        note=note,
    )
    item, _created = ReviewItem.objects.update_or_create(
        permit=locked, code=code, defaults={"result": result, "note": note, "reviewed_by": officer}
    )
    return item


@transaction.atomic
def internal_note_add(*, permit: Permit, officer: User, body: str) -> InternalNote:
    """Add an officers' note to the case, in any state; never shown to the applicant."""
    body = _required(body, _("Write the note."))
    locked, _event = change_case(
        permit=permit,
        actor=officer,
        action="note_added",
        allowed=is_officer(officer),
        refusal=_officers_only(),
        visible_to_applicant=False,
    )
    return InternalNote.objects.create(permit=locked, author=officer, body=body)
