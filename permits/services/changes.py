"""Change notifications after the grant: filing them and the officers handling them (forms: permits.forms.changes).

The holder of a permit in force (a signatory, or a member of the licensee acting for it under a mandate in
force) notifies the agency of a change: `<permit reference>/M<n>`, numbered per permit under the permit's
row lock, with its own handling target date (CHANGE_NOTIFICATION_TARGET_DAYS from the filing date in
Helsinki). An officer acknowledges it (a change of contact persons is then applied to the permit's
contacts), asks for more information (the holder answers in words), requires an amendment
(`permits.services.amendments.amendment_for_change`), or proposes revocation, which another person, a decision
maker, either carries out (`permits.services.decisions.permit_revoke`) or declines.

Every service locks the permit row and then the change notification's row, checks the right (403), the
form's revision (a stale form: 409) and the state (409), and records the action through
`permits.workflow.change_case`: one PermitEvent on the permit's timeline (its note starts with the change's
reference, which is how the change's own history is found), one audit row, and the notifications.

The portal also reminds a holder's signatories to file a notification when it sees a change itself (the
organisation's name or Business ID edited, the technical contact removed): `remind_to_notify_change`,
connected in `permits.apps` to `accounts.signals.organisation_changed`.
"""

import logging
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit
from accounts.models import Membership, Organisation, User
from accounts.rules import is_decision_maker, is_officer
from accounts.services import PortalError
from applications.models import Application
from applications.uploads import REJECTION_STATUS, inspect_upload
from notifications.models import Notification, NotificationKind
from notifications.services import notify
from permits.deadlines import local_date
from permits.models import (
    IN_FORCE,
    ChangeAttachment,
    ChangeKind,
    ChangeNotification,
    ChangeState,
    Permit,
    PermitEvent,
)
from permits.notifications import officers_of, staff_event_notify, staff_with_perm
from permits.rules import may_answer_change, may_notify_change
from permits.selectors.changes import CONTACT_PARTS, CONTACT_ROLES, C, contacts_text, permits_in_force
from permits.services.amendments import amendment_for_change
from permits.services.decisions import permit_revoke
from permits.workflow import change_case

logger = logging.getLogger(__name__)


TEXT_MAX_LENGTH = 4000


MAX_CHANGE_ATTACHMENTS = 5


INFO_REPLY_DAYS = 14


def change_notify_check(*, permit: Permit, user: User) -> None:
    """Refuse (403, 409) a change notification that `user` may not file on `permit` as it now is."""
    if not may_notify_change(user, permit):
        raise PortalError(
            _(
                "Only a signatory of the permit holder, or the framework licensee acting for it, can "
                "notify a change."
            ),
            status=403,
        )
    if permit.state not in IN_FORCE or permit.application.amends_id is not None:
        raise PortalError(_("A change can be notified only for a permit in force."), status=409)


def _stale() -> PortalError:
    return PortalError(
        _(
            "The change notification changed meanwhile: someone else acted on it. Check its current "
            "state and try again."
        ),
        status=409,
    )


def _wrong_state(state: str) -> PortalError:
    return PortalError(
        _("This cannot be done while the change notification is in the state: %(state)s.")
        % {"state": ChangeState(state).label},
        status=409,
    )


def _required(text: str, message: str) -> str:
    text = (text or "").strip()
    if not text:
        raise PortalError(message, status=400)
    if len(text) > TEXT_MAX_LENGTH:
        raise PortalError(
            _("The text can be at most %(count)d characters long.") % {"count": TEXT_MAX_LENGTH}, status=400
        )
    return text


def _note(reference: str, text: str = "") -> str:
    """An event's note: the change's reference on the first line (what its history is found by), then text."""
    return f"{reference}\n{text}" if text else reference


def clean_contacts(data: dict) -> dict:
    """The contact persons of a "contacts" notification, from {"technical": {"name": …, "email": …, …}}.

    Each person is optional, but one that is started must be complete (name, email and phone), and at
    least one must be given. Raises PortalError (400) with what is wrong.
    """
    contacts = {}
    for role, label in CONTACT_ROLES:
        given = {part: " ".join(str((data.get(role) or {}).get(part, "")).split()) for part in CONTACT_PARTS}
        if not any(given.values()):
            continue
        if not all(given.values()):
            raise PortalError(
                _("%(person)s: give the name, email address and phone number, or leave all three empty.")
                % {"person": label},
                status=400,
            )
        try:
            validate_email(given["email"])
        except ValidationError:
            raise PortalError(
                _("%(person)s: the email address is not valid.") % {"person": label}, status=400
            ) from None
        if len(given["name"]) > 200 or len(given["email"]) > 254 or len(given["phone"]) > 40:
            raise PortalError(_("%(person)s: a value is too long.") % {"person": label}, status=400)
        contacts[role] = given
    if not contacts:
        raise PortalError(_("Give at least one new contact person in full."), status=400)
    return contacts


