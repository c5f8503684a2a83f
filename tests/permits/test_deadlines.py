from datetime import UTC, date, datetime

import pytest

from permits.deadlines import decision_due_for


@pytest.mark.parametrize(
    ("submitted_at", "due"),
    [
        # Month ends clamp to the last day of the target month.
        (datetime(2026, 11, 30, 10, 0, tzinfo=UTC), date(2027, 2, 28)),
        (datetime(2027, 11, 30, 10, 0, tzinfo=UTC), date(2028, 2, 29)),
        (datetime(2026, 1, 31, 10, 0, tzinfo=UTC), date(2026, 4, 30)),
        (datetime(2028, 2, 29, 10, 0, tzinfo=UTC), date(2028, 5, 29)),
        # 23:30 UTC on 31 Dec is 01:30 on 1 Jan in Helsinki.
        (datetime(2026, 12, 31, 23, 30, tzinfo=UTC), date(2027, 4, 1)),
        # The night summer time ends (25 Oct 2026): 21:30 UTC is already 00:30 on the 25th at UTC+3.
        (datetime(2026, 10, 24, 21, 30, tzinfo=UTC), date(2027, 1, 25)),
        # The repeated hour 03:00-04:00 of that night counts as the 25th either way.
        (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), date(2027, 1, 25)),
        (datetime(2026, 10, 25, 1, 30, tzinfo=UTC), date(2027, 1, 25)),
        # The night summer time starts (29 Mar 2026): 22:30 UTC on the 28th is 00:30 on the 29th at UTC+2.
        (datetime(2026, 3, 28, 22, 30, tzinfo=UTC), date(2026, 6, 29)),
        (datetime(2026, 3, 29, 21, 30, tzinfo=UTC), date(2026, 6, 30)),
        # Early evening in UTC is still the same day in Helsinki.
        (datetime(2026, 6, 15, 20, 59, tzinfo=UTC), date(2026, 9, 15)),
        (datetime(2026, 6, 15, 21, 0, tzinfo=UTC), date(2026, 9, 16)),
    ],
)
def test_decision_due_is_three_months_from_the_helsinki_date(submitted_at, due):
    assert decision_due_for(submitted_at) == due


def test_decision_target_months_is_configurable(settings):
    settings.DECISION_TARGET_MONTHS = 1
    assert decision_due_for(datetime(2026, 1, 31, 12, 0, tzinfo=UTC)) == date(2026, 2, 28)
