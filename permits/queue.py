"""The officers' work queue: which cases need an officer, filtered, counted and paged; and assigning them.

Reads only, except `permit_assign`. The page stays within a fixed number of queries whatever the number
of cases (docs/performance.md): one for the choices of its select boxes together with the counts per
state, and one for the page of rows, fetched by keyset (decision target date, id) so that a deep page costs
what the first one does; the two are sent together (`queue_screen`).
"""

import csv
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import CharField, F, IntegerField, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Coalesce, NullIf
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from accounts.backends import may_process_permits
from accounts.models import Organisation, User
from accounts.services import PortalError
from accounts.validators import normalise_business_id
from applications.models import Application, Product
from permits.models import CLOSED, IN_PROCESSING, Permit, StateCount
from permits.models import PermitState as S
from permits.workflow import change_case, is_officer
from vtjportal.prepared import fetch, fetch_together

# Cases that still need something from an officer, in the order of the state machine.
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
    """What the officer asked for; empty values mean "no filter". Validated by the view's form."""

    state: str = ""
    assignee: str = Assignee.ANYONE
    product: str = ""  # a product code
    filed_by_licensee: bool | None = None
    licensee: str = ""  # the uuid of an organisation that files for clients
    due_soon: bool = False
    overdue: bool = False
    search: str = ""


@dataclass(frozen=True)
class Choice:
    pk: int
    key: str
    label: str


@dataclass(frozen=True)
class QueueChoices:
    """The options of the queue's select boxes: products and licensees. Never changed once made (the same
    rows give the same object, see _choices_from)."""

    products: tuple[Choice, ...] = ()
    licensees: tuple[Choice, ...] = ()

    @functools.cached_property
    def fingerprint(self) -> str:
        """Everything the choices say, as text (for keys of what is printed from them)."""
        return repr((self.products, self.licensees))

    def keys(self) -> tuple[set[str], set[str]]:
        """The valid keys of the product and licensee select boxes."""
        return {c.key for c in self.products}, {c.key for c in self.licensees}

    @functools.cached_property
    def names(self) -> tuple[dict[int, str], dict[int, str]]:
        """pk → label for products and for licensees."""
        return {c.pk: c.label for c in self.products}, {c.pk: c.label for c in self.licensees}


def officers() -> QuerySet[User]:
    """Users who may process cases: active staff with `permits.process_permit` (as `is_officer` decides),
    through a group, directly, or as a superuser."""
    return User.objects.filter(may_process_permits())


def officer_choices() -> list[Choice]:
    """The officers as assignee options (for the assign form outside the queue, e.g. the case page)."""
    rows = officers().values_list("pk", "uuid", "full_name", "email")
    return sorted(
        (Choice(pk=pk, key=str(uuid), label=name or email) for pk, uuid, name, email in rows),
        key=lambda choice: choice.label.casefold(),
    )


def licensee_ids() -> RawSQL:
    """The distinct `filed_by` organisations, read by a loose index scan.

    A plain DISTINCT reads the index entry of every application a licensee ever filed (20,000 of them
    in the benchmark); this recursive query jumps from one licensee to the next, one index probe each
    (https://wiki.postgresql.org/wiki/Loose_indexscan).
    """
    table = connection.ops.quote_name(Application._meta.db_table)
    column = connection.ops.quote_name(Application._meta.get_field("filed_by").column)
    return RawSQL(
        f"""
        WITH RECURSIVE licensee (id) AS (
            (SELECT {column} FROM {table} WHERE {column} IS NOT NULL ORDER BY {column} LIMIT 1)
            UNION ALL
            SELECT (SELECT {column} FROM {table} WHERE {column} > licensee.id ORDER BY {column} LIMIT 1)
            FROM licensee
            WHERE licensee.id IS NOT NULL
        )
        SELECT id FROM licensee WHERE id IS NOT NULL
        """,
        [],
    )


