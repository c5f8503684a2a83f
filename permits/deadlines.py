"""Deadline arithmetic in the authority's time zone (Europe/Helsinki)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from django.conf import settings

HELSINKI = ZoneInfo("Europe/Helsinki")


def local_date(moment: datetime) -> date:
    """The calendar date of an aware `moment` in Helsinki (23:30 UTC on 31 Dec is already 1 Jan there)."""
    return moment.astimezone(HELSINKI).date()


def decision_due_for(submitted_at: datetime) -> date:
    """The decision target date: the submission's Helsinki date plus DECISION_TARGET_MONTHS.

    A day that the target month lacks is clamped to its last day (30 Nov + 3 months → 28 or 29 Feb).
    """
    return local_date(submitted_at) + relativedelta(months=settings.DECISION_TARGET_MONTHS)
