"""The officers' deadline overview: access, the counts behind the queue's links, the decision figures of
the last 13 months, the chart and its table, and a query count that does not grow with the cases."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from permits.models import PermitState as S
from permits.selectors.overview import (
    Period,
    axis_step,
    deadline_counts,
    decision_period,
    decision_summary,
    monthly_decisions,
)
from tests.factories import PermitFactory

OVERVIEW = reverse("permits:overview")
QUEUE = reverse("permits:queue")

# 10:00 on 10 May 2026 in Helsinki (UTC+3 in summer).
NOW = datetime(2026, 5, 10, 7, 0, tzinfo=UTC)
TODAY = date(2026, 5, 10)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def page(response) -> str:
    return response.content.decode()


def open_case(due: date, state: str = S.SUBMITTED):
    return PermitFactory(state=state, decision_due=due)


def decided(*, submitted: datetime, decided_at: datetime, due: date, state: str = S.GRANTED):
    return PermitFactory(state=state, submitted_at=submitted, decided_at=decided_at, decision_due=due)


def helsinki(year: int, month: int, day: int, hour: int = 12) -> datetime:
    """A moment on that Helsinki date (noon there is 09:00 or 10:00 UTC)."""
    return datetime(year, month, day, hour - 3, tzinfo=UTC)


# Access ---------------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(client, db):
    response = client.get(OVERVIEW)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


@pytest.mark.parametrize("persona", ["member", "signatory", "outsider", "registry_admin"])
def test_others_than_officers_get_a_readable_403(db, client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(OVERVIEW)
    assert response.status_code == 403
    assert "The deadline overview is for the authority&#x27;s officers." in page(response)


@pytest.mark.parametrize("persona", ["officer", "decision_maker"])
def test_officers_and_decision_makers_see_the_overview(db, client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(OVERVIEW)
    assert response.status_code == 200
    assert 'role="img"' in page(response)


def test_the_staff_menu_links_to_the_overview(client, officer):
    client.force_login(officer)
    response = client.get(QUEUE)
    assert f'href="{OVERVIEW}"' in page(response)


def test_post_is_refused(client, officer):
    client.force_login(officer)
    assert client.post(OVERVIEW).status_code == 405


# Open cases -----------------------------------------------------------------------------------------


def test_counts_around_the_boundaries(db, officer, frozen):
    open_case(TODAY - timedelta(days=30))
    open_case(TODAY - timedelta(days=1), S.NEGOTIATION)  # yesterday: overdue
    open_case(TODAY)  # today: due soon, not overdue
    open_case(TODAY + timedelta(days=14), S.TECHNICAL_REVIEW)  # the last day that is due soon
    open_case(TODAY + timedelta(days=7), S.SUPPLEMENT_REQUESTED)
    open_case(TODAY + timedelta(days=15))  # not yet
    # Decided or closed: no deadline left, whatever the date.
    open_case(TODAY - timedelta(days=2), S.GRANTED)
    open_case(TODAY + timedelta(days=2), S.TESTING)
    open_case(TODAY - timedelta(days=2), S.REJECTED)
    open_case(TODAY + timedelta(days=2), S.WITHDRAWN)
    counts = deadline_counts(user=officer, today=TODAY)
    assert (counts.due_soon, counts.overdue) == (3, 2)


def test_counts_are_what_the_queue_shows_behind_their_links(client, officer, frozen):
    open_case(TODAY - timedelta(days=1))
    open_case(TODAY + timedelta(days=3))
    open_case(TODAY + timedelta(days=4))
    open_case(TODAY + timedelta(days=2), S.GRANTED)
    client.force_login(officer)
    content = page(client.get(OVERVIEW))
    assert f'href="{QUEUE}?due_soon=1"' in content
    assert f'href="{QUEUE}?overdue=1"' in content
    counts = [int(n) for n in re.findall(r'<span class="overview-count">(\d+)</span>', content)]
    assert counts == [2, 1]
    queue = page(client.get(QUEUE, {"due_soon": "1"}))
    assert queue.count('<th scope="row"><a href=') == 2
    queue = page(client.get(QUEUE, {"overdue": "1"}))
    assert queue.count('<th scope="row"><a href=') == 1


# Decisions over the period --------------------------------------------------------------------------


def test_the_period_is_the_current_month_and_twelve_full_months_before_it():
    period = decision_period(TODAY)
    assert (period.first, period.last) == (date(2025, 5, 1), date(2026, 5, 1))
    assert len(period.months) == 13 and period.months[-1] == date(2026, 5, 1)
    # Midnight in Helsinki, summer time: 21:00 UTC the evening before.
    assert period.start == datetime(2025, 4, 30, 21, 0, tzinfo=UTC)
    assert period.end == datetime(2026, 5, 31, 21, 0, tzinfo=UTC)
    january = decision_period(date(2026, 1, 31))
    assert (january.first, january.last) == (date(2025, 1, 1), date(2026, 1, 1))


def test_median_and_share_within_target(db, frozen):
    # Processing days 10, 20, 30, 40 and 95: the median is 30; three of five decided by the target date.
    decided(submitted=helsinki(2026, 1, 1), decided_at=helsinki(2026, 1, 11), due=date(2026, 4, 1))
    decided(
        submitted=helsinki(2026, 1, 1),
        decided_at=helsinki(2026, 1, 21),
        due=date(2026, 4, 1),
        state=S.REJECTED,
    )
    # Decided on its target date: within target.
    decided(submitted=helsinki(2026, 3, 1), decided_at=helsinki(2026, 3, 31), due=date(2026, 3, 31))
    # The day after its target date: after.
    decided(submitted=helsinki(2026, 3, 1), decided_at=helsinki(2026, 4, 10), due=date(2026, 4, 9))
    decided(
        submitted=helsinki(2025, 12, 1),
        decided_at=helsinki(2026, 3, 6),
        due=date(2026, 3, 1),
        state=S.PRODUCTION,
    )
    # Not decided, or decided before the period: left out.
    PermitFactory(state=S.WITHDRAWN, submitted_at=helsinki(2026, 2, 1), decision_due=date(2026, 5, 1))
    decided(submitted=helsinki(2025, 1, 1), decided_at=helsinki(2025, 4, 30), due=date(2025, 4, 1))
    summary = decision_summary(decision_period(TODAY))
    assert (summary.decided, summary.within_target, summary.after_target) == (5, 3, 2)
    assert summary.median_days == 30
    assert summary.within_target_percent == 60


def test_median_of_an_even_number_is_halfway(db, frozen):
    decided(submitted=helsinki(2026, 1, 1), decided_at=helsinki(2026, 1, 11), due=date(2026, 4, 1))
    decided(submitted=helsinki(2026, 1, 1), decided_at=helsinki(2026, 1, 16), due=date(2026, 4, 1))
    # 10 and 15 days.
    assert decision_summary(decision_period(TODAY)).median_days == 12.5


def test_days_and_months_are_helsinki_dates(db, frozen):
    # Submitted 23:30 UTC on 31 Dec = 1 Jan in Helsinki; decided 22:30 UTC on 31 Jan = 1 Feb in Helsinki,
    # a day after the target date of 31 Jan: 31 days, after target, counted in February.
    decided(
        submitted=datetime(2025, 12, 31, 23, 30, tzinfo=UTC),
        decided_at=datetime(2026, 1, 31, 22, 30, tzinfo=UTC),
        due=date(2026, 1, 31),
    )
    # The first Helsinki hour of the period (21:30 UTC on 30 Apr 2025) is in it; the last one before is not.
    decided(
        submitted=helsinki(2025, 4, 1),
        decided_at=datetime(2025, 4, 30, 21, 30, tzinfo=UTC),
        due=date(2025, 7, 1),
    )
    decided(
        submitted=helsinki(2025, 4, 1),
        decided_at=datetime(2025, 4, 30, 20, 30, tzinfo=UTC),
        due=date(2025, 7, 1),
    )
    period = decision_period(TODAY)
    summary = decision_summary(period)
    assert (summary.decided, summary.within_target) == (2, 1)
    months = {month.month: (month.within_target, month.after_target) for month in monthly_decisions(period)}
    assert months[date(2026, 2, 1)] == (0, 1)
    assert months[date(2026, 1, 1)] == (0, 0)
    assert months[date(2025, 5, 1)] == (1, 0)


def test_no_decisions_gives_no_median(db, frozen):
    summary = decision_summary(decision_period(TODAY))
    assert (summary.decided, summary.median_days, summary.within_target_percent) == (0, None, None)


# The chart and its table ----------------------------------------------------------------------------


def chart_decisions():
    """March 2026: 2 within, 1 after; October 2025: 1 after; May 2026 (current): 1 within."""
    for day in (5, 6):
        decided(submitted=helsinki(2026, 1, 1), decided_at=helsinki(2026, 3, day), due=date(2026, 4, 1))
    decided(submitted=helsinki(2025, 12, 1), decided_at=helsinki(2026, 3, 20), due=date(2026, 3, 1))
    decided(submitted=helsinki(2025, 6, 1), decided_at=helsinki(2025, 10, 1), due=date(2025, 9, 1))
    decided(submitted=helsinki(2026, 4, 1), decided_at=helsinki(2026, 5, 4), due=date(2026, 7, 1))


def table_rows(content: str) -> list[tuple[str, int, int, int]]:
    body = content.split("<tbody>")[1].split("</tbody>")[0]
    rows = re.findall(
        r'<th scope="row">([^<]+?)\s*(?:<span[^>]*>[^<]*</span>)?</th>\s*'
        r'<td class="numeric">(\d+)</td>\s*<td class="numeric">(\d+)</td>\s*<td class="numeric">(\d+)</td>',
        body,
    )
    return [(name.strip(), int(a), int(b), int(c)) for name, a, b, c in rows]


def bars(content: str) -> dict[str, dict[str, int]]:
    """month → {"within": n, "after": n, "total": n} as the SVG draws them."""
    found = {}
    for month, group in re.findall(r'<g class="overview-bar" data-month="([\d-]+)">(.*?)</g>', content, re.S):
        values = dict(re.findall(r'class="overview-bar-(within|after)" data-value="(\d+)"', group))
        total = re.search(r'overview-bar-total">(\d+)</text>', group).group(1)
        found[month] = {name: int(value) for name, value in values.items()} | {"total": int(total)}
    return found


def test_the_chart_draws_a_bar_for_each_month_with_decisions(client, officer, frozen):
    chart_decisions()
    client.force_login(officer)
    content = page(client.get(OVERVIEW))
    assert bars(content) == {
        "2025-10": {"after": 1, "total": 1},
        "2026-03": {"within": 2, "after": 1, "total": 3},
        "2026-05": {"within": 1, "total": 1},
    }
    # Accessible: named by its title, described, with a legend in words and a table after it.
    assert re.search(r'<svg[^>]*role="img"[^>]*aria-labelledby="overview-chart-title"', content)
    assert '<title id="overview-chart-title">' in content and '<desc id="overview-chart-desc">' in content
    assert content.index("</svg>") < content.index('<table class="overview-table">')
    assert "<caption>" in content and 'scope="col"' in content
    assert " style=" not in content  # the CSP allows no inline styles


def test_the_table_has_every_month_with_the_charts_numbers(client, officer, frozen):
    chart_decisions()
    client.force_login(officer)
    content = page(client.get(OVERVIEW))
    rows = table_rows(content)
    assert len(rows) == 13
    drawn = bars(content)
    for row, month in zip(rows, decision_period(TODAY).months, strict=True):
        bar = drawn.get(month.strftime("%Y-%m"), {})
        assert row[1:] == (bar.get("within", 0), bar.get("after", 0), bar.get("total", 0))
    assert sum(row[3] for row in rows) == 5


def test_bar_heights_follow_the_values(db, frozen):
    from permits.selectors.overview import chart

    months = monthly_decisions(decision_period(TODAY))
    months[0] = type(months[0])(months[0].month, 6, 2)
    drawn = chart(months)
    first = drawn.bars[0]
    assert float(first.within.height) == pytest.approx(3 * float(first.after.height))
    assert drawn.bars[1].within is None and drawn.bars[1].after is None
    assert [tick.value for tick in drawn.ticks] == [0, 2, 4, 6, 8]


@pytest.mark.parametrize(
    ("largest", "step"), [(0, 1), (4, 1), (5, 1), (6, 2), (10, 2), (11, 5), (30, 10), (260, 100)]
)
def test_axis_step_is_round(largest, step):
    assert axis_step(largest) == step


@pytest.mark.parametrize(
    ("language", "names"),
    [
        ("fi", ["toukokuu 2025", "maaliskuu 2026", "toukokuu 2026"]),
        ("sv", ["maj 2025", "mars 2026", "maj 2026"]),
    ],
)
def test_months_are_named_in_the_users_language(client, officer, frozen, language, names):
    officer.language = language
    officer.save(update_fields=["language"])
    chart_decisions()
    client.force_login(officer)
    content = page(client.get(OVERVIEW))
    assert f'<html lang="{language}">' in content
    rows = [row[0] for row in table_rows(content)]
    assert [rows[0], rows[10], rows[12]] == names
    short = {"fi": ["touko", "maalis"], "sv": ["maj", "mars"]}[language]
    for name in short:
        assert re.search(rf'class="overview-chart-text">{name}</text>', content)


def test_period_dataclass_months_cross_the_year():
    period = Period(first=date(2025, 1, 1), last=date(2026, 1, 1), today=date(2026, 1, 5))
    assert period.months[0] == date(2025, 1, 1) and period.months[-1] == date(2026, 1, 1)


# Queries ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("cases", [3, 30])
def test_query_count_does_not_grow_with_the_cases(
    client, officer, django_assert_max_num_queries, frozen, cases
):
    for n in range(cases):
        decided(
            submitted=helsinki(2025, 6 + n % 6, 1),
            decided_at=helsinki(2025, 9 + n % 4, 1 + n % 20),
            due=date(2025, 10, 1),
            state=[S.GRANTED, S.REJECTED][n % 2],
        )
        open_case(TODAY + timedelta(days=n - 10))
    client.force_login(officer)
    client.get(OVERVIEW)  # a signed-in officer's session already carries its idle-timeout stamp
    with django_assert_max_num_queries(10):
        response = client.get(OVERVIEW)
    assert response.status_code == 200