def _apply_contacts(change: ChangeNotification, actor: User) -> dict:
    """Write the notified contacts into the permit's application; return what changed (before, after)."""
    application = Application.objects.select_for_update().get(pk=change.permit.application_id)
    changes = {}
    for role, person in change.contacts.items():
        for part in CONTACT_PARTS:
            name = f"{role}_{part}"
            if getattr(application, name) != person[part]:
                changes[name] = [getattr(application, name), person[part]]
                setattr(application, name, person[part])
    if changes:
        application.save(update_fields=[*changes, "updated_at"])
        audit(
            actor=actor,
            action="permit_contacts_changed",
            target=application,
            organisation=change.permit.application.organisation,
            reference=change.permit.reference,
            change=change.reference,
            changes=changes,
        )
    return changes


@dataclass(frozen=True)
class _CheckedFile:
    uploaded: UploadedFile
    content_type: str
    extension: str
    size: int
    sha256: str
    display_name: str


def _check_files(files: Iterable[UploadedFile]) -> list[_CheckedFile]:
    files = list(files)
    if len(files) > MAX_CHANGE_ATTACHMENTS:
        raise PortalError(
            _("A change notification can have at most %(count)d attachments.")
            % {"count": MAX_CHANGE_ATTACHMENTS},
            status=400,
        )
    checked = []
    for uploaded in files:
        try:
            check = inspect_upload(uploaded)
        except ValidationError as exc:
            message = _("%(name)s: %(reason)s") % {"name": uploaded.name, "reason": " ".join(exc.messages)}
            raise PortalError(message, status=REJECTION_STATUS.get(exc.code, 400)) from None
        checked.append(
            _CheckedFile(
                uploaded, check.content_type, check.extension, check.size, check.sha256, check.display_name
            )
        )
    return checked


def _store(change: ChangeNotification, user: User, files: list[_CheckedFile]) -> list[ChangeAttachment]:
    """Store the checked files under random names; if saving fails, the files stored so far are removed."""
    stored: list[ChangeAttachment] = []
    try:
        for item in files:
            attachment = ChangeAttachment(
                change=change,
                display_name=item.display_name,
                content_type=item.content_type,
                size=item.size,
                sha256=item.sha256,
                uploaded_by=user,
            )
            # The stored name says nothing of the user's; only the extension is ours, from the content.
            attachment.file.save(f"{secrets.token_hex(16)}.{item.extension}", item.uploaded, save=False)
            stored.append(attachment)
            attachment.save()
    except BaseException:
        for attachment in stored:
            attachment.file.delete(save=False)
        raise
    return stored


@transaction.atomic
def change_notify(
    *,
    permit: Permit,
    user: User,
    kind: str,
    description: str,
    effective_on: date | None,
    contacts: dict | None = None,
    files: Iterable[UploadedFile] = (),
) -> ChangeNotification:
    """File a change notification on a permit in force; it gets the next number `<reference>/M<n>`.

    The permit row is locked while the number is taken, so two filings at once get distinct numbers. The
    handling target date is the filing date in Helsinki plus CHANGE_NOTIFICATION_TARGET_DAYS. Nothing is
    saved when anything is refused: the right (403), the permit's state (409), the input (400) or an
    attachment (400, 413, 415). The officers handling the permit are notified.
    """
    locked = (
        Permit.objects.select_for_update(of=("self",))
        .select_related("application__organisation")
        .get(pk=permit.pk)
    )
    change_notify_check(permit=locked, user=user)
    if kind not in ChangeKind.values:
        raise PortalError(_("Choose the kind of change."), status=400)
    description = _required(description, _("Describe the change."))
    if effective_on is None:
        raise PortalError(_("Give the date the change takes effect."), status=400)
    contacts = clean_contacts(contacts or {}) if kind == ChangeKind.CONTACTS else {}
    checked = _check_files(files)
    now = timezone.now()
    number = (locked.change_notifications.aggregate(last=Max("number"))["last"] or 0) + 1
    change = ChangeNotification(
        permit=locked,
        number=number,
        kind=kind,
        description=description,
        effective_on=effective_on,
        contacts=contacts,
        filed_by=user,
        due=local_date(now) + timedelta(days=settings.CHANGE_NOTIFICATION_TARGET_DAYS),
    )
    change_case(
        permit=locked,
        actor=user,
        action="change_notified",
        allowed=True,
        refusal="",
        note=_note(change.reference, str(ChangeKind(kind).label)),
        visible_to_applicant=True,
        notify_officers=True,
        change=change.reference,
        kind=kind,
        effective_on=effective_on,
        attachments=[item.sha256 for item in checked],
    )
    change.save()
    _store(change, user, checked)
    return change


