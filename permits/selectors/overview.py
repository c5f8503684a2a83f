"""The officers' deadline overview: open cases near or past their decision target date, and how the
decisions of the last 13 months kept to their targets.

Reads only, and set-based: PostgreSQL counts and takes the median, so the page costs three aggregate
queries whatever the number of cases. Every date is a Helsinki calendar date (permits.deadlines).

The period of the decision figures is the current calendar month so far and the 12 full calendar months
before it (on 10 May 2026: 1 May 2025 – today), so that every bar of the chart is a whole month except
the last one.
"""

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from django.db.models import Aggregate, Count, F, FloatField, Func, IntegerField, Q, QuerySet
from django.db.models.functions import TruncDate, TruncMonth
from django.utils.formats import date_format

from accounts.models import User
from permits.deadlines import HELSINKI
from permits.models import Permit
from permits.selectors.queue import DUE_SOON_DAYS, QueueFilters, queue_cases

# Full calendar months before the current one.
FULL_MONTHS = 12


@dataclass(frozen=True)
class DeadlineCounts:
    due_soon: int  # target date from today to today + DUE_SOON_DAYS
    overdue: int  # target date before today


def deadline_counts(*, user: User, today: date) -> DeadlineCounts:
    """How many open cases are due within DUE_SOON_DAYS days, and how many are overdue, in one query.

    The cases are the work queue's own (`queue_cases` with its deadline filters), so each number is what
    the queue shows behind its link: cases still waiting for a decision; a granted case has no deadline.
    """
    cases = queue_cases(user=user, filters=QueueFilters(due_soon=True, overdue=True), today=today)
    counts = cases.order_by().aggregate(
        due_soon=Count("pk", filter=Q(decision_due__gte=today)),
        overdue=Count("pk", filter=Q(decision_due__lt=today)),
    )
    return DeadlineCounts(due_soon=counts["due_soon"], overdue=counts["overdue"])


@dataclass(frozen=True)
class Period:
    """The months of the decision figures: `first` to `last` (first days of the months), both included."""

    first: date
    last: date
    today: date

    @property
    def months(self) -> list[date]:
        return [self.first + relativedelta(months=n) for n in range(FULL_MONTHS + 1)]

    @property
    def start(self) -> datetime:
        """Midnight in Helsinki at the start of the first month."""
        return datetime.combine(self.first, time.min, tzinfo=HELSINKI)

    @property
    def end(self) -> datetime:
        """Midnight in Helsinki at the start of the month after the current one (excluded)."""
        return datetime.combine(self.last + relativedelta(months=1), time.min, tzinfo=HELSINKI)


def decision_period(today: date) -> Period:
    """The current month and the FULL_MONTHS full calendar months before it."""
    last = today.replace(day=1)
    return Period(first=last - relativedelta(months=FULL_MONTHS), last=last, today=today)


class Median(Aggregate):
    """PostgreSQL's percentile_cont(0.5): the median, halfway between the two middle values if even."""

    function = "percentile_cont"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


class DaysBetween(Func):
    """`later - earlier` for two dates: a whole number of days (PostgreSQL's date subtraction)."""

    template = "(%(expressions)s)"
    arg_joiner = " - "
    output_field = IntegerField()


def decided_in(period: Period) -> QuerySet[Permit]:
    """Cases decided (granted or rejected: `decided_at` set) within the period, with their Helsinki dates:
    `decided_on`, `processing_days` (decided_on minus the submission's date) and `within_target`."""
    return (
        Permit.objects.filter(decided_at__gte=period.start, decided_at__lt=period.end)
        .order_by()
        .annotate(
            decided_on=TruncDate("decided_at", tzinfo=HELSINKI),
            processing_days=DaysBetween("decided_on", TruncDate("submitted_at", tzinfo=HELSINKI)),
        )
    )


WITHIN_TARGET = Q(decided_on__lte=F("decision_due"))


@dataclass(frozen=True)
class DecisionSummary:
    decided: int
    within_target: int
    median_days: float | None  # None without decisions

    @property
    def after_target(self) -> int:
        return self.decided - self.within_target

    @property
    def within_target_percent(self) -> float | None:
        return 100 * self.within_target / self.decided if self.decided else None


def decision_summary(period: Period) -> DecisionSummary:
    """The number of decisions in the period, how many were made by their target date, and the median
    processing time in days, in one query."""
    figures = decided_in(period).aggregate(
        decided=Count("pk"),
        within_target=Count("pk", filter=WITHIN_TARGET),
        median_days=Median("processing_days"),
    )
    return DecisionSummary(**figures)


