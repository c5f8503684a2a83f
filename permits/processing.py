"""Processing a case before the decision: supplement requests and their answers, negotiation, the technical
review checklist and the officers' internal notes. Services, their forms, and what the pages show of them.

Every service goes through `permits.workflow.change_case` (lock, freshness, right, transition, event, audit,
applicant email after commit) and writes its own rows in the same transaction. Officers' forms carry the
case's `revision`, so a form shown before someone else acted is refused with 409 instead of overwriting.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import pairwise

from django import forms
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import User
from accounts.rules import is_officer
from accounts.services import PortalError
from applications.catalogue import SECTIONS
from applications.completeness import Missing, missing_items, snapshot
from applications.models import Application, ApplicationVersion, DataGroup
from applications.summary import Section, build_summary
from permits.deadlines import local_date
from permits.models import (
    InternalNote,
    Meeting,
    NegotiationMessage,
    Permit,
    PermitEvent,
    PermitState,
    ReviewItem,
    ReviewResult,
    SupplementRequest,
    SupplementState,
)
from permits.review import CHECKLIST, CHECKLIST_CODES
from permits.workflow import change_case, enqueue, is_holder_member

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


# -- forms: each lists its fields; `revision` is the case's revision when the form was shown --------------


def _text(label: Promise, rows: int = 5, help_text: Promise | str = "") -> forms.CharField:
    return forms.CharField(
        label=label, max_length=TEXT_MAX_LENGTH, widget=forms.Textarea({"rows": rows}), help_text=help_text
    )


class _Form(forms.Form):
    """Ids start with `id_prefix`, so that several forms on one page never share an id."""

    id_prefix = "id"

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class _RevisionForm(_Form):
    revision = forms.IntegerField(min_value=0, widget=forms.HiddenInput)


class SupplementRequestForm(_RevisionForm):
    id_prefix = "supplement"
    message = _text(
        gettext_lazy("What is missing"),
        help_text=gettext_lazy("The applicant sees this text and receives it by email."),
    )
    sections = forms.MultipleChoiceField(
        label=gettext_lazy("Sections the applicant may edit"),
        choices=REOPENABLE_SECTIONS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Leave all unticked if an answer in words is enough."),
    )
    respond_by = forms.DateField(
        label=gettext_lazy("Reply by"), widget=forms.DateInput({"type": "date"}, format="%Y-%m-%d")
    )

    def clean_respond_by(self) -> date:
        respond_by = self.cleaned_data["respond_by"]
        if respond_by <= local_date(timezone.now()):
            raise forms.ValidationError(_("The reply-by date must be in the future."))
        return respond_by


class SupplementAnswerForm(_Form):
    id_prefix = "answer"
    response = _text(
        gettext_lazy("Your answer"),
        help_text=gettext_lazy(
            "Explain what you changed or answer the question. Sending the answer also submits the edited "
            "sections; they cannot be edited after that."
        ),
    )


class TransitionForm(_RevisionForm):
    """A state change with nothing to fill in besides the hidden revision."""

    id_prefix = "transition"


class NegotiationMessageForm(_Form):
    id_prefix = "negotiation"
    body = _text(gettext_lazy("Message"))


class MeetingForm(_Form):
    id_prefix = "meeting"
    held_on = forms.DateField(
        label=gettext_lazy("Date of the meeting"),
        widget=forms.DateInput({"type": "date"}, format="%Y-%m-%d"),
    )
    participants = _text(
        gettext_lazy("Participants"),
        rows=3,
        help_text=gettext_lazy("Names and organisations of everyone who took part."),
    )
    summary = _text(
        gettext_lazy("Summary"),
        help_text=gettext_lazy("What was discussed and agreed. The applicant sees the summary."),
    )

    def clean_held_on(self) -> date:
        held_on = self.cleaned_data["held_on"]
        if held_on > local_date(timezone.now()):
            raise forms.ValidationError(_("Record a meeting after it has been held."))
        return held_on


class ReviewItemForm(_RevisionForm):
    """One checklist item; shown with the item's code as prefix so that every item has its own ids."""

    id_prefix = "review"

    result = forms.ChoiceField(
        label=gettext_lazy("Result"), choices=ReviewResult.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        max_length=TEXT_MAX_LENGTH,
        required=False,
        widget=forms.Textarea({"rows": 2}),
        help_text=gettext_lazy("Required when the item fails."),
    )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("result") == ReviewResult.FAIL and not data.get("note", "").strip():
            self.add_error("note", _("Explain why the item fails."))
        return data


