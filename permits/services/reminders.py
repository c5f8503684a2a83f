"""Deadline reminders: the beat sweep that tells officers, decision makers and applicants in time.

Four kinds, each found by one set-based statement:

- the decision target date is within 14 days → the assigned officer (every officer while nobody is);
- the decision target date has passed → the decision makers;
- a supplement request's reply-by date is within 3 days → the applicant organisation;
- the reply-by date has passed without an answer → the case's officer, and the case's timeline.

Each statement is an `INSERT … SELECT … ON CONFLICT DO NOTHING RETURNING` into `Reminder`, whose unique
(case, kind, date) lets a reminder be written once: a rerun finds its rows there, and a second sweep
running at the same moment waits on the unique index for the first one's commit and then skips them. Only
the rows a sweep inserted get notifications, written in the same transaction. A changed date (a decision
maker extends the target) is a new (case, kind, date), so its reminders are armed again.

Per kind the statements do not grow with the reminders: the recipients are worked out once for all of
them, the outbox rows are written by one `notify_many` and the passed reply-by dates' timeline events by
one `bulk_create`.
"""

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from notifications.models import NotificationKind
from notifications.services import NotificationItem, notify_many
from permits.deadlines import local_date
from permits.models import (
    IN_PROCESSING,
    Permit,
    PermitEvent,
    Reminder,
    ReminderKind,
    SupplementRequest,
    SupplementState,
)
from permits.notifications import (
    applicant_recipients_by_case,
    case_url,
    officer_case_url,
    officers_by_case,
    staff_with_perm,
)

logger = logging.getLogger(__name__)


TARGET_SOON_DAYS = 14


REPLY_SOON_DAYS = 3


_CASES = Permit._meta.db_table


_SUPPLEMENTS = SupplementRequest._meta.db_table


_REMINDERS = Reminder._meta.db_table


# What each kind selects: (permit id, date, supplement id) of the cases it is due for.
_SOURCES = {
    ReminderKind.TARGET_SOON: (
        f"SELECT id, decision_due, NULL::bigint FROM {_CASES} "
        "WHERE state = ANY(%(open)s) AND decision_due BETWEEN %(today)s AND %(soon)s"
    ),
    ReminderKind.OVERDUE: (
        f"SELECT id, decision_due, NULL::bigint FROM {_CASES} "
        "WHERE state = ANY(%(open)s) AND decision_due < %(today)s"
    ),
    ReminderKind.REPLY_SOON: (
        f"SELECT permit_id, respond_by, id FROM {_SUPPLEMENTS} "
        "WHERE state = %(waiting)s AND respond_by BETWEEN %(today)s AND %(reply_soon)s"
    ),
    ReminderKind.REPLY_PASSED: (
        f"SELECT permit_id, respond_by, id FROM {_SUPPLEMENTS} WHERE state = %(waiting)s AND respond_by < %(today)s"
    ),
}


@dataclass(frozen=True)
class SweepResult:
    """How many reminders of each kind one sweep wrote."""

    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def sweep_deadlines(*, today: date | None = None) -> SweepResult:
    """Write the reminders that are due on `today` (Helsinki) and their notifications; rerunning adds none."""
    today = today or local_date(timezone.now())
    params = {
        "open": [str(state) for state in IN_PROCESSING],
        "waiting": SupplementState.OPEN.value,
        "today": today,
        "soon": today + timedelta(days=TARGET_SOON_DAYS),
        "reply_soon": today + timedelta(days=REPLY_SOON_DAYS),
    }
    counts = {}
    for kind, source in _SOURCES.items():
        # One transaction per kind: its reminders and their notifications commit together.
        with transaction.atomic():
            ids = _insert(kind, source, params)
            reminders = list(
                Reminder.objects.filter(pk__in=ids).select_related(
                    "permit__application__organisation",
                    "permit__application__created_by",
                    "permit__assigned_to",
                    "supplement",
                )
            )
            if reminders:
                _REMIND[kind](reminders)
        counts[kind.value] = len(ids)
    if any(counts.values()):
        logger.info("Deadline sweep for %s wrote reminders: %s", today, counts)
    return SweepResult(counts)


def _insert(kind: ReminderKind, source: str, params: dict) -> list[int]:
    sql = (
        f"INSERT INTO {_REMINDERS} (permit_id, due, supplement_id, kind, created_at) "
        f"SELECT found.*, %(kind)s, now() FROM ({source}) AS found "
        "ON CONFLICT (permit_id, kind, due) DO NOTHING RETURNING id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, {**params, "kind": kind.value})
        return [row[0] for row in cursor.fetchall()]


def _item(
    reminder: Reminder, *, today: date, user: User | None, email: str | None, language: str, link: str
) -> NotificationItem:
    permit = reminder.permit
    days = (reminder.due - today).days
    return NotificationItem(
        kind=NotificationKind.REMINDER,
        template="deadline_reminder",
        context={
            "kind": reminder.kind,
            "permit": permit,
            "organisation": permit.application.organisation,
            "due": reminder.due,
            "days": days,
            "overdue_days": -days,
            "case_url": link,
        },
        language=language,
        key=f"reminder:{reminder.pk}:{user.pk if user else email}",
        link=link,
        user=user,
        email=email,
    )


def _tell_staff(reminders: list[Reminder], people: dict[int, list[User]]) -> None:
    """Each reminder to the staff listed for its case (by case id), each in their language."""
    today = local_date(timezone.now())
    items: list[NotificationItem] = []
    for reminder in reminders:
        link = officer_case_url(reminder.permit)
        items += [
            _item(reminder, today=today, user=person, email=None, language=person.language, link=link)
            for person in people[reminder.permit_id]
        ]
    notify_many(items)


def _remind_officers(reminders: list[Reminder]) -> None:
    _tell_staff(reminders, officers_by_case(reminder.permit for reminder in reminders))


def _remind_decision_makers(reminders: list[Reminder]) -> None:
    deciders = list(staff_with_perm("decide_permit"))
    _tell_staff(reminders, {reminder.permit_id: deciders for reminder in reminders})


def _remind_applicant(reminders: list[Reminder]) -> None:
    today = local_date(timezone.now())
    recipients = applicant_recipients_by_case(reminder.permit for reminder in reminders)
    items: list[NotificationItem] = []
    for reminder in reminders:
        link = case_url(reminder.permit)
        items += [
            _item(
                reminder,
                today=today,
                user=user,
                email=address if user is None else None,
                language=language,
                link=link,
            )
            for address, (user, language) in recipients[reminder.permit_id].items()
        ]
    notify_many(items)


def _flag_reply_passed(reminders: list[Reminder]) -> None:
    """The officers hear of it, and the case's timeline (the officers' side only) records it."""
    PermitEvent.objects.bulk_create(
        PermitEvent(
            permit=reminder.permit,
            actor=None,
            action="reply_by_passed",
            from_state=reminder.permit.state,
            to_state=reminder.permit.state,
            visible_to_applicant=False,
        )
        for reminder in reminders
    )
    _remind_officers(reminders)


_REMIND = {
    ReminderKind.TARGET_SOON: _remind_officers,
    ReminderKind.OVERDUE: _remind_decision_makers,
    ReminderKind.REPLY_SOON: _remind_applicant,
    ReminderKind.REPLY_PASSED: _flag_reply_passed,
}