@dataclass(frozen=True)
class MonthDecisions:
    month: date  # the first day
    within_target: int
    after_target: int

    @property
    def total(self) -> int:
        return self.within_target + self.after_target

    @property
    def name(self) -> str:
        """The month and year in the active language ("toukokuu 2025")."""
        return date_format(self.month, "YEAR_MONTH_FORMAT")

    @property
    def short_name(self) -> str:
        """The month abbreviated in the active language ("touko", "maj")."""
        return date_format(self.month, "N")


def monthly_decisions(period: Period) -> list[MonthDecisions]:
    """Decisions within and after their target date per month of the period (months without any
    decisions included, with zeros), in one query."""
    rows = (
        decided_in(period)
        .annotate(month=TruncMonth("decided_at", tzinfo=HELSINKI))
        .values("month")
        .annotate(within=Count("pk", filter=WITHIN_TARGET), after=Count("pk", filter=~WITHIN_TARGET))
    )
    counts = {row["month"].astimezone(HELSINKI).date(): (row["within"], row["after"]) for row in rows}
    return [MonthDecisions(month, *counts.get(month, (0, 0))) for month in period.months]


# The SVG's coordinate system (its viewBox); CSS scales it to the page's width.
WIDTH, HEIGHT = 720, 300


LEFT, RIGHT, TOP, BOTTOM = 56, 12, 24, 64


PLOT_HEIGHT = HEIGHT - TOP - BOTTOM


BAR_SHARE = 0.6  # of each month's slot


@dataclass(frozen=True)
class Segment:
    y: str
    height: str
    value: int


@dataclass(frozen=True)
class Bar:
    """One month's stacked bar; coordinates as strings, printed as they are (never localised)."""

    month: MonthDecisions
    x: str
    width: str
    centre: str
    within: Segment | None  # None when zero: nothing is drawn
    after: Segment | None
    total_y: str  # baseline of the total written above the bar


@dataclass(frozen=True)
class Tick:
    value: int
    y: str


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    ticks: list[Tick]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right_edge: int = WIDTH - RIGHT
    baseline: int = HEIGHT - BOTTOM
    top: int = TOP


def _number(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def axis_step(largest: int, *, most_ticks: int = 5) -> int:
    """A round step (1, 2 or 5 times a power of ten) that covers `largest` in at most `most_ticks` steps."""
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            step = factor * magnitude
            if step * most_ticks >= largest:
                return step
        magnitude *= 10


def chart(months: list[MonthDecisions]) -> Chart:
    """The stacked bars (within target below, after target above) and the y axis's ticks."""
    step = axis_step(max((month.total for month in months), default=0))
    top = max(step * math.ceil(max((m.total for m in months), default=0) / step), step * 4)

    def y(value: int) -> float:
        return HEIGHT - BOTTOM - PLOT_HEIGHT * value / top

    slot = (WIDTH - LEFT - RIGHT) / len(months)
    bars = []
    for n, month in enumerate(months):
        x = LEFT + slot * n + slot * (1 - BAR_SHARE) / 2

        def segment(bottom: int, value: int) -> Segment | None:
            if not value:
                return None
            return Segment(
                y=_number(y(bottom + value)), height=_number(y(bottom) - y(bottom + value)), value=value
            )

        bars.append(
            Bar(
                month=month,
                x=_number(x),
                width=_number(slot * BAR_SHARE),
                centre=_number(LEFT + slot * (n + 0.5)),
                within=segment(0, month.within_target),
                after=segment(month.within_target, month.after_target),
                total_y=_number(y(month.total) - 4),
            )
        )
    ticks = [Tick(value=value, y=_number(y(value))) for value in range(0, top + 1, step)]
    return Chart(bars=bars, ticks=ticks)


@dataclass(frozen=True)
class Overview:
    today: date
    due_soon_until: date
    counts: DeadlineCounts
    period: Period
    summary: DecisionSummary
    months: list[MonthDecisions]
    chart: Chart


def deadline_overview(*, user: User, today: date) -> Overview:
    """Everything the overview page shows, in three queries."""
    period = decision_period(today)
    months = monthly_decisions(period)
    return Overview(
        today=today,
        due_soon_until=today + timedelta(days=DUE_SOON_DAYS),
        counts=deadline_counts(user=user, today=today),
        period=period,
        summary=decision_summary(period),
        months=months,
        chart=chart(months),
    )