class InternalNoteForm(_Form):
    id_prefix = "note"
    body = _text(
        gettext_lazy("Note"), rows=3, help_text=gettext_lazy("Only the agency's staff see internal notes.")
    )


# -- supplement requests ----------------------------------------------------------------------------------


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


# -- negotiation --------------------------------------------------------------------------------------------


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


# -- technical review ----------------------------------------------------------------------------------------


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


# -- internal notes --------------------------------------------------------------------------------------------


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


# -- what changed between submitted versions ---------------------------------------------------------------


@dataclass
class Change:
    kind: str  # "changed", "added" or "removed"
    section: str | Promise
    label: str | Promise
    before: str = ""
    after: str = ""


@dataclass
class VersionEntry:
    version: ApplicationVersion
    summary: list[Section]
    changes: list[Change] = field(default_factory=list)  # against the previous version


def _attachment_text(item: dict) -> str:
    return f"{item['size'] // 1024 + 1} kB · SHA-256 {item['sha256']}"


def snapshot_changes(
    old: dict, new: dict, old_summary: list[Section], new_summary: list[Section]
) -> list[Change]:
    """Field by field, what differs between two snapshots (and their summaries), in wizard order."""
    changes: list[Change] = []
    previous = {section.slug: section for section in old_summary}
    for section in new_summary:
        if section.slug == "data-groups":
            before, after = old.get("data_groups", {}), new.get("data_groups", {})
            names = {g.code: g.name for g in DataGroup.objects.filter(code__in=set(before) | set(after))}
            for code in [*after, *(c for c in before if c not in after)]:
                label = names.get(code, code)
                if code not in before:
                    changes.append(Change("added", section.title, label, after=after[code]))
                elif code not in after:
                    changes.append(Change("removed", section.title, label, before=before[code]))
                elif before[code] != after[code]:
                    changes.append(Change("changed", section.title, label, before[code], after[code]))
        elif section.slug == "attachments":
            before = {(a["name"], a["sha256"]): a for a in old.get("attachments", [])}
            after = {(a["name"], a["sha256"]): a for a in new.get("attachments", [])}
            for key, item in after.items():
                if key not in before:
                    changes.append(Change("added", section.title, item["name"], after=_attachment_text(item)))
            for key, item in before.items():
                if key not in after:
                    changes.append(
                        Change("removed", section.title, item["name"], before=_attachment_text(item))
                    )
        else:
            old_rows = previous[section.slug].rows
            for (label, value), (_label, old_value) in zip(section.rows, old_rows, strict=True):
                if str(old_value) != str(value):
                    changes.append(Change("changed", section.title, label, str(old_value), str(value)))
    return changes


def version_history(application: Application) -> list[VersionEntry]:
    """Every submitted version, newest first, each with what changed since the one before it."""
    versions = list(application.versions.select_related("submitted_by").order_by("number"))
    entries = [VersionEntry(version, build_summary(version.snapshot)) for version in versions]
    for older, newer in pairwise(entries):
        newer.changes = snapshot_changes(
            older.version.snapshot, newer.version.snapshot, older.summary, newer.summary
        )
    return entries[::-1]


# -- what the applicant's case page shows of processing -------------------------------------------------------


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


def checklist(permit: Permit) -> list[dict]:
    """The review checklist in order, each item with its saved result (or None)."""
    saved = {item.code: item for item in permit.review_items.select_related("reviewed_by")}
    return [{"code": code, "label": label, "item": saved.get(code)} for code, label in CHECKLIST]
