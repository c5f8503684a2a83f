"""Deadline arithmetic in the authority's time zone (Europe/Helsinki)."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from django.conf import settings

from permits.models import Permit, SupplementState

HELSINKI = ZoneInfo("Europe/Helsinki")


def local_date(moment: datetime) -> date:
    """The calendar date of an aware `moment` in Helsinki (23:30 UTC on 31 Dec is already 1 Jan there)."""
    return moment.astimezone(HELSINKI).date()


def decision_due_for(submitted_at: datetime) -> date:
    """The decision target date: the submission's Helsinki date plus DECISION_TARGET_MONTHS.

    A day that the target month lacks is clamped to its last day (30 Nov + 3 months → 28 or 29 Feb).
    """
    return local_date(submitted_at) + relativedelta(months=settings.DECISION_TARGET_MONTHS)


@dataclass(frozen=True)
class Clock:
    """A case's processing clock in days: elapsed since submission, and how they split between the sides.

    The target does not stop while the applicant is asked for more (processing takes about three months,
    supplement requests included); the split shows where the time went.
    """

    elapsed: int
    waiting_for_applicant: int
    due: date
    days_left: int | None  # None once decided or closed

    @property
    def with_authority(self) -> int:
        return self.elapsed - self.waiting_for_applicant

    @property
    def overdue(self) -> bool:
        return self.days_left is not None and self.days_left < 0

    @property
    def overdue_days(self) -> int:
        return -(self.days_left or 0) if self.overdue else 0  # overdue: days_left is negative


def case_clock(permit: Permit, today: date) -> Clock:
    """The clock of `permit` on `today`; it stops at the decision (or when the case closes without one).

    Days waiting for the applicant are the supplement requests' days from request to answer (or to the
    day the case closed, or today while one is still open), without counting a day twice.
    """

    stopped_at = permit.decided_at or permit.closed_at
    end = local_date(stopped_at) if stopped_at else today
    start = local_date(permit.submitted_at)
    waiting: set[date] = set()
    for supplement in permit.supplements.all():
        asked = local_date(supplement.created_at)
        if supplement.state == SupplementState.ANSWERED and supplement.responded_at:
            answered = local_date(supplement.responded_at)
        else:
            answered = end
        waiting.update(asked + timedelta(days=n) for n in range((min(answered, end) - asked).days))
    return Clock(
        elapsed=max((end - start).days, 0),
        waiting_for_applicant=len(waiting),
        due=permit.decision_due,
        days_left=None if stopped_at else (permit.decision_due - today).days,
    )
