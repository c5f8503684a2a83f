"""Benchmark the pages officers and applicants work on, the deadline sweep and the decision PDF, in one run.

    manage.py bench --sizes 1000 100000 --repeat 25 --output docs/performance.md

Works on the CURRENT database (`make bench` points it at a separate one, see scripts/bench.py). For each
size it tops the bench cases up with `seed_bench` (and the subject cases, see _bench_subjects.py), then:

- requests every page through Django's test Client as a signed-in persona (each with an authenticator, so
  that the two-factor middleware lets them in), interleaving the pages so that a busy machine slows them
  alike, beside the floor (a signed-in page that reads no case data) and the stock admin changelist; it
  reports the median server time, the fastest request and the 90th percentile, and the SQL queries of one
  request;
- runs the deadline sweep (the task `permits.sweep_deadlines`) over all the cases with about
  `--sweep-reminders` outbox rows due, then again with nothing new due, inside a transaction that it rolls
  back, so that every run finds the same reminders due and no send is ever queued;

and after the last size renders the decision PDF `--pdf-renders` times. Each table goes between its markers
in the output file: `queue`, `pages`, `sweep` and `pdf` (with `--block NAME`: NAME, NAME-pages, …).

Portal code is reached by URL names, models and the task's name; the few helpers that are being moved
between modules are looked up where they are now (`portal_attr`).
"""

import os
import platform
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import Any

import django
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from permits.management.commands._bench_background import Pdf, Sweep, measure_pdf, measure_sweep
from permits.management.commands._bench_subjects import (
    SMALL_EVENTS,
    Subjects,
    bench_user,
    portal_attr,
    seed_subjects,
)
from permits.management.commands.seed_bench import DOMAIN, bench_permits
from permits.models import Permit

KINDS = ("queue", "pages", "sweep", "pdf")
WIZARD_SECTIONS = ["purpose", "data-groups", "data-use", "security", "technical", "contacts", "attachments"]
QUEUE_TARGET_MS, PAGE_TARGET_MS, MAX_QUERIES = 20.0, 25.0, 10
SWEEP_STATEMENTS_TARGET_S, REMINDERS_PER_S_TARGET, PDF_TARGET_MS = 2.0, 300, 1500.0


def markers(block: str) -> tuple[str, str]:
    return (
        f"<!-- bench:{block}:start (written by `manage.py bench`; do not edit by hand) -->",
        f"<!-- bench:{block}:end -->",
    )


START, END = markers("queue")


def block_names(block: str) -> dict[str, str]:
    """The marked block of each table: queue, pages, sweep, pdf; or NAME, NAME-pages, … for another NAME."""
    if block == "queue":
        return {kind: kind for kind in KINDS}
    return {kind: block if kind == "queue" else f"{block}-{kind}" for kind in KINDS}


@dataclass
class Page:
    name: str
    who: str  # the persona: officer, admin, signatory, licensee
    url: Callable[[], str]
    floor: str = "Floor"  # the floor it is compared with (the same persona's)
    target: float | None = None  # median in ms at the largest size
    before: Callable[[], None] = lambda: None  # run before each request, outside the timing
    times: list[float] = field(default_factory=list)
    queries: int = 0
    size: int = 0
    repeated: list[tuple[int, str]] = field(default_factory=list)  # (times, SQL) run more than once


@dataclass
class Run:
    size: int
    seeded: float
    pages: list[Page]
    sweep: Sweep


def machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as info:
            names = re.findall(r"^model name\s*:\s*(.+)$", info.read(), re.MULTILINE)
        cpu = names[0] if names else cpu
    except OSError:
        pass
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    return {
        "Date": timezone.localtime().strftime("%Y-%m-%d %H:%M %Z"),
        "CPU": f"{cpu}, {os.cpu_count()} cores",
        "PostgreSQL": postgres,
        "Python / Django": f"{platform.python_version()} / {django.get_version()}",
    }


def load() -> str:
    try:
        return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    except OSError:
        return "n/a"