def _locked(change: ChangeNotification) -> ChangeNotification:
    """Lock the permit, then the change notification (always in this order, so that no two wait on each other)."""
    Permit.objects.select_for_update(of=("self",)).get(pk=change.permit_id)
    return (
        ChangeNotification.objects.select_for_update(of=("self",))
        .select_related("permit__application__organisation", "filed_by", "assigned_to", "handled_by")
        .get(pk=change.pk)
    )


def _handle(
    *,
    change: ChangeNotification,
    actor: User,
    action: str,
    allowed: bool,
    refusal: str,
    revision: int | None,
    sources: Iterable[str],
    apply: Callable[[ChangeNotification], str],
    visible_to_applicant: bool = True,
    notify_holder: bool = False,
    notify_context: dict | None = None,
    **details: Any,
) -> tuple[ChangeNotification, PermitEvent]:
    """One action on a change notification: lock, right (403), freshness and state (409), `apply`, record.

    `apply` sets the change's own fields and returns the event's text. The change's revision is raised and
    an officer who acts on an unassigned notification takes it.
    """
    locked = _locked(change)
    if not allowed:
        raise PortalError(refusal, status=403)
    if revision is not None and locked.revision != revision:
        raise _stale()
    if locked.state not in set(sources):
        raise _wrong_state(locked.state)
    before = locked.state
    text = apply(locked)
    if actor.is_staff and locked.assigned_to_id is None:
        locked.assigned_to = actor
    locked.revision += 1
    locked.save()
    _permit, event = change_case(
        permit=locked.permit,
        actor=actor,
        action=action,
        allowed=True,
        refusal="",
        note=_note(locked.reference, text),
        visible_to_applicant=visible_to_applicant,
        notify=notify_holder,
        notify_context=notify_context,
        change=locked.reference,
        change_from=before,
        change_to=locked.state,
        **details,
    )
    return locked, event


def _officers_only() -> str:
    return _("Only the agency's officers can handle a change notification.")


def _handled(change: ChangeNotification, actor: User, note: str, state: str) -> None:
    change.state = state
    change.handled_by = actor
    change.handled_at = timezone.now()
    change.handling_note = note


@transaction.atomic
def change_acknowledge(
    *, change: ChangeNotification, officer: User, revision: int | None, note: str = ""
) -> ChangeNotification:
    """Acknowledge the change: nothing in the permit needs to change. New contact persons are applied to the
    permit's contacts directly, and recorded in the event and the audit trail. The holder is notified."""
    note = (note or "").strip()
    if len(note) > TEXT_MAX_LENGTH:
        raise PortalError(_("The note is too long."), status=400)
    applied: dict = {}

    def apply(locked: ChangeNotification) -> str:
        _handled(locked, officer, note, C.ACKNOWLEDGED)
        if locked.kind == ChangeKind.CONTACTS and locked.contacts:
            applied.update(_apply_contacts(locked, officer))
            lines = [_("The new contact persons were applied to the permit:"), contacts_text(locked.contacts)]
            return "\n".join([*lines, note] if note else lines)
        return note

    locked, _event = _handle(
        change=change,
        actor=officer,
        action="change_acknowledged",
        allowed=is_officer(officer),
        refusal=_officers_only(),
        revision=revision,
        sources=[C.RECEIVED],
        apply=apply,
        notify_holder=True,
        contacts_applied=applied,
    )
    return locked


def default_info_respond_by() -> date:
    """Fourteen days from today in Helsinki."""
    return local_date(timezone.now()) + timedelta(days=INFO_REPLY_DAYS)


