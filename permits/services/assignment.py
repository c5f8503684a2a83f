"""Assigning a case to an officer (from a queue row, the assign page or the case page)."""

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.rules import is_officer
from accounts.services import PortalError
from permits.models import CLOSED, Permit
from permits.selectors.queue import officer_label
from permits.workflow import change_case


@transaction.atomic
def permit_assign(*, permit: Permit, officer: User, assignee: User, revision: int | None = None) -> Permit:
    """Assign the case to `assignee` (an officer; `officer` themselves or a colleague).

    Only an officer may assign, only to an active officer, and not a closed case. The timeline event is
    not shown to the applicant; the change is audited. `revision` refuses a form that went stale.
    """
    assignee_is_officer = assignee.is_active and is_officer(assignee)

    def assign(case: Permit) -> None:
        if case.state in CLOSED:
            raise PortalError(_("A closed case cannot be assigned."), status=409)
        if not assignee_is_officer:
            raise PortalError(_("Cases can be assigned only to officers."), status=400)
        if case.assigned_to_id == assignee.pk:
            raise PortalError(
                _("The case is already assigned to %(name)s.") % {"name": officer_label(assignee)}, status=409
            )
        case.assigned_to = assignee

    current = permit.assigned_to  # no query when assigned_to_id is None
    previous = current.uuid if current else None
    locked, _event = change_case(
        permit=permit,
        actor=officer,
        action="assigned",
        allowed=is_officer(officer),
        refusal=_("Only officers can assign cases."),
        revision=revision,
        note=officer_label(assignee),
        visible_to_applicant=False,
        before_save=assign,
        assignee=str(assignee.uuid),
        previous_assignee=previous and str(previous),
    )
    return locked