class Command(BaseCommand):
    help = (
        "Time the pages, the deadline sweep and the decision PDF at several sizes; write docs/performance.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100_000])
        parser.add_argument(
            "--repeat", type=int, default=25, help="Timed requests per page (median of these)."
        )
        parser.add_argument(
            "--reset", action="store_true", help="Delete the bench data before the first size."
        )
        parser.add_argument("--output", help="Markdown file to write the results into (between markers).")
        parser.add_argument(
            "--block",
            default="queue",
            help="Name of the queue's marked block (default queue); the others are NAME-pages, NAME-sweep, "
            "NAME-pdf (pages, sweep, pdf for the default).",
        )
        parser.add_argument(
            "--sweep-reminders",
            type=int,
            default=2000,
            help="About how many outbox rows the timed sweep writes (default 2000).",
        )
        parser.add_argument(
            "--pdf-renders", type=int, default=7, help="Timed decision PDF renders (default 7)."
        )
        parser.add_argument(
            "--warmups", type=int, default=3, help="Untimed requests per page before counting (default 3)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("The benchmark seeds synthetic cases; it never runs in production.")
        if settings.DEBUG:
            self.stderr.write(
                "DEBUG is on: every query is logged and the numbers are slower than in production."
            )
        sizes, repeat = sorted(options["sizes"]), options["repeat"]
        if repeat < 1 or not sizes or sizes[0] < 1 or options["pdf_renders"] < 1:
            raise CommandError("--sizes, --repeat and --pdf-renders must be positive.")
        self.warmups = max(1, options["warmups"])
        facts = machine()
        facts["Non-unique indexes on the case table"] = ", ".join(permit_indexes())
        cache = str(settings.CACHES["default"]["BACKEND"]).rsplit(".", 1)[-1]
        facts["Sessions"] = f"{settings.SESSION_ENGINE} (database), cache {cache}"
        facts["Load average at start"] = load()
        runs: list[Run] = []
        hosts = [*settings.ALLOWED_HOSTS, "testserver"]
        with override_settings(ALLOWED_HOSTS=hosts):
            for n, size in enumerate(sizes):
                started = time.monotonic()
                call_command(
                    "seed_bench",
                    applications=size,
                    reset=options["reset"] and n == 0,
                    subjects=True,
                    stdout=self.stdout,
                )
                seeded = time.monotonic() - started
                subjects = seed_subjects()
                self.stdout.write(f"Timing the pages at {size:,} cases.")
                pages = self.measure(repeat, subjects, warmups=self.warmups)
                self.stdout.write(f"Timing the deadline sweep at {size:,} cases.")
                sweep = measure_sweep(options["sweep_reminders"])
                runs.append(Run(size, seeded, pages, sweep))
            self.stdout.write("Rendering the decision PDF.")
            pdf = measure_pdf(subjects, options["pdf_renders"])
        facts["Load average at end"] = load()
        tables = {
            "queue": self.table(runs, facts, repeat),
            "pages": pages_table(runs, repeat),
            "sweep": sweep_table(runs, options["sweep_reminders"]),
            "pdf": pdf_table(pdf, runs[-1]),
        }
        for table in tables.values():
            self.stdout.write(f"\n{table}\n")
        self.stdout.write(where_it_goes(runs))
        if options["output"]:
            names = block_names(options["block"])
            for kind, table in tables.items():
                self.write(Path(options["output"]), table, names[kind])
            self.stdout.write(self.style.SUCCESS(f"Results written to {options['output']}."))

    # -- the pages ------------------------------------------------------------------------------------------

    def measure(self, repeat: int, subjects: Subjects, *, warmups: int = 3) -> list[Page]:
        officer = bench_user(f"bench-runner@{DOMAIN}", is_staff=True, groups=("officer",))
        admin = bench_user(f"bench-admin@{DOMAIN}", is_staff=True, is_superuser=True)
        users = {
            "officer": officer,
            "admin": admin,
            "signatory": subjects.signatory,
            "licensee": subjects.licensee_member,
        }
        clients = {}
        for who, user in users.items():
            clients[who] = Client()
            clients[who].force_login(user)
        today = timezone.localdate().isoformat()
        queue = reverse("permits:queue")
        changelist = reverse("admin:permits_permit_changelist")
        accessibility = reverse("accessibility")
        sections = portal_attr(
            "SECTION_SLUGS", "applications.catalogue", default=[*WIZARD_SECTIONS, "review"]
        )

        def url(name: str, *args: object) -> Callable[[], str]:
            address = reverse(name, args=args)
            return lambda: address

        pages = [
            # The floor: a signed-in page that reads no case data (sessions, user, two-factor check, layout).
            Page("Floor", "officer", lambda: accessibility),
            Page("Floor (applicant)", "signatory", lambda: accessibility),
            Page("Work queue, first page", "officer", lambda: queue, target=QUEUE_TARGET_MS),
            Page(
                "Work queue, filtered",
                "officer",
                lambda: f"{queue}?state=submitted&assignee=unassigned&overdue=1",
                target=QUEUE_TARGET_MS,
            ),
            Page("Admin changelist, first page", "admin", lambda: changelist),
            # The same filter through the admin's query parameters (local-field lookups are allowed).
            Page(
                "Admin changelist, filtered",
                "admin",
                lambda: (
                    f"{changelist}?state__exact=submitted&assigned_to__isnull=True&decision_due__lt={today}"
                ),
            ),
        ]
        for events, uuid in ((SMALL_EVENTS, subjects.small_case), (200, subjects.large_case)):
            pages.append(
                Page(
                    f"Officers' case page, {events} events",
                    "officer",
                    url("permits:officer_case", uuid),
                    target=PAGE_TARGET_MS,
                )
            )
        for events, uuid in ((SMALL_EVENTS, subjects.small_case), (200, subjects.large_case)):
            pages.append(
                Page(
                    f"Applicant's case page, {events} events",
                    "signatory",
                    url("permits:case", uuid),
                    floor="Floor (applicant)",
                    target=PAGE_TARGET_MS,
                )
            )

        def applicant(name: str, who: str, address: Callable[[], str]) -> Page:
            return Page(name, who, address, floor="Floor (applicant)", target=PAGE_TARGET_MS)

        pages.append(applicant("Applicant's dashboard", "signatory", url("permits:dashboard")))
        for section in sections:
            name = "Wizard: review page" if section == "review" else f"Wizard step: {section}"
            pages.append(applicant(name, "signatory", url("applications:step", subjects.draft, section)))
        pages.append(
            applicant(
                "Client's confirmation page", "signatory", url("applications:confirm", subjects.prepared)
            )
        )
        pages.append(applicant("Licensee dashboard", "licensee", url("permits:licensee_dashboard")))
        self.time(pages, clients, repeat, warmups=warmups)
        return pages

    def time(self, pages: list[Page], clients: dict[str, Client], repeat: int, *, warmups: int = 3) -> None:
        """Warm each page up, count its queries on one request, then time `repeat` rounds of them in turns."""
        for page in pages:
            client = clients[page.who]
            for _ in range(warmups):  # warm up: connection, template and translation caches
                page.before()
                response = client.get(page.url())
            if response.status_code != 200:
                raise CommandError(f"{page.name} answered {response.status_code}, not 200: {page.url()}")
            page.size = len(response.content)
            for _ in range(2):
                page.before()
                with CaptureQueriesContext(connection) as queries:
                    client.get(page.url())
                # The staff idle-timeout stamp saves the session once a minute: count a request without it.
                if not any(session_saved(query["sql"]) for query in queries.captured_queries):
                    break
            page.queries = len(queries.captured_queries)
            shapes = Counter(shape(query["sql"]) for query in queries.captured_queries)
            page.repeated = sorted(((n, sql) for sql, n in shapes.items() if n > 1), reverse=True)
        for _ in range(repeat):
            for page in pages:
                client, url = clients[page.who], page.url()
                page.before()
                began = time.perf_counter()
                client.get(url)
                page.times.append((time.perf_counter() - began) * 1000)

    def table(self, runs: list[Run], facts: dict[str, str], repeat: int) -> str:
        lines = [
            "| Cases | Page | Work queue: median (best–p90) | Queries "
            "| Admin changelist: median (best–p90) | Queries | Queue is faster by |",
            "|---:|---|---:|---:|---:|---:|---:|",
        ]
        for run in runs:
            by_name = {page.name: page for page in run.pages}
            for kind in ("first page", "filtered"):
                mine, theirs = by_name[f"Work queue, {kind}"], by_name[f"Admin changelist, {kind}"]
                m, t = statistics.median(mine.times), statistics.median(theirs.times)
                lines.append(
                    f"| {run.size:,} | {kind} | {m:.1f} ms ({spread(mine.times)}) | {mine.queries} "
                    f"| {t:.1f} ms ({spread(theirs.times)}) | {theirs.queries} | {t / m:.1f}× |"
                )
        floors = []
        for run in runs:
            floor = {page.name: page for page in run.pages}["Floor"]
            counted = f"{floor.queries} {'query' if floor.queries == 1 else 'queries'}"
            floors.append(f"{run.size:,} cases: {statistics.median(floor.times):.1f} ms, {counted}")
        seeding = ", ".join(f"{run.size:,} cases in {run.seeded:.0f} s" for run in runs)
        page_size = portal_attr("PAGE_SIZE", "permits.selectors.queue", "permits.queue", default="?")
        last = {page.name: page for page in runs[-1].pages}
        queue = [last["Work queue, first page"], last["Work queue, filtered"]]
        admin = [last["Admin changelist, first page"], last["Admin changelist, filtered"]]
        queries = max(
            page.queries for run in runs for page in run.pages if page.name.startswith("Work queue")
        )
        slowest = max(statistics.median(page.times) for page in queue)
        ratio = min(
            statistics.median(a.times) / statistics.median(q.times) for q, a in zip(queue, admin, strict=True)
        )

        def verdict(ok: bool) -> str:
            return "met" if ok else "missed"

        facts = {
            **facts,
            "Targets": (
                f"at most {MAX_QUERIES} queries at any size: {verdict(queries <= MAX_QUERIES)} ({queries}); "
                f"a median of at most {QUEUE_TARGET_MS:.0f} ms at 100,000 cases: "
                f"{verdict(slowest <= QUEUE_TARGET_MS)} ({slowest:.1f} ms at {runs[-1].size:,}); at least 4× "
                f"faster than the admin changelist: {verdict(ratio >= 4)} ({ratio:.1f}× at {runs[-1].size:,})"
            ),
            "Method": (
                f"Django test Client (outside the test runner, so without its template instrumentation; "
                f"well under a millisecond of its own per request), signed in (officer / superuser, each with an "
                f"authenticator); "
                f"{repeat} timed requests per page after {self.warmups} warm-up requests, every page of the run interleaved; "
                f"queries counted on one request, transaction statements (BEGIN/COMMIT) included; "
                f"{page_size} rows per queue page, 100 per admin page"
            ),
            "Floor (a signed-in page without case data, the accessibility statement)": ", ".join(floors),
            "Seeding (top-up to each size)": seeding,
            "Bench cases in the database": f"{bench_permits().count():,}",
        }
        lines.append("")
        lines.extend(f"- {name}: {value}" for name, value in facts.items())
        return "\n".join(lines)

    def write(self, path: Path, table: str, name: str) -> None:
        start, end = markers(name)
        block = f"{start}\n{table}\n{end}"
        text = path.read_text() if path.exists() else f"# Performance\n\n{block}\n"
        if start in text and end in text:
            before, rest = text.split(start, 1)
            after = rest.split(end, 1)[1]
            text = f"{before}{block}{after}"
        elif block not in text:
            text = f"{text.rstrip()}\n\n{block}\n"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def session_saved(sql: str) -> bool:
    table = import_module(settings.SESSION_ENGINE).SessionStore.get_model_class()._meta.db_table
    return sql.startswith("UPDATE") and table in sql


def shape(sql: str) -> str:
    """A query with its literals blanked, so that the same query for another row counts as a repeat."""
    sql = re.sub(r"'(?:[^']|'')*'", "?", sql)
    sql = re.sub(r"\b\d+(?:\.\d+)?\b", "?", sql)
    return re.sub(r"\(\?(?:, \?)*\)", "(…)", sql)


def pages_table(runs: list[Run], repeat: int) -> str:
    largest = runs[-1].size
    lines = [
        "| Cases | Page | Median (best–p90) | Over the floor | Queries | Floor: median, queries "
        "| Targets at the largest size |",
        "|---:|---|---:|---:|---:|---:|---|",
    ]
    for run in runs:
        by_name = {page.name: page for page in run.pages}
        for page in run.pages:
            if page.target is None or page.name.startswith("Work queue"):
                continue
            floor = by_name[page.floor]
            median, floor_median = statistics.median(page.times), statistics.median(floor.times)
            verdict = "–"
            if run.size == largest:
                verdict = (
                    f"≤ {page.target:.0f} ms: {'met' if median <= page.target else 'missed'}; "
                    f"≤ {MAX_QUERIES} queries: {'met' if page.queries <= MAX_QUERIES else 'missed'}"
                )
            lines.append(
                f"| {run.size:,} | {page.name} | {median:.1f} ms ({spread(page.times)}) "
                f"| {median / floor_median:.1f}× | {page.queries} | {floor_median:.1f} ms, {floor.queries} "
                f"| {verdict} |"
            )
    lines.append("")
    growth = []
    last = {page.name: page for page in runs[-1].pages}
    for prefix in ("Officers' case page", "Applicant's case page"):
        small, large = last[f"{prefix}, {SMALL_EVENTS} events"], last[f"{prefix}, 200 events"]
        same = small.queries == large.queries
        growth.append(
            f"{prefix.lower()}: {small.queries} queries at {SMALL_EVENTS} events, {large.queries} at 200 "
            f"({'the same: met' if same else f'{large.queries - small.queries:+d}: missed'})"
        )
    over = [
        f"{page.name} ({page.queries})"
        for page in runs[-1].pages
        if page.target is not None and page.queries > MAX_QUERIES and not page.name.startswith("Work queue")
    ]
    lines += [
        f"- Targets: a median of at most {PAGE_TARGET_MS:.0f} ms at 100,000 cases; a query count that does not "
        f"grow with the case's events, attachments, versions and messages, at most {MAX_QUERIES} (quality.md)",
        f"- Queries with the case's data ({SMALL_EVENTS} and 200 events; see _bench_subjects.py for the rows "
        f"beside them): {'; '.join(growth)}",
        f"- More than {MAX_QUERIES} queries: {', '.join(over) if over else 'none'}",
        "- Personas: the officers' pages as an officer, the applicant's pages, the wizard and the client's "
        "confirmation as a signatory of the applicant organisation (the licensee's client), the licensee "
        "dashboard as a member of the licensee; the floor is the accessibility statement as the officer (for the "
        "officers' pages) or as the signatory (for the others)",
        f"- Method: as for the queue above, in the same rounds ({repeat} timed requests per page)",
    ]
    return "\n".join(lines)


def sweep_table(runs: list[Run], target_rows: int) -> str:
    lines = [
        "| Cases | Run | Reminders | Outbox rows | Time | Sweep's own statements | Outbox rows per second "
        "| Statements (per outbox row) |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    notes = []
    for run in runs:
        sweep = run.sweep
        if sweep.skipped:
            notes.append(f"{run.size:,} cases: skipped, {sweep.skipped}")
            continue
        written = sum(sweep.reminders.values())
        per_row = (sweep.statements - sweep.rerun_statements) / max(sweep.outbox_rows, 1)
        lines.append(
            f"| {run.size:,} | writing the reminders due | {written:,} | {sweep.outbox_rows:,} "
            f"| {sweep.seconds:.2f} s | {sweep.own_seconds:.2f} s ({sweep.own_statements}) "
            f"| {sweep.outbox_rows / sweep.rest_seconds:,.0f} | {sweep.statements:,} ({per_row:.1f} per row) |"
        )
        rerun = statistics.median(sweep.reruns)
        lines.append(
            f"| {run.size:,} | again, nothing new due (median of {len(sweep.reruns)}) | 0 | 0 "
            f"| {rerun:.2f} s ({spread_s(sweep.reruns)}) | {rerun:.2f} s | – | {sweep.rerun_statements} |"
        )
        kinds = ", ".join(f"{kind} {n:,}" for kind, n in sweep.reminders.items())
        notes.append(f"{run.size:,} cases: reminders by kind: {kinds}")
    last = runs[-1].sweep
    verdicts = []
    if not last.skipped:
        own = max(last.own_seconds, statistics.median(last.reruns))
        rate = last.outbox_rows / last.rest_seconds
        idle = sorted({run.sweep.rerun_statements for run in runs if not run.sweep.skipped})
        per_row = (last.statements - last.rerun_statements) / max(last.outbox_rows, 1)
        verdicts = [
            f"own statements ≤ {SWEEP_STATEMENTS_TARGET_S:.0f} s: "
            f"{'met' if own <= SWEEP_STATEMENTS_TARGET_S else 'missed'} ({own:.2f} s)",
            "a number of statements that does not grow with the cases: "
            f"{'met' if len(idle) == 1 else 'missed'} ({' and '.join(map(str, idle))} with nothing to write)",
            # Written in batches per kind, the statements grow with the kinds, not the rows; that they do not
            # grow at all between two numbers of reminders is pinned by tests/permits/test_reminders.py.
            "nor with the reminders written (batched: under one statement per outbox row): "
            f"{'met' if per_row < 1 else 'missed'} ({per_row:.1f} per outbox row)",
            f"at least {REMINDERS_PER_S_TARGET} outbox rows per second: "
            f"{'met' if rate >= REMINDERS_PER_S_TARGET else 'missed'} ({rate:,.0f})",
        ]
    floor = statistics.median({p.name: p for p in runs[-1].pages}["Floor"].times)
    lines += [
        "",
        f"- Targets at {runs[-1].size:,} cases: {'; '.join(verdicts) if verdicts else 'not measured'}",
        *(f"- {note}" for note in notes),
        "- Method: the task `permits.sweep_deadlines` called in the bench's process, in a transaction rolled back "
        f"afterwards. Before the timed run every reminder due is marked as sent except a random few expected to "
        f"write about {target_rows:,} outbox rows, so the statements read every case as usual. Own statements: "
        "those on the reminder table (one insert-select and one read per kind), timed in the run that writes "
        "them; rows per second: the outbox rows over the rest of the run's time. Statements counted with an "
        "execute wrapper (without BEGIN/COMMIT); the sends the rows queue on commit are not part of it",
        f"- Floor in the same run (a signed-in page, see the queue): {floor:.1f} ms",
    ]
    return "\n".join(lines)


def pdf_table(pdf: Pdf, run: Run) -> str:
    median = statistics.median(pdf.renders)
    html = statistics.median(pdf.html)
    floor = statistics.median({p.name: p for p in run.pages}["Floor"].times)
    verdict = "met" if median <= PDF_TARGET_MS else "missed"
    return "\n".join(
        [
            "| Document | Median (best–p90) | Of which the template (HTML) | Queries | Size | Target |",
            "|---|---:|---:|---:|---:|---|",
            f"| Decision PDF (grant, {pdf.language}) | {median:.0f} ms ({spread(pdf.renders, 0)}) | {html:.1f} ms "
            f"| {pdf.queries} | {pdf.size / 1024:.0f} kB | ≤ {PDF_TARGET_MS / 1000:.1f} s: {verdict} |",
            "",
            f"- Method: `permits.pdf.render_pdf('pdf/decision.html', …)` {len(pdf.renders)} times after one warm-up, "
            "each with the decision loaded afresh as the task `permits.render_decision` loads it; the template "
            "alone rendered to HTML in the same rounds (the rest is WeasyPrint's layout)",
            f"- Floor in the same run (a signed-in page, see the queue): {floor:.1f} ms at {run.size:,} cases",
        ]
    )


def where_it_goes(runs: list[Run]) -> str:
    """For the console: the queries run more than once per page, and the sweep's busiest statements."""
    lines = ["", "Queries run more than once in one request (largest size):"]
    for page in runs[-1].pages:
        if page.repeated:
            lines.append(f"  {page.name}: {page.queries} queries")
            lines += [f"    {n}× {sql[:160]}" for n, sql in page.repeated[:6]]
    sweep = runs[-1].sweep
    if sweep.top:
        lines.append("The sweep's statements by count (largest size):")
        lines += [f"  {n:>6}× {s:6.2f} s  {sql[:150]}" for n, s, sql in sweep.top]
    return "\n".join(lines) + "\n"


def permit_indexes() -> list[str]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Permit._meta.db_table)
    return sorted(name for name, info in constraints.items() if info["index"] and not info["unique"])


def spread(values: list[float], digits: int = 1) -> str:
    """The fastest request and the 90th percentile: how much a busy machine stretched the times."""
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    return f"{ordered[0]:.{digits}f}–{p90:.{digits}f}"


def spread_s(values: list[float]) -> str:
    return spread(values, 2)
