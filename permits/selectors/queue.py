"""The officers' work queue: which cases need an officer, filtered, counted and paged (assigning them is
permits.services.assignment).

The page stays within a fixed number of queries whatever the number
of cases (docs/performance.md): the choices of its select boxes, the counts per state (one GROUP BY), and
the page of rows, fetched by keyset (decision target date, id) so that a deep page costs what the first
one does. One condition, `QueueFilters.as_q`, serves the page, the counts, the CSV and the overview.
"""

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import CharField, Count, F, IntegerField, Q, QuerySet, Value
from django.db.models.functions import Cast, Coalesce, NullIf
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from accounts.models import Organisation, User
from accounts.rules import officers
from accounts.validators import normalise_business_id
from applications.models import Application, Product
from permits.models import IN_PROCESSING, Permit
from permits.models import PermitState as S

# Cases that still need something from an officer, in the order of the state machine. The queue's partial
# index (permit_queue_idx) covers exactly these states.
QUEUE_STATES = [
    S.SUBMITTED,
    S.SUPPLEMENT_REQUESTED,
    S.NEGOTIATION,
    S.TECHNICAL_REVIEW,
    S.GRANTED,
    S.TERMS_ACCEPTED,
    S.TESTING,
]


PAGE_SIZE = 50


REFERENCE = re.compile(r"[A-Z]+/\d{4}/\d{6,}")


DUE_SOON_DAYS = 14


class Assignee:
    ANYONE = ""
    ME = "me"
    UNASSIGNED = "unassigned"


@dataclass(frozen=True)
class QueueFilters:
    """What the officer asked for; empty values mean "no filter". Validated by the view's form.

    `as_q` is the one condition that the page, the counts per state, the CSV and the deadline overview use.
    """

    state: str = ""
    assignee: str = Assignee.ANYONE
    product: str = ""  # a product code
    filed_by_licensee: bool | None = None
    licensee: str = ""  # the uuid of an organisation that files for clients
    due_soon: bool = False
    overdue: bool = False
    search: str = ""

    def states(self, *, by_state: bool = True) -> list[str]:
        """The states asked for. Without a state filter, the cases that still need an officer
        (QUEUE_STATES); a closed state is shown only when asked for. Deadlines (due soon, overdue) concern
        cases still waiting for a decision."""
        if by_state and self.state:
            states = [self.state]
        elif self.state and self.state not in QUEUE_STATES:
            states = [*QUEUE_STATES, self.state]
        else:
            states = list(QUEUE_STATES)
        if self.due_soon or self.overdue:
            states = [state for state in states if state in IN_PROCESSING]
        return states

    def as_q(self, *, officer: User, today: date, by_state: bool = True) -> Q:
        """The matching cases as a condition on Permit; with `by_state=False` the state filter is left out
        (for the counts per state)."""
        states = self.states(by_state=by_state)
        if not states:  # a decided state that is overdue
            return Q(pk__in=[])
        # The queue's states as one condition, as the partial index names them, so that the planner uses it.
        q = Q(state__in=states)
        if self.assignee == Assignee.ME:
            q &= Q(assigned_to=officer)
        elif self.assignee == Assignee.UNASSIGNED:
            q &= Q(assigned_to__isnull=True)
        if self.product:
            q &= Q(application__product__code=self.product)
        if self.filed_by_licensee is not None:
            q &= Q(application__filed_by__isnull=not self.filed_by_licensee)
        if self.licensee:
            q &= Q(application__filed_by__uuid=self.licensee)
        soon = today + timedelta(days=DUE_SOON_DAYS)
        if self.due_soon and self.overdue:
            q &= Q(decision_due__lte=soon)
        elif self.due_soon:
            q &= Q(decision_due__range=(today, soon))
        elif self.overdue:
            q &= Q(decision_due__lt=today)
        if self.search:
            q &= search_q(self.search)
        return q


def search_q(text: str) -> Q:
    """A reference, a Business ID (with or without the hyphen) or part of an organisation's name; text with
    a digit is also looked for in the references. The ORM takes `%` and `_` literally."""
    upper = text.upper()
    if REFERENCE.fullmatch(upper):
        return Q(reference=upper)
    try:
        return Q(application__organisation__business_id=normalise_business_id(text))
    except ValidationError:
        pass  # not a Business ID
    by_name = Q(application__organisation__name__icontains=text)
    if not any(character.isdigit() for character in text):
        return by_name
    return by_name | Q(reference__contains=upper)


@dataclass(frozen=True)
class Choice:
    key: str
    label: str
    pk: int | None = None


@dataclass(frozen=True)
class QueueChoices:
    """The options of the queue's select boxes: products and the licensees that have filed for a client."""

    products: tuple[Choice, ...] = ()
    licensees: tuple[Choice, ...] = ()


