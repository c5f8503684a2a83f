"""Submitting an application opens its permit case; the applicant may withdraw it.

Each service locks the rows it changes, checks the actor's right itself (django-fsm-2 does not), writes
one PermitEvent and one audit row per change, and queues its follow-ups (receipt PDF, emails) to run
after the transaction commits.
"""

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_fsm import can_proceed

from accounts.audit import audit
from accounts.models import Membership, User
from accounts.services import PortalError
from applications.completeness import Missing, missing_items, snapshot
from applications.models import Application, ApplicationStatus, ApplicationVersion
from applications.selectors.licensing import commitment_is_current, may_submit
from permits.deadlines import decision_due_for, local_date
from permits.models import IN_FORCE, Permit, PermitEvent, PermitState, SupplementRequest, SupplementState
from permits.notifications import event_notify, officer_event_notify
from permits.references import next_reference
from permits.services.amendments import amendment_reference
from permits.workflow import enqueue

logger = logging.getLogger(__name__)


class ApplicationIncomplete(PortalError):
    """Submission refused because items are missing; `missing` lists them in wizard order."""

    def __init__(self, missing: list[Missing]) -> None:
        super().__init__(
            ngettext(
                "The application cannot be submitted yet: %(count)d item is missing.",
                "The application cannot be submitted yet: %(count)d items are missing.",
                len(missing),
            )
            % {"count": len(missing)},
            status=400,
        )
        self.missing = missing


def _is_signatory(user: User, organisation_id: int) -> bool:
    return Membership.objects.filter(organisation_id=organisation_id, user=user, is_signatory=True).exists()


@transaction.atomic
def application_submit(*, application: Application, user: User) -> Permit:
    """Submit a complete draft on the organisation's behalf and open its case.

    Freezes version 1 of the application, gives the case a reference number and a decision target
    date, queues the receipt PDF and writes the confirmation notifications in the submitter's language.
    Only a signatory may submit; an application a framework licensee filed for its client, also the
    licensee's members, but only as the client last confirmed it. The application row is locked first, so a second submission of the same
    application (another tab, a double click) waits and then finds it already submitted.
    """
    application = Application.objects.select_for_update().get(pk=application.pk)
    if not may_submit(user, application):
        raise PortalError(_("Only a signatory of the organisation can submit the application."), status=403)
    if application.status != ApplicationStatus.DRAFT:
        raise PortalError(_("This application has already been submitted."), status=409)
    missing = missing_items(application)
    if missing:
        raise ApplicationIncomplete(missing)
    if application.filed_by_id and not commitment_is_current(application):
        raise PortalError(
            _(
                "The client has not confirmed the application as it is now. A signatory of the client "
                "confirms it first, and again after every change."
            ),
            status=409,
        )

    amended = application.amends  # no query when amends_id is None
    if amended is not None and amended.state not in IN_FORCE:
        raise PortalError(_("The permit this application amends is no longer in force."), status=409)
    now = timezone.now()
    ApplicationVersion.objects.create(
        application=application,
        number=1,
        submitted_at=now,
        submitted_by=user,
        snapshot=snapshot(application),
    )
    application.status = ApplicationStatus.SUBMITTED
    application.submitted_at = now
    application.save(update_fields=["status", "submitted_at", "updated_at"])
    permit = Permit.objects.create(
        application=application,
        reference=amendment_reference(application)
        if application.amends_id
        else next_reference(local_date(now).year),
        submitted_at=now,
        decision_due=decision_due_for(now),
        last_activity_at=now,
    )
    event = PermitEvent.objects.create(
        permit=permit,
        actor=user,
        action="submitted",
        to_state=PermitState.SUBMITTED,
        visible_to_applicant=True,
    )
    audit(
        actor=user,
        action="application_submitted",
        target=permit,
        organisation=application.organisation,
        reference=permit.reference,
        application=application.uuid,
        decision_due=permit.decision_due,
    )
    language = user.language
    transaction.on_commit(lambda: enqueue("permits.tasks.render_receipt", permit.pk, language))
    event_notify(event, template="application_submitted", language=language)
    return permit


@transaction.atomic
def permit_withdraw(*, permit: Permit, user: User, reason: str) -> Permit:
    """Withdraw the application before a decision; a signatory of the applicant organisation may.

    An open supplement request is closed unanswered and its reopened sections are locked again.
    """
    permit = (
        Permit.objects.select_for_update(of=("self",))
        .select_related("application__organisation")
        .get(pk=permit.pk)
    )
    if not _is_signatory(user, permit.application.organisation_id):
        raise PortalError(_("Only a signatory of the organisation can withdraw the application."), status=403)
    if not can_proceed(permit.withdraw):
        raise PortalError(_("This application cannot be withdrawn any more."), status=409)
    reason = reason.strip()
    if not reason:
        raise PortalError(_("Tell the authority why the application is withdrawn."), status=400)
    now = timezone.now()
    before = permit.state
    permit.withdraw(at=now)
    permit.last_activity_at = now
    permit.save(update_fields=["state", "closed_at", "last_activity_at"])
    SupplementRequest.objects.filter(permit=permit, state=SupplementState.OPEN).update(
        state=SupplementState.CLOSED
    )
    Application.objects.filter(pk=permit.application_id).update(reopened_sections=[], updated_at=now)
    event = PermitEvent.objects.create(
        permit=permit,
        actor=user,
        action="withdrawn",
        from_state=before,
        to_state=permit.state,
        note=reason,
        visible_to_applicant=True,
    )
    audit(
        actor=user,
        action="permit_withdrawn",
        target=permit,
        organisation=permit.application.organisation,
        reference=permit.reference,
        from_state=before,
    )
    event_notify(event, template="application_withdrawn", language=user.language)
    if before != PermitState.SUBMITTED or permit.assigned_to_id:
        officer_event_notify(event)
    return permit