@transaction.atomic
def change_request_info(
    *, change: ChangeNotification, officer: User, revision: int | None, message: str, respond_by: date
) -> ChangeNotification:
    """Ask the holder for more information about the change, to be answered in words by `respond_by`."""
    message = _required(message, _("Tell the permit holder what you need to know."))
    if respond_by is None or respond_by <= local_date(timezone.now()):
        raise PortalError(_("The reply-by date must be in the future."), status=400)

    def apply(locked: ChangeNotification) -> str:
        locked.state = C.INFO_REQUESTED
        locked.info_request = message
        locked.info_respond_by = respond_by
        locked.info_response = ""
        return message

    locked, _event = _handle(
        change=change,
        actor=officer,
        action="change_info_requested",
        allowed=is_officer(officer),
        refusal=_officers_only(),
        revision=revision,
        sources=[C.RECEIVED],
        apply=apply,
        notify_holder=True,
        notify_context={"respond_by": respond_by},
        respond_by=respond_by,
    )
    return locked


@transaction.atomic
def change_answer_info(*, change: ChangeNotification, user: User, response: str) -> ChangeNotification:
    """The holder answers the agency's request for more information; the notification is back with the agency."""
    response = _required(response, _("Write an answer to the request."))
    permit = change.permit

    def apply(locked: ChangeNotification) -> str:
        locked.state = C.RECEIVED
        locked.info_response = response
        return response

    locked, event = _handle(
        change=change,
        actor=user,
        action="change_info_answered",
        allowed=may_answer_change(user, change),
        refusal=_("Only members of the permit holder can answer the agency's request."),
        revision=None,
        sources=[C.INFO_REQUESTED],
        apply=apply,
    )
    assignee = locked.assigned_to  # selected with the lock; None when nobody is assigned
    staff = [assignee] if assignee is not None and assignee.is_active else None
    staff_notify(event, locked, staff or officers_of(permit))
    return locked


@transaction.atomic
def change_require_amendment(
    *, change: ChangeNotification, officer: User, revision: int | None, note: str
) -> ChangeNotification:
    """Require the holder to amend the permit: an amendment application is opened, prefilled from the permit
    in force, for the person who filed the notification (`permits.services.amendments.amendment_for_change`)."""
    note = _required(note, _("Tell the permit holder what the amendment must cover."))

    def apply(locked: ChangeNotification) -> str:
        _handled(locked, officer, note, C.AMENDMENT_REQUIRED)
        return note

    locked, _event = _handle(
        change=change,
        actor=officer,
        action="change_amendment_required",
        allowed=is_officer(officer),
        refusal=_officers_only(),
        revision=revision,
        sources=[C.RECEIVED],
        apply=apply,
        notify_holder=True,
    )
    # Refused (409) when the permit is no longer in force or another amendment is open: all is undone.
    locked.amendment = amendment_for_change(locked, officer)
    locked.save(update_fields=["amendment"])
    return locked


@transaction.atomic
def change_propose_revocation(
    *, change: ChangeNotification, officer: User, revision: int | None, reasons: str
) -> ChangeNotification:
    """Propose revoking the permit for this change; a decision maker other than the proposer decides.

    Not shown to the holder until decided; the decision makers are notified.
    """
    reasons = _required(reasons, _("Write the reasons for proposing revocation."))

    def apply(locked: ChangeNotification) -> str:
        if locked.permit.state not in IN_FORCE:
            raise PortalError(_("Only a permit in force can be revoked."), status=409)
        _handled(locked, officer, reasons, C.REVOCATION_PROPOSED)
        return reasons

    locked, event = _handle(
        change=change,
        actor=officer,
        action="change_revocation_proposed",
        allowed=is_officer(officer),
        refusal=_officers_only(),
        revision=revision,
        sources=[C.RECEIVED],
        apply=apply,
        visible_to_applicant=False,
    )
    staff_notify(event, locked, list(staff_with_perm("decide_permit").exclude(pk=officer.pk)))
    return locked


def _four_eyes(change: ChangeNotification, decision_maker: User) -> None:
    if change.handled_by_id == decision_maker.pk:
        raise PortalError(
            _("You proposed the revocation yourself; another decision maker must decide on it."), status=403
        )