def officer_choices() -> list[Choice]:
    """The officers as assignee options (for the assign form)."""
    rows = officers().values_list("pk", "uuid", "full_name", "email")
    return sorted(
        (Choice(key=str(uuid), label=name or email, pk=pk) for pk, uuid, name, email in rows),
        key=lambda choice: choice.label.casefold(),
    )


def queue_choices() -> QueueChoices:
    """Products and licensees (organisations that have filed for a client) in one query, a UNION of the
    two; products are named in the active language."""
    text: CharField = CharField()
    language = (get_language() or "fi")[:2]
    name = f"name_{language}" if language in ("fi", "sv", "en") else "name_fi"
    products = Product.objects.annotate(
        choice_kind=Value("product", output_field=text),
        choice_key=F("code"),
        choice_label=Coalesce(NullIf(name, Value("")), "name_fi", output_field=text),
        choice_rank=F("sort_order"),
    ).values_list("choice_kind", "choice_key", "choice_label", "choice_rank")
    filed_by = Application.objects.filter(filed_by__isnull=False).values("filed_by").distinct()
    licensees = (
        Organisation.objects.filter(pk__in=filed_by)
        .annotate(
            choice_kind=Value("licensee", output_field=text),
            choice_key=Cast("uuid", text),
            choice_label=F("name"),
            choice_rank=Value(0, output_field=IntegerField()),
        )
        .values_list("choice_kind", "choice_key", "choice_label", "choice_rank")
    )
    rows = sorted(
        products.order_by().union(licensees.order_by(), all=True),
        key=lambda row: (row[3], row[2].casefold(), row[1]),
    )
    return QueueChoices(
        products=tuple(Choice(key=key, label=label) for kind, key, label, _ in rows if kind == "product"),
        licensees=tuple(Choice(key=key, label=label) for kind, key, label, _ in rows if kind == "licensee"),
    )


def queue_cases(*, user: User, filters: QueueFilters, today: date, by_state: bool = True) -> QuerySet[Permit]:
    """The cases matching `filters` (the page, the CSV export and the deadline overview)."""
    return Permit.objects.filter(filters.as_q(officer=user, today=today, by_state=by_state))


def queue_counts(*, user: User, filters: QueueFilters, today: date) -> dict[str, int]:
    """How many cases match the filters in each state, ignoring the state filter itself: one GROUP BY over
    the queue's partial index."""
    counts: dict[str, int] = dict.fromkeys(QUEUE_STATES, 0)
    if filters.state:
        counts.setdefault(filters.state, 0)
    rows = queue_cases(user=user, filters=filters, today=today, by_state=False)
    counts.update(rows.order_by().values_list("state").annotate(n=Count("pk")))
    return counts


Cursor = tuple[date, int]


def format_cursor(row: dict[str, Any]) -> str:
    return f"{row['decision_due'].isoformat()}.{row['pk']}"


def parse_cursor(value: str) -> Cursor:
    """`YYYY-MM-DD.<id>` → (date, id); ValueError when it is anything else."""
    day, _, pk = value.partition(".")
    if not pk.isdigit() or int(pk) < 1:
        raise ValueError(value)
    return date.fromisoformat(day), int(pk)


@dataclass
class QueuePage:
    rows: list[dict[str, Any]]  # ROW_FIELDS
    has_next: bool
    has_previous: bool

    @property
    def next_cursor(self) -> str:
        return format_cursor(self.rows[-1]) if self.rows else ""

    @property
    def previous_cursor(self) -> str:
        return format_cursor(self.rows[0]) if self.rows else ""


# What a row shows, read as values: a page's 51 rows without five model instances each, and none of the
# application's long texts.
ROW_FIELDS = [
    "pk",
    "uuid",
    "reference",
    "state",
    "decision_due",
    "last_activity_at",
    "revision",
    "assigned_to_id",
    "assigned_to__full_name",
    "assigned_to__email",
    "application__organisation__name",
    "application__organisation__business_id",
    "application__product__name_fi",
    "application__product__name_sv",
    "application__product__name_en",
    "application__filed_by__name",
]


def queue_page(
    cases: QuerySet[Permit],
    *,
    after: Cursor | None = None,
    before: Cursor | None = None,
    size: int = 0,
) -> QueuePage:
    """One page in decision-target-date order, after or before a cursor (keyset paging: a deep page costs
    what the first one does), with one row more to tell whether there is a next (or previous) page."""
    size = size or PAGE_SIZE
    if before is not None:
        day, pk = before
        cases = cases.filter(decision_due__lte=day).exclude(decision_due=day, pk__gte=pk)
        rows = list(cases.order_by("-decision_due", "-pk").values(*ROW_FIELDS)[: size + 1])
        return QueuePage(rows=rows[:size][::-1], has_next=True, has_previous=len(rows) > size)
    if after is not None:
        day, pk = after
        cases = cases.filter(decision_due__gte=day).exclude(decision_due=day, pk__lte=pk)
    rows = list(cases.order_by("decision_due", "pk").values(*ROW_FIELDS)[: size + 1])
    return QueuePage(rows=rows[:size], has_next=len(rows) > size, has_previous=after is not None)


