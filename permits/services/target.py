"""A decision maker extending the decision target date (the clock on the case page: permits.views.pages).

The target date is the submission date plus DECISION_TARGET_MONTHS (permits/deadlines.py). A decision
maker may move it later, with a reason that the timeline, the audit trail and the applicant's email carry;
the deadline sweep then reminds about the new date (its reminders are per date).
"""

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.rules import is_decision_maker
from accounts.services import PortalError
from permits.deadlines import local_date
from permits.models import IN_PROCESSING, Permit
from permits.workflow import change_case


@transaction.atomic
def permit_extend_target(
    *, permit: Permit, user: User, decision_due: date, reason: str, revision: int | None
) -> Permit:
    """Move the decision target date of a case being processed later; decision makers only."""
    reason = reason.strip()
    if not reason:
        raise PortalError(_("Give the reason for the extension."), status=400)

    def extend(locked: Permit) -> None:
        if locked.state not in IN_PROCESSING:
            raise PortalError(_("The target date can be changed only before the decision."), status=409)
        if decision_due <= locked.decision_due or decision_due <= local_date(timezone.now()):
            raise PortalError(
                _("The new target date must be later than the current one and in the future."), status=400
            )
        locked.decision_due = decision_due

    locked, _event = change_case(
        permit=permit,
        actor=user,
        action="target_extended",
        allowed=is_decision_maker(user),
        refusal=_("Only a decision maker can extend the decision target date."),
        revision=revision,
        note=reason,
        visible_to_applicant=True,
        notify=True,
        notify_context={"decision_due": decision_due},
        before_save=extend,
        previous_decision_due=permit.decision_due,
        decision_due=decision_due,
    )
    return locked