@functools.cache
def _choices_query(language: str) -> tuple[str, tuple]:
    """The SQL of `queue_choices` in `language`, without parameters. It never changes, and compiling it
    through the ORM costs more than running it, so it is compiled once per language and process.

    Its constants (the kinds, the ranks) are written in as literals: a prepared statement without parameters
    always runs its one generic plan. With them as parameters PostgreSQL compares the generic plan with the
    custom plans it has made so far, and after the tables had grown a hundredfold it went on planning the
    statement afresh on every run, the old small tables' plans having set the bar.
    """
    text = CharField()
    product_rows = Product.objects.annotate(
        choice_kind=Value("product", output_field=text),
        choice_key=F("code"),
        choice_label=Coalesce(NullIf(f"name_{language}", Value("")), "name_fi", output_field=text),
        choice_rank=F("sort_order"),
    ).values_list("choice_kind", "pk", "choice_key", "choice_label", "choice_rank")
    licensee_rows = (
        Organisation.objects.filter(pk__in=licensee_ids())
        .annotate(
            choice_kind=Value("licensee", output_field=text),
            choice_key=Cast("uuid", text),
            choice_label=F("name"),
            choice_rank=Value(0, output_field=IntegerField()),
        )
        .values_list("choice_kind", "pk", "choice_key", "choice_label", "choice_rank")
    )
    union = product_rows.order_by().union(licensee_rows.order_by(), all=True)
    sql = connection.ops.compose_sql(*union.query.sql_with_params())
    return sql.replace("%", "%%"), ()


def _language() -> str:
    language = (get_language() or "fi")[:2]
    return language if language in ("fi", "sv", "en") else "fi"


def _choices_from(rows: list[tuple]) -> QueueChoices:
    return _choices_of(tuple(rows))


@functools.lru_cache(maxsize=16)
def _choices_of(rows: tuple[tuple, ...]) -> QueueChoices:
    """The choices from their rows, made once for the same rows (they seldom change)."""
    lists: dict[str, list[Choice]] = {"product": [], "licensee": []}
    for kind, pk, key, label, _rank in sorted(rows, key=lambda row: (row[4], row[3].casefold(), row[2])):
        lists[kind].append(Choice(pk=pk, key=key, label=label))
    return QueueChoices(products=tuple(lists["product"]), licensees=tuple(lists["licensee"]))


def queue_choices() -> QueueChoices:
    """Products and licensees (organisations that have filed for a client) in one query.

    Each row is (kind, pk, key for the URL, label, sort rank); product names are in the active language.
    """
    sql, params = _choices_query(_language())
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return _choices_from(cursor.fetchall())


# -- the cases: one SQL condition --------------------------------------------------------------------

# The work queue runs on every officer's page load, so its statements are written out as SQL and
# prepared (vtjportal/prepared.py): one condition, built from the filters, serves the page of rows, the
# counts per state and `queue_cases`. It names only the case table ("permits_permit", unaliased);
# conditions on the application or the organisation are subqueries.
CASES = '"permits_permit"'
KEPT = StateCount._meta.db_table  # the counts per state the database keeps (permits.counts)


def _states(filters: QueueFilters, *, by_state: bool) -> list[str]:
    """The states the filters ask for. Without a state filter, the queue holds the cases that still need
    an officer (QUEUE_STATES); a closed state is shown only when asked for. Deadlines (due soon, overdue)
    concern cases still waiting for a decision."""
    if by_state and filters.state:
        states = [filters.state]
    elif filters.state and filters.state not in QUEUE_STATES:
        states = [*QUEUE_STATES, filters.state]
    else:
        states = list(QUEUE_STATES)
    if filters.due_soon or filters.overdue:
        states = [state for state in states if state in IN_PROCESSING]
    return states


def _state_list(states: list[str]) -> str:
    """The states written into the SQL, not passed as parameters: a prepared statement's generic plan can
    use the queue's partial index only when it sees which states it asks for. They are the model's own
    state names (checked), never text from the request."""
    if not set(states) <= set(S.values):
        raise ValueError(states)
    return ", ".join(f"'{state}'" for state in states)


def _state_condition(states: list[str]) -> str:
    # One condition on the state, not several that overlap: the planner multiplies their selectivities
    # and, underestimating the rows, picks a plan that sorts them all instead of reading them in order.
    listed = _state_list(states)
    return f'{CASES}."state" = {listed}' if len(states) == 1 else f'{CASES}."state" IN ({listed})'


def _date(day: date) -> str:
    """A date as an SQL literal (from a date object, never from the request's text)."""
    return f"DATE '{day.isoformat()}'"


