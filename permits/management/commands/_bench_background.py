"""The bench's background work: the deadline sweep and the decision PDF (see bench.py for the tables).

Only models are imported at module level; the task, the PDF renderer and the reminder windows are looked
up where they are now (`portal_attr`), as the portal's modules are being moved into packages.
"""

import random
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Membership, User
from notifications.models import Notification
from permits.management.commands._bench_subjects import Subjects, portal_attr, subject_permits
from permits.models import (
    IN_PROCESSING,
    Decision,
    Permit,
    Reminder,
    ReminderKind,
    SupplementRequest,
    SupplementState,
)

HELSINKI = ZoneInfo("Europe/Helsinki")


@dataclass
class Sweep:
    """One size's sweep: the run that writes the reminders due, and reruns with nothing new due."""

    reminders: dict[str, int] = field(default_factory=dict)
    outbox_rows: int = 0
    seconds: float = 0.0
    own_seconds: float = 0.0
    own_statements: int = 0
    statements: int = 0
    top: list[tuple[float, float, str]] = field(default_factory=list)  # (count, seconds, SQL) per shape
    reruns: list[float] = field(default_factory=list)  # seconds
    rerun_statements: int = 0
    skipped: str = ""

    @property
    def rest_seconds(self) -> float:
        return max(self.seconds - self.own_seconds, 1e-9)


@dataclass
class Pdf:
    renders: list[float] = field(default_factory=list)  # ms, render_pdf
    html: list[float] = field(default_factory=list)  # ms, the template alone
    queries: int = 0
    size: int = 0
    language: str = ""


# -- the deadline sweep ---------------------------------------------------------------------------------


class Statements:
    """An execute wrapper: counts every statement, and times the sweep's own (those on the reminder table)."""

    def __init__(self) -> None:
        self.table = Reminder._meta.db_table
        self.count = 0
        self.own = 0
        self.own_seconds = 0.0
        self.by_sql: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])

    def __call__(self, execute, sql, params, many, context):
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = time.perf_counter() - began
            self.count += 1
            entry = self.by_sql[sql]
            entry[0] += 1
            entry[1] += elapsed
            if f'"{self.table}"' in sql or f" {self.table} " in sql:
                self.own += 1
                self.own_seconds += elapsed


def only_bench_cases() -> bool:
    others = Permit.objects.exclude(reference__startswith="VTJB/").exclude(pk__in=subject_permits())
    return not others.exists()


def measure_sweep(target_rows: int, reruns: int = 5) -> Sweep:
    """Time the sweep writing about `target_rows` outbox rows, then `reruns` runs with nothing new due.

    It all runs in one transaction that is rolled back: every run of the bench finds the same reminders due,
    the database is left as it was, and the sends that the outbox rows would queue on commit never are.
    Reminders beyond `target_rows` are marked as already sent first (in the same transaction), so that the
    sweep's statements still read every case but write only that many.
    """
    result = Sweep()
    if not only_bench_cases():
        result.skipped = "the database holds cases that are not the bench's (run it through `make bench`)"
        return result
    sweep = portal_attr("sweep_deadlines", "permits.tasks")
    with transaction.atomic():
        leave_due(target_rows)
        before = Notification.objects.count()
        statements = Statements()
        with connection.execute_wrapper(statements):
            began = time.perf_counter()
            result.reminders = dict(sweep())
            result.seconds = time.perf_counter() - began
        result.outbox_rows = Notification.objects.count() - before
        result.statements, result.own_statements = statements.count, statements.own
        result.own_seconds = statements.own_seconds
        result.top = sorted(((n, s, sql) for sql, (n, s) in statements.by_sql.items()), reverse=True)[:8]
        for _ in range(reruns):
            again = Statements()
            with connection.execute_wrapper(again):
                began = time.perf_counter()
                sweep()
                result.reruns.append(time.perf_counter() - began)
            result.rerun_statements = again.count
        transaction.set_rollback(True)
    return result


