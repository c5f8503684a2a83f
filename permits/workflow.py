"""The one way a case changes: lock, check freshness and rights, act, record, notify after commit.

Every service that changes a case calls `change_case` (with or without a state transition). It locks
the Permit row, refuses a stale form (the case's `revision` moved on since the form was shown), refuses a
person without the right (403) and a transition from the wrong state (409), bumps the revision, writes
one PermitEvent and one audit row, and writes the applicant's notifications into the outbox (their emails
are queued after commit).
"""

import logging
from collections.abc import Callable

from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django_fsm import can_proceed
from kombu.exceptions import OperationalError

from accounts.audit import audit
from accounts.models import User
from accounts.services import PortalError
from permits.display import plain_state
from permits.models import Permit, PermitEvent
from permits.notifications import case_event_notify, officer_event_notify

logger = logging.getLogger(__name__)


def enqueue(task: str, *args: object) -> None:
    """Queue the task at the dotted path `task` (`"permits.tasks.render_receipt"`) with `args`.

    Services name their tasks by path rather than importing them, because the tasks import the services:
    so imports run one way (tasks → services), with no cycle and no import inside a function. A broker
    outage is logged and must not turn a committed change into an error.
    """
    try:
        import_string(task).delay(*args)
    except OperationalError:
        logger.exception("Could not queue %s%r; the broker is unreachable.", task, args)


def change_case(
    *,
    permit: Permit,
    actor: User,
    action: str,
    allowed: bool,
    refusal: str,
    revision: int | None = None,
    transition: str | None = None,
    transition_kwargs: dict | None = None,
    note: str = "",
    visible_to_applicant: bool = True,
    notify: bool = False,
    notify_officers: bool = False,
    notify_context: dict | None = None,
    before_save: Callable[[Permit], None] | None = None,
    **details: object,
) -> tuple[Permit, PermitEvent]:
    """Apply one action to a case inside the caller's transaction; return the locked, saved case and its event.

    `allowed` is the caller's verdict on the actor's right (checked here, after the lock, so the answer
    is 403 rather than a state error). `before_save` may set more of the case's own fields.
    """
    locked = (
        Permit.objects.select_for_update(of=("self",))
        .select_related("application__organisation")
        .get(pk=permit.pk)
    )
    if revision is not None and locked.revision != revision:
        raise PortalError(
            _("The case changed meanwhile: someone else acted on it. Check its current state and try again."),
            status=409,
        )
    if not allowed:
        raise PortalError(refusal, status=403)
    before = locked.state
    if transition:
        method = getattr(locked, transition)
        if not can_proceed(method):
            raise PortalError(
                _("This cannot be done while the case is in the state: %(state)s.")
                % {"state": plain_state(before)},
                status=409,
            )
        method(**(transition_kwargs or {}))
    if before_save:
        before_save(locked)
    now = timezone.now()
    locked.revision += 1
    locked.last_activity_at = now
    locked.save()
    event = PermitEvent.objects.create(
        permit=locked,
        actor=actor,
        action=action,
        from_state=before,
        to_state=locked.state,
        note=note,
        visible_to_applicant=visible_to_applicant,
    )
    audit(
        actor=actor,
        action=f"case_{action}",
        target=locked,
        organisation=locked.application.organisation,
        reference=locked.reference,
        from_state=before,
        to_state=locked.state,
        **details,
    )
    if notify and visible_to_applicant:
        # Outbox rows in this transaction: the emails are queued on commit and swept if the broker is down.
        case_event_notify(event, notify_context)
    if notify_officers:
        officer_event_notify(event)
    return locked, event