def _like(text: str) -> str:
    """`text` as a LIKE pattern that matches it anywhere, its wildcards taken literally."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _search(text: str) -> tuple[str, list]:
    """A reference, a Business ID (with or without the hyphen) or part of an organisation's name.

    A whole reference or Business ID is an index lookup. Otherwise the text is looked for anywhere in the
    organisation names (which reads that table) and, when it has a digit, anywhere in the references
    (upper case); the two sets of cases are united rather than OR-ed across a join.
    """
    upper = text.upper()
    if REFERENCE.fullmatch(upper):
        return f'{CASES}."reference" = %s', [upper]
    by_organisation = (
        f'{CASES}."application_id" IN (SELECT "a"."id" FROM "applications_application" "a" '
        'JOIN "accounts_organisation" "o" ON "o"."id" = "a"."organisation_id" WHERE {})'
    )
    try:
        return by_organisation.format('"o"."business_id" = %s'), [normalise_business_id(text)]
    except ValidationError:
        pass  # not a Business ID
    by_name = by_organisation.format('"o"."name" ILIKE %s')
    if not any(character.isdigit() for character in text):
        return by_name, [_like(text)]
    by_reference = f'{CASES}."id" IN (SELECT "id" FROM "permits_permit" WHERE "reference" LIKE %s)'
    return f"({by_name} OR {by_reference})", [_like(text), _like(upper)]


def queue_condition(
    *, me: int, filters: QueueFilters, today: date, by_state: bool = True
) -> tuple[str, list]:
    """The cases matching `filters` as an SQL condition and its parameters; `me` is the key of the officer
    asking (for "assigned to me"). With `by_state=False` the state filter is left out (for the counts)."""
    states = _states(filters, by_state=by_state)
    if not states:  # a decided state that is overdue
        return "FALSE", []
    where, params = [_state_condition(states)], []
    if filters.assignee == Assignee.ME:
        where.append(f'{CASES}."assigned_to_id" = %s')
        params.append(me)
    elif filters.assignee == Assignee.UNASSIGNED:
        where.append(f'{CASES}."assigned_to_id" IS NULL')
    # By key, looked up in a subquery: the choices these keys come from may not have been read yet.
    of_application = []
    if filters.product:
        of_application.append('"product_id" = (SELECT "id" FROM "applications_product" WHERE "code" = %s)')
        params.append(filters.product)
    if filters.filed_by_licensee is not None:
        of_application.append(f'"filed_by_id" IS {"NOT " if filters.filed_by_licensee else ""}NULL')
    if filters.licensee:
        of_application.append('"filed_by_id" = (SELECT "id" FROM "accounts_organisation" WHERE "uuid" = %s)')
        params.append(UUID(filters.licensee))
    if of_application:
        where.append(
            f'{CASES}."application_id" IN (SELECT "id" FROM "applications_application" '
            f"WHERE {' AND '.join(of_application)})"
        )
    # Dates are written in as well, so that the plan knows how many cases they leave (a new statement a day).
    soon = _date(today + timedelta(days=DUE_SOON_DAYS))
    if filters.due_soon and filters.overdue:
        where.append(f'{CASES}."decision_due" <= {soon}')
    elif filters.due_soon:
        where.append(f'{CASES}."decision_due" BETWEEN {_date(today)} AND {soon}')
    elif filters.overdue:
        where.append(f'{CASES}."decision_due" < {_date(today)}')
    if filters.search:
        condition, values = _search(filters.search)
        where.append(condition)
        params.extend(values)
    return " AND ".join(where), params


def queue_cases(*, user: User, filters: QueueFilters, today: date, by_state: bool = True) -> QuerySet[Permit]:
    """The cases matching `filters` as a queryset (for the CSV export and the deadline overview)."""
    condition, params = queue_condition(me=user.pk, filters=filters, today=today, by_state=by_state)
    return Permit.objects.filter(pk__in=RawSQL(f'SELECT {CASES}."id" FROM {CASES} WHERE {condition}', params))


def _counts_sql(*, me: int, filters: QueueFilters, today: date) -> tuple[str, list]:
    """Rows ("count", n, state, "", 0): the number of matching cases per state, ignoring the state filter.

    Shaped like the choice rows so that the page can read both in one query. Exact counts of the open
    cases only (and of a closed state when one is chosen). With no filter but the state, they are the
    database's own (permits.counts); otherwise the matching cases are counted, reading the queue's index,
    so that the cost grows with the number of open cases that match, not with the whole table.
    """
    if filters == QueueFilters(state=filters.state):  # a state without cases has no row
        return (
            f'SELECT \'count\' AS "choice_kind", sum("n")::bigint, "state"::text, \'\'::text, 0 FROM "{KEPT}" '
            f'WHERE "state" IN ({_state_list(_states(filters, by_state=False))}) GROUP BY "state" '
            'HAVING sum("n") <> 0'
        ), []
    condition, params = queue_condition(me=me, filters=filters, today=today, by_state=False)
    return (
        f'SELECT \'count\' AS "choice_kind", COUNT(*) AS "n", {CASES}."state"::text, \'\'::text, 0 '
        f'FROM {CASES} WHERE {condition} GROUP BY {CASES}."state"'
    ), params


def _count_dict(filters: QueueFilters, rows: list[tuple]) -> dict[str, int]:
    counts = dict.fromkeys(QUEUE_STATES, 0)
    if filters.state:
        counts.setdefault(filters.state, 0)
    counts.update({state: n for _kind, n, state, _label, _rank in rows})
    return counts


def state_counts(*, user: User, filters: QueueFilters, today: date) -> dict[str, int]:
    """How many cases match the filters in each state, ignoring the state filter itself."""
    return _count_dict(filters, fetch(*_counts_sql(me=user.pk, filters=filters, today=today)))


def _overview_sql(*, me: int, filters: QueueFilters, today: date, language: str) -> tuple[str, tuple]:
    """The select boxes' choices and the counts per state in one statement (a UNION of the two)."""
    sql, params = _choices_query(language)
    counts_sql, counts_params = _counts_sql(me=me, filters=filters, today=today)
    return f"{sql} UNION ALL ({counts_sql})", (*params, *counts_params)


