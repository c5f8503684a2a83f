"""Benchmark the officers' work queue against the Django admin changelist of Permit, in the same run.

    manage.py bench --sizes 1000 100000 --repeat 25 --output docs/performance.md

Works on the CURRENT database (`make bench` points it at a separate one, see scripts/bench.py). For each
size it tops the bench cases up with `seed_bench`, then requests each page through Django's test Client
as a signed-in officer (with an authenticator, so the two-factor middleware lets them in) or superuser,
interleaving the pages so that a busy machine slows them alike. It reports the median server time, the
fastest request and the 90th percentile, and the number of SQL queries of one request, and writes the
table between the markers in the output file.
"""

import os
import platform
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import django
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from permits.management.commands.seed_bench import DOMAIN, bench_permits
from permits.models import Permit
from permits.queue import PAGE_SIZE


def markers(block: str) -> tuple[str, str]:
    return (
        f"<!-- bench:{block}:start (written by `manage.py bench`; do not edit by hand) -->",
        f"<!-- bench:{block}:end -->",
    )


START, END = markers("queue")


@dataclass
class Page:
    name: str
    who: str  # "officer" or "admin"
    url: Callable[[], str]
    before: Callable[[], None] = lambda: None  # run before each request, outside the timing
    times: list[float] = field(default_factory=list)
    queries: int = 0
    size: int = 0


def bench_user(email: str, **flags: object) -> User:
    """A staff user with an authenticator; the session is made with force_login."""
    user, _ = User.objects.get_or_create(email=email, defaults={"full_name": email.split("@")[0], **flags})
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, generate_totp_secret())
    return user


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
        "Time the work queue and the admin changelist of Permit at several sizes; write docs/performance.md."
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
            "--block", default="queue", help="Name of the marked block to write (default queue)."
        )

    def handle(self, *args: object, **options: object) -> None:
        if settings.PRODUCTION:
            raise CommandError("The benchmark seeds synthetic cases; it never runs in production.")
        if settings.DEBUG:
            self.stderr.write(
                "DEBUG is on: every query is logged and the numbers are slower than in production."
            )
        sizes, repeat = sorted(options["sizes"]), options["repeat"]
        if repeat < 1 or not sizes or sizes[0] < 1:
            raise CommandError("--sizes and --repeat must be positive.")
        facts = machine()
        facts["Non-unique indexes on the case table"] = ", ".join(permit_indexes())
        cache = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
        facts["Sessions"] = f"{settings.SESSION_ENGINE} (database), cache {cache}"
        facts["Load average at start"] = load()
        results: list[tuple[int, float, list[Page]]] = []
        hosts = [*settings.ALLOWED_HOSTS, "testserver"]
        with override_settings(ALLOWED_HOSTS=hosts):
            for n, size in enumerate(sizes):
                started = time.monotonic()
                call_command(
                    "seed_bench", applications=size, reset=options["reset"] and n == 0, stdout=self.stdout
                )
                seeded = time.monotonic() - started
                results.append((size, seeded, self.measure(repeat)))
        facts["Load average at end"] = load()
        table = self.table(results, facts, repeat)
        self.stdout.write("\n" + table)
        if options["output"]:
            self.write(Path(options["output"]), table, options["block"])
            self.stdout.write(self.style.SUCCESS(f"Results written to {options['output']}."))

    def measure(self, repeat: int) -> list[Page]:
        officer = bench_user(f"bench-runner@{DOMAIN}", is_staff=True)
        officer.groups.add(Group.objects.get(name="officer"))
        admin = bench_user(f"bench-admin@{DOMAIN}", is_staff=True, is_superuser=True)
        clients = {"officer": Client(), "admin": Client()}
        clients["officer"].force_login(officer)
        clients["admin"].force_login(admin)
        today = timezone.localdate().isoformat()
        queue = reverse("permits:queue")
        changelist = reverse("admin:permits_permit_changelist")
        accessibility = reverse("accessibility")
        pages = [
            # The floor: a signed-in page that reads no case data (sessions, user, two-factor check, layout).
            Page("Floor", "officer", lambda: accessibility),
            Page("Work queue, first page", "officer", lambda: queue),
            Page(
                "Work queue, filtered",
                "officer",
                lambda: f"{queue}?state=submitted&assignee=unassigned&overdue=1",
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
        self.time(pages, clients, repeat)
        return pages

    def time(self, pages: list[Page], clients: dict[str, Client], repeat: int) -> None:
        """Warm each page up, count its queries on one request, then time `repeat` rounds of them in turns."""
        for page in pages:
            client = clients[page.who]
            for _ in range(3):  # warm up: connection, template and translation caches
                page.before()
                response = client.get(page.url())
            if response.status_code != 200:
                raise CommandError(f"{page.name} answered {response.status_code}, not 200: {page.url()}")
            page.size = len(response.content)
            page.before()
            with CaptureQueriesContext(connection) as queries:
                client.get(page.url())
            page.queries = len(queries.captured_queries)
        for _ in range(repeat):
            for page in pages:
                client, url = clients[page.who], page.url()
                page.before()
                began = time.perf_counter()
                client.get(url)
                page.times.append((time.perf_counter() - began) * 1000)

    def table(self, results: list[tuple[int, float, list[Page]]], facts: dict[str, str], repeat: int) -> str:
        lines = [
            "| Cases | Page | Work queue: median (best–p90) | Queries "
            "| Admin changelist: median (best–p90) | Queries | Queue is faster by |",
            "|---:|---|---:|---:|---:|---:|---:|",
        ]
        for size, _seeded, pages in results:
            by_name = {page.name: page for page in pages}
            for kind in ("first page", "filtered"):
                mine, theirs = by_name[f"Work queue, {kind}"], by_name[f"Admin changelist, {kind}"]
                m, t = statistics.median(mine.times), statistics.median(theirs.times)
                lines.append(
                    f"| {size:,} | {kind} | {m:.1f} ms ({spread(mine.times)}) | {mine.queries} "
                    f"| {t:.1f} ms ({spread(theirs.times)}) | {theirs.queries} | {t / m:.1f}× |"
                )
        floors = []
        for size, _seeded, pages in results:
            by_name = {page.name: page for page in pages}
            floor = by_name["Floor"]
            queries = f"{floor.queries} {'query' if floor.queries == 1 else 'queries'}"
            floors.append(f"{size:,} cases: {statistics.median(floor.times):.1f} ms, {queries}")
        seeding = ", ".join(f"{size:,} cases in {seeded:.0f} s" for size, seeded, _ in results)
        facts = {
            **facts,
            "Method": (
                f"Django test Client (outside the test runner, so without its template instrumentation; "
                f"well under a millisecond of its own per request), signed in (officer / superuser, each with an "
                f"authenticator); "
                f"{repeat} timed requests per page after 3 warm-up requests, pages interleaved; "
                f"queries counted on one request, transaction statements (BEGIN/COMMIT) included; "
                f"{PAGE_SIZE} rows per queue page, 100 per admin page"
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


def permit_indexes() -> list[str]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Permit._meta.db_table)
    return sorted(name for name, info in constraints.items() if info["index"] and not info["unique"])


def spread(values: list[float]) -> str:
    """The fastest request and the 90th percentile: how much a busy machine stretched the times."""
    ordered = sorted(values)
    return f"{ordered[0]:.1f}–{ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]:.1f}"