def leave_due(target_rows: int) -> None:
    """Mark every reminder now due as sent except a random few expected to write about `target_rows` outbox
    rows. Who hears of each kind follows permits' reminder rules (the assigned officer or every officer; the
    decision makers; the applicant's signatories and contact address), counted here without their code."""
    today = timezone.localdate(timezone.now(), HELSINKI)
    target_days = portal_attr(
        "TARGET_SOON_DAYS", "permits.services.reminders", "permits.reminders", default=14
    )
    reply_days = portal_attr("REPLY_SOON_DAYS", "permits.services.reminders", "permits.reminders", default=3)

    def holders(codename: str) -> int:
        held = Q(groups__permissions__codename=codename) | Q(user_permissions__codename=codename)
        return User.objects.filter(held, is_active=True, is_staff=True).distinct().count()

    officers, deciders = holders("process_permit"), holders("decide_permit")
    signatories = dict(
        Membership.objects.filter(is_signatory=True, user__is_active=True)
        .values_list("organisation_id")
        .annotate(n=Count("pk"))
    )
    open_cases = Permit.objects.filter(state__in=IN_PROCESSING)
    soon = (today, today + timedelta(days=target_days))
    cases = "pk", "decision_due", "assigned_to__is_active"
    candidates = [
        (ReminderKind.TARGET_SOON, pk, due, None, 1 if assigned else officers)
        for pk, due, assigned in open_cases.filter(decision_due__range=soon).values_list(*cases)
    ]
    candidates += [
        (ReminderKind.OVERDUE, pk, due, None, deciders)
        for pk, due, _ in open_cases.filter(decision_due__lt=today).values_list(*cases)
    ]
    waiting = SupplementRequest.objects.filter(state=SupplementState.OPEN)
    fields = (
        "permit_id",
        "respond_by",
        "pk",
        "permit__assigned_to__is_active",
        "permit__application__organisation_id",
    )
    reply_soon = (today, today + timedelta(days=reply_days))
    candidates += [
        (ReminderKind.REPLY_SOON, permit, due, pk, signatories.get(organisation, 0) + 1)
        for permit, due, pk, _, organisation in waiting.filter(respond_by__range=reply_soon).values_list(
            *fields
        )
    ]
    candidates += [
        (ReminderKind.REPLY_PASSED, permit, due, pk, 1 if assigned else officers)
        for permit, due, pk, assigned, _ in waiting.filter(respond_by__lt=today).values_list(*fields)
    ]
    written = set(Reminder.objects.values_list("permit_id", "kind", "due"))
    candidates = [c for c in candidates if (c[1], c[0].value, c[2]) not in written]
    random.Random(11).shuffle(candidates)
    expected, keep = 0, 0
    while keep < len(candidates) and expected < target_rows:
        expected += candidates[keep][4]
        keep += 1
    Reminder.objects.bulk_create(
        [
            Reminder(permit_id=permit, kind=kind, due=due, supplement_id=supplement)
            for kind, permit, due, supplement, _ in candidates[keep:]
        ],
        batch_size=5000,
        ignore_conflicts=True,
    )


# -- the decision PDF -----------------------------------------------------------------------------------


def measure_pdf(subjects: Subjects, renders: int) -> Pdf:
    """Render the decision PDF as the task does (the decision loaded as `permits.render_decision` loads it,
    the context of the decision document, the applicant's language), `renders` times after one warm-up."""
    render_pdf = portal_attr("render_pdf", "permits.pdf")
    verify_url = portal_attr(
        "verify_url",
        "permits.selectors.decisions",
        "permits.decisions",
        "permits.services.decisions",
        default=None,
    )
    result = Pdf()

    def context() -> tuple[dict, str]:
        decision = Decision.objects.select_related(
            "presenter",
            "decision_maker",
            "permit__application__organisation",
            "permit__application__filed_by",
            "permit__application__product",
            "permit__application__purpose",
            "permit__application__created_by",
        ).get(pk=subjects.decision_id)
        permit = decision.permit
        application = permit.application
        code = decision.verification_code or ""
        return {
            "permit": permit,
            "decision": decision,
            "application": application,
            "organisation": application.organisation,
            "licensee": application.filed_by,
            "granted_groups": list(decision.granted_groups.order_by("sort_order", "code")),
            "verify_url": verify_url(code)
            if verify_url
            else f"{settings.SITE_URL}{reverse('permits:verify')}?code={code}",
        }, application.created_by.language

    data, result.language = context()
    result.size = len(render_pdf("pdf/decision.html", data, language=result.language))
    for _ in range(renders):
        data, language = context()
        with CaptureQueriesContext(connection) as queries:
            began = time.perf_counter()
            render_pdf("pdf/decision.html", data, language=language)
            result.renders.append((time.perf_counter() - began) * 1000)
        result.queries = len(queries.captured_queries)
        data, language = context()
        with translation.override(language), timezone.override(HELSINKI):
            began = time.perf_counter()
            render_to_string("pdf/decision.html", {**data, "LANGUAGE_CODE": language})
            result.html.append((time.perf_counter() - began) * 1000)
    return result