def _overview_from(filters: QueueFilters, rows: list[tuple]) -> tuple[QueueChoices, dict[str, int]]:
    choices = _choices_from([row for row in rows if row[0] != "count"])
    return choices, _count_dict(filters, [row for row in rows if row[0] == "count"])


# -- paging ------------------------------------------------------------------------------------------


Cursor = tuple[date, int]


def format_cursor(row: tuple) -> str:
    return f"{row[COLUMN['decision_due']].isoformat()}.{row[COLUMN['pk']]}"


def parse_cursor(value: str) -> Cursor:
    """`YYYY-MM-DD.<id>` → (date, id); ValueError when it is anything else."""
    day, _, pk = value.partition(".")
    if not pk.isdigit() or int(pk) < 1:
        raise ValueError(value)
    return date.fromisoformat(day), int(pk)


@dataclass
class QueuePage:
    rows: list[tuple]  # the columns of ROW_FIELDS
    has_next: bool
    has_previous: bool

    @property
    def next_cursor(self) -> str:
        return format_cursor(self.rows[-1]) if self.rows else ""

    @property
    def previous_cursor(self) -> str:
        return format_cursor(self.rows[0]) if self.rows else ""


# What a row shows, as plain values. Products and licensees are named from the QueueChoices the page
# has already loaded; the assignee is joined, as they may have stopped being an officer since.
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
    "application__product_id",
    "application__filed_by_id",
]
COLUMN = {name: index for index, name in enumerate(ROW_FIELDS)}


# The columns of ROW_FIELDS, in order.
ROW_COLUMNS = (
    f'{CASES}."id", {CASES}."uuid", {CASES}."reference", {CASES}."state", {CASES}."decision_due", '
    f'{CASES}."last_activity_at", {CASES}."revision", {CASES}."assigned_to_id", "u"."full_name", "u"."email", '
    '"o"."name", "o"."business_id", "a"."product_id", "a"."filed_by_id"'
)
ROWS_FROM = (
    f'{CASES} JOIN "applications_application" "a" ON "a"."id" = {CASES}."application_id" '
    'JOIN "accounts_organisation" "o" ON "o"."id" = "a"."organisation_id" '
    f'LEFT JOIN "accounts_user" "u" ON "u"."id" = {CASES}."assigned_to_id"'
)
KEY = f'({CASES}."decision_due", {CASES}."id")'