@transaction.atomic
def change_revoke_permit(
    *, change: ChangeNotification, decision_maker: User, revision: int | None, reasons: str
) -> ChangeNotification:
    """Carry out a proposed revocation: the permit is revoked (`permits.services.decisions.permit_revoke`, which tells
    the holder) and the change notification is closed as permit_revoked. Four eyes: not by the proposer."""
    reasons = _required(reasons, _("Write the reasons for revoking the permit."))
    locked = _locked(change)
    if not is_decision_maker(decision_maker):
        raise PortalError(_("Only a decision maker can revoke a permit."), status=403)
    _four_eyes(locked, decision_maker)
    if revision is not None and locked.revision != revision:
        raise _stale()
    if locked.state != C.REVOCATION_PROPOSED:
        raise _wrong_state(locked.state)
    permit_revoke(permit=locked.permit, decision_maker=decision_maker, revision=None, reasons=reasons)

    def apply(locked: ChangeNotification) -> str:
        _handled(locked, decision_maker, reasons, C.PERMIT_REVOKED)
        return reasons

    # The revocation itself is on the timeline (and told to the holder) by permit_revoke; this event links
    # it to the change notification for the officers.
    locked, _event = _handle(
        change=locked,
        actor=decision_maker,
        action="change_permit_revoked",
        allowed=True,
        refusal="",
        revision=None,
        sources=[C.REVOCATION_PROPOSED],
        apply=apply,
        visible_to_applicant=False,
    )
    return locked


@transaction.atomic
def change_decline_revocation(
    *, change: ChangeNotification, decision_maker: User, revision: int | None, note: str
) -> ChangeNotification:
    """Decline a proposed revocation, with a note: the notification goes back to be handled otherwise.
    The proposer is notified. Four eyes: not by the proposer."""
    note = _required(note, _("Write why the revocation is declined."))
    proposer: list[User] = []

    def apply(locked: ChangeNotification) -> str:
        _four_eyes(locked, decision_maker)
        if locked.handled_by is not None:  # selected with the lock
            proposer.append(locked.handled_by)
        _handled(locked, decision_maker, note, C.RECEIVED)
        locked.handled_at = None
        return note

    locked, event = _handle(
        change=change,
        actor=decision_maker,
        action="change_revocation_declined",
        allowed=is_decision_maker(decision_maker),
        refusal=_("Only a decision maker can decide on a proposed revocation."),
        revision=revision,
        sources=[C.REVOCATION_PROPOSED],
        apply=apply,
        visible_to_applicant=False,
    )
    staff_notify(event, locked, [user for user in proposer if user.is_active])
    return locked


def officer_change_url(change: ChangeNotification) -> str:
    return settings.SITE_URL + reverse("permits:officer_change", args=[change.uuid])


def staff_notify(event: PermitEvent, change: ChangeNotification, users: Iterable[User]) -> list[Notification]:
    """Tell `users` (agency staff) about an event of a change notification, linked to its officers' page."""
    return staff_event_notify(event, users, url=officer_change_url(change), key="change_event")


REMINDED_FIELDS = {"name", "business_id"}


def remind_to_notify_change(
    sender: object,
    *,
    organisation: Organisation,
    fields: Iterable[str],
    removed_email: str = "",
    **kwargs: object,
) -> list[Notification]:
    """Remind the signatories of a permit holder to file a change notification (accounts.signals).

    When the organisation's name or Business ID was changed, or the member whose email is a permit's
    technical contact was removed, and the organisation holds a permit in force: one notification per
    signatory, written in the transaction of the change.
    """
    fields = set(fields)
    permits = list(permits_in_force(organisation).order_by("reference"))
    if fields & REMINDED_FIELDS:
        reason = "details"
    elif "member_removed" in fields and removed_email:
        permits = [p for p in permits if p.application.technical_email.lower() == removed_email.lower()]
        reason = "technical_contact"
    else:
        return []
    if not permits:
        return []
    site = settings.SITE_URL
    links = [(p.reference, site + reverse("permits:case", args=[p.uuid])) for p in permits]
    link = links[0][1] if len(links) == 1 else site + reverse("permits:dashboard")
    token = secrets.token_hex(8)
    written = []
    signatories = Membership.objects.filter(
        organisation=organisation, is_signatory=True, user__is_active=True
    ).select_related("user")
    for membership in signatories:
        user = membership.user
        notification = notify(
            kind=NotificationKind.CASE_EVENT,
            template="change_reminder",
            context={"organisation": organisation, "permits": links, "reason": reason, "link": link},
            language=user.language,
            key=f"change_reminder:{organisation.pk}:{token}:{user.pk}",
            link=link,
            user=user,
        )
        if notification is not None:
            written.append(notification)
    if written:
        audit(
            actor=None,
            action="change_reminder_sent",
            target=organisation,
            organisation=organisation,
            reason=reason,
            permits=[reference for reference, _url in links],
            recipients=len(written),
        )
    return written
