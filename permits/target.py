"""The case's clock on its pages, and a decision maker extending the decision target date.

The target date is the submission date plus DECISION_TARGET_MONTHS (permits/deadlines.py). A decision
maker may move it later, with a reason that the timeline, the audit trail and the applicant's email carry;
the deadline sweep then reminds about the new date (its reminders are per date).
"""

from datetime import date

from django import forms
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.rules import is_decision_maker
from accounts.services import PortalError
from permits.deadlines import Clock, case_clock, local_date
from permits.decisions import RevisionForm
from permits.models import IN_PROCESSING, Permit, Reminder
from permits.processing import TEXT_MAX_LENGTH
from permits.workflow import change_case


class TargetExtensionForm(RevisionForm):
    id_prefix = "target"
    decision_due = forms.DateField(
        label=gettext_lazy("New decision target date"),
        widget=forms.DateInput({"type": "date"}, format="%Y-%m-%d"),
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason for the extension"),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea({"rows": 3}),
        help_text=gettext_lazy("The applicant sees the new date and the reason."),
    )


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