def _page_sql(
    *, me: int, filters: QueueFilters, today: date, after: Cursor | None, before: Cursor | None, size: int
) -> tuple[str, tuple]:
    """One page in decision-target-date order, after or before a cursor (keyset paging), and one row more
    to tell whether there is a next (or previous) page."""
    condition, params = queue_condition(me=me, filters=filters, today=today)
    order = "ASC"
    if before is not None:
        condition, params, order = f"{condition} AND {KEY} < (%s, %s)", [*params, *before], "DESC"
    elif after is not None:
        condition, params = f"{condition} AND {KEY} > (%s, %s)", [*params, *after]
    sql = (
        f"SELECT {ROW_COLUMNS} FROM {ROWS_FROM} WHERE {condition} "
        # The limit is written in, too: with it as a parameter, the generic plan would not know it is small.
        f'ORDER BY {CASES}."decision_due" {order}, {CASES}."id" {order} LIMIT {int(size) + 1}'
    )
    return sql, tuple(params)


def _page_from(rows: list[tuple], *, after: Cursor | None, before: Cursor | None, size: int) -> QueuePage:
    if before is not None:
        return QueuePage(rows=rows[:size][::-1], has_next=True, has_previous=len(rows) > size)
    return QueuePage(rows=rows[:size], has_next=len(rows) > size, has_previous=after is not None)


@dataclass
class QueueScreen:
    """What the queue page shows: the select boxes' choices, the counts per state and a page of rows."""

    choices: QueueChoices
    counts: dict[str, int]
    page: QueuePage


@functools.lru_cache(maxsize=256)
def _screen_sql(
    me: int, filters: QueueFilters, today: date, after: Cursor | None, before: Cursor | None, language: str
) -> tuple[tuple[str, tuple], tuple[str, tuple]]:
    """The two statements of `queue_screen`, written once for the same filters, day and officer."""
    return (
        _overview_sql(me=me, filters=filters, today=today, language=language),
        _page_sql(me=me, filters=filters, today=today, after=after, before=before, size=PAGE_SIZE),
    )


def forget_statements() -> None:
    """Forget the statements and choices remembered in this process (see queue_views.forget_remembered)."""
    _screen_sql.cache_clear()
    _choices_of.cache_clear()


def queue_screen(
    *,
    user: User,
    filters: QueueFilters,
    today: date,
    after: Cursor | None = None,
    before: Cursor | None = None,
) -> QueueScreen:
    """The choices, the counts and the page in one round trip: the two statements are pipelined.

    The page's product and licensee keys are looked up by the statement itself, so it can be sent before
    the choices confirm them; the view refuses a key that is not among the choices (a 400) and shows
    nothing of the page then.
    """
    overview_rows, page_rows = fetch_together(
        *_screen_sql(user.pk, filters, today, after, before, _language())
    )
    choices, counts = _overview_from(filters, overview_rows)
    return QueueScreen(
        choices=choices,
        counts=counts,
        page=_page_from(page_rows, after=after, before=before, size=PAGE_SIZE),
    )


# -- what a row says ---------------------------------------------------------------------------------


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


def assignee_label(row: dict) -> str:
    return row["assigned_to__full_name"] or row["assigned_to__email"] or ""


# -- CSV ---------------------------------------------------------------------------------------------

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


def csv_lines(cases: QuerySet[Permit], *, choices: QueueChoices, today: date) -> Iterator[str]:
    """The filtered list as CSV lines (semicolon-separated, as Excel in Finnish and Swedish expects).

    Starts with a byte-order mark so that Excel reads UTF-8; every text cell goes through `csv_safe`.
    """
    writer = csv.writer(_Echo(), delimiter=";")
    products, licensees = choices.names
    states = dict(S.choices)
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
    rows = cases.values(*ROW_FIELDS).order_by("decision_due", "pk").iterator(chunk_size=2000)
    for row in rows:
        days = days_left(row["state"], row["decision_due"], today)
        cells: list[Any] = [
            row["reference"],
            row["application__organisation__name"],
            row["application__organisation__business_id"],
            products.get(row["application__product_id"], ""),
            str(states[row["state"]]),
            assignee_label(row),
            row["decision_due"].isoformat(),
            "" if days is None else days,
            deadline_text(days),
            timezone.localtime(row["last_activity_at"]).strftime("%Y-%m-%d %H:%M"),
            licensees.get(row["application__filed_by_id"], ""),
        ]
        yield writer.writerow([csv_safe(cell) for cell in cells])


def csv_filename(today: date) -> str:
    return f"work-queue-{today.isoformat()}.csv"


# -- assigning ---------------------------------------------------------------------------------------


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

    previous = permit.assigned_to.uuid if permit.assigned_to_id else None
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