def days_left(state: str, decision_due: date, today: date) -> int | None:
    """Days until the decision target date (negative when overdue); None once a decision is made."""
    if state not in IN_PROCESSING:
        return None
    return (decision_due - today).days


def deadline_text(days: int | None) -> str:
    """The deadline in words, so that an overdue case is told apart by text and not by colour alone."""
    if days is None:
        return _("Decision made")
    if days < 0:
        return ngettext("Overdue by %(days)d day", "Overdue by %(days)d days", -days) % {"days": -days}
    if days == 0:
        return _("Due today")
    return ngettext("%(days)d day left", "%(days)d days left", days) % {"days": days}


def officer_label(user: User | None) -> str:
    if user is None:
        return ""
    return user.full_name or user.email


@dataclass(frozen=True)
class QueueRow:
    """A case as a row of the queue (the page and the CSV), from its ROW_FIELDS values."""

    values: dict[str, Any]
    today: date
    case_url: str = ""
    assign_url: str = ""

    @property
    def reference(self) -> str:
        return self.values["reference"]

    @property
    def state(self) -> str:
        return self.values["state"]

    @property
    def decision_due(self) -> date:
        return self.values["decision_due"]

    @property
    def last_activity_at(self) -> datetime:
        return self.values["last_activity_at"]

    @property
    def revision(self) -> int:
        return self.values["revision"]

    @property
    def assigned_to_id(self) -> int | None:
        return self.values["assigned_to_id"]

    @property
    def organisation(self) -> str:
        return self.values["application__organisation__name"]

    @property
    def business_id(self) -> str:
        return self.values["application__organisation__business_id"]

    @property
    def days_left(self) -> int | None:
        return days_left(self.values["state"], self.values["decision_due"], self.today)

    @property
    def overdue(self) -> bool:
        days = self.days_left
        return days is not None and days < 0

    @property
    def deadline(self) -> str:
        return deadline_text(self.days_left)

    @property
    def assignee(self) -> str:
        return self.values["assigned_to__full_name"] or self.values["assigned_to__email"] or ""

    @property
    def product(self) -> str:
        """The product's name in the active language (Finnish when it has none)."""
        language = (get_language() or "fi")[:2]
        name = self.values.get(f"application__product__name_{language}")
        return name or self.values["application__product__name_fi"] or ""

    @property
    def filed_by(self) -> str:
        return self.values["application__filed_by__name"] or ""


def queue_rows(rows: list[dict[str, Any]], *, today: date) -> list[QueueRow]:
    """The page's rows with their links. The links differ only by the case's UUID, so each is reversed once
    per page rather than once per row (reverse() was a twentieth of the page's time)."""
    placeholder = str(UUID(int=0))
    case_url = reverse("permits:officer_case", args=[placeholder])
    assign_url = reverse("permits:assign", args=[placeholder])
    return [
        QueueRow(
            values=row,
            today=today,
            case_url=case_url.replace(placeholder, str(row["uuid"])),
            assign_url=assign_url.replace(placeholder, str(row["uuid"])),
        )
        for row in rows
    ]


# A spreadsheet treats a cell that starts with one of these as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: object) -> object:
    """Neutralise a text cell that a spreadsheet would run as a formula by prefixing an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(cases: QuerySet[Permit], *, today: date) -> Iterator[str]:
    """The filtered list as CSV lines (semicolon-separated, as Excel in Finnish and Swedish expects).

    Starts with a byte-order mark so that Excel reads UTF-8; every text cell goes through `csv_safe`.
    """
    writer = csv.writer(_Echo(), delimiter=";")
    yield "\ufeff"
    yield writer.writerow(
        [
            _("Reference number"),
            _("Applicant"),
            _("Business ID"),
            _("Product"),
            _("State"),
            _("Assigned to"),
            _("Decision target date"),
            _("Days left"),
            _("Deadline"),
            _("Last activity"),
            _("Filed by framework licensee"),
        ]
    )
    states = dict(S.choices)
    for values in cases.order_by("decision_due", "pk").values(*ROW_FIELDS).iterator(chunk_size=2000):
        row = QueueRow(values=values, today=today)
        days = row.days_left
        cells: list[Any] = [
            row.reference,
            row.organisation,
            row.business_id,
            row.product,
            str(states[row.state]),
            row.assignee,
            row.decision_due.isoformat(),
            "" if days is None else days,
            row.deadline,
            timezone.localtime(row.last_activity_at).strftime("%Y-%m-%d %H:%M"),
            row.filed_by,
        ]
        yield writer.writerow([csv_safe(cell) for cell in cells])


def csv_filename(today: date) -> str:
    return f"work-queue-{today.isoformat()}.csv"
