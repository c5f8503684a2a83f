"""Seed the current database with synthetic permit cases for the work-queue benchmark.

    manage.py seed_bench --applications 100000        # adds cases until there are 100,000 bench cases
    manage.py seed_bench --applications 1000 --reset  # deletes the bench data first
    manage.py seed_bench --applications 1000 --subjects  # and the subject cases the page timings use

Everything it creates is recognisable and nothing else is touched: organisations and users have
addresses under @bench.invalid and references start with VTJB/. Running it twice with the same number
does nothing the second time; a larger number adds the missing cases. Rows go in with bulk_create in
batches (no services, no events, no audit rows): 100,000 cases take one to two minutes on two cores.
A case waiting for a supplement has its open request, due to be answered between 20 days ago and 25 days
from now, so that the deadline sweep has replies to remind of. `--subjects` adds the few cases made through
the real models that `bench` requests (see _bench_subjects.py); `--reset` leaves those alone. Refused in
production.
"""

import random
import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from accounts.models import Organisation, OrganisationKind, User
from applications.models import Application, ApplicationStatus, Product, Purpose
from notifications.models import Notification
from permits.management.commands._bench_subjects import (
    DOMAIN,
    bench_officer_email,
    business_id,
    decision_due,
    officer_language,
    seed_subjects,
)
from permits.models import Permit, PermitEvent, Reminder, SupplementRequest, SupplementState
from permits.models import PermitState as S

__all__ = ["DOMAIN", "bench_officer_email", "bench_organisations", "bench_permits", "business_id"]

REFERENCE_PREFIX = "VTJB/"
OFFICERS = 12
LICENSEES = 15
BATCH = 5000

# How cases spread over the states (per cent). Most of an authority's cases are decided history; about
# one in nine still needs an officer (the work queue): 11,000 open cases at 100,000, more than the
# authority has had open at any one time, and an open queue that grows with the table.
STATE_WEIGHTS = {
    S.SUBMITTED: 4,
    S.SUPPLEMENT_REQUESTED: 1.5,
    S.NEGOTIATION: 1.5,
    S.TECHNICAL_REVIEW: 2,
    S.GRANTED: 0.5,
    S.TERMS_ACCEPTED: 0.5,
    S.TESTING: 1,
    S.PRODUCTION: 45,
    S.REJECTED: 8,
    S.WITHDRAWN: 9,
    S.REVOKED: 4,
    S.EXPIRED: 23,
}
IN_PROCESSING = {S.SUBMITTED, S.SUPPLEMENT_REQUESTED, S.NEGOTIATION, S.TECHNICAL_REVIEW}
DECIDED_OPEN = {S.GRANTED, S.TERMS_ACCEPTED, S.TESTING}
CLOSED_AT_DECISION = {S.REJECTED}
CLOSED_LATER = {S.WITHDRAWN, S.REVOKED, S.EXPIRED}

NAME_PARTS = (
    ["Pohjolan", "Etelä-Suomen", "Lapin", "Saariston", "Järvi-Suomen", "Itämeren", "Kaakon", "Länsirannikon"],
    ["Perintä", "Vakuutus", "Energia", "Tele", "Asunto", "Terveys", "Rahoitus", "Logistiikka", "Data"],
    ["Oy", "Ab", "Oyj", "ry", "kuntayhtymä", "Osuuskunta"],
)


def bench_permits():
    return Permit.objects.filter(reference__startswith=REFERENCE_PREFIX)


def bench_organisations():
    return Organisation.objects.filter(contact_email__endswith=f"@{DOMAIN}")


class Command(BaseCommand):
    help = "Create N synthetic permit cases (with organisations and applications) for `make bench`."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--applications", type=int, required=True, help="How many bench cases in total.")
        parser.add_argument("--reset", action="store_true", help="Delete the bench data first.")
        parser.add_argument("--seed", type=int, default=4, help="Random seed (default 4).")
        parser.add_argument(
            "--subjects", action="store_true", help="Also make the subject cases `bench` requests."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError(
                "seed_bench fills the database with synthetic cases; it never runs in production."
            )
        total = options["applications"]
        if total < 1:
            raise CommandError("--applications must be at least 1.")
        started = time.monotonic()
        if options["reset"]:
            self.reset()
        existing = bench_permits().count()
        if existing > total:
            raise CommandError(
                f"There are already {existing} bench cases, more than {total}; add --reset to start over."
            )
        if existing == total:
            self.stdout.write(f"{total} bench cases already exist; nothing to do.")
        else:
            rng = random.Random(options["seed"] * 1_000_003 + existing)
            self.create(start=existing, total=total, rng=rng)
            self.analyse()
            elapsed = time.monotonic() - started
            self.stdout.write(f"Bench cases: {total} ({total - existing} created in {elapsed:.1f} s).")
        if options["subjects"]:
            seed_subjects()
            self.stdout.write("Subject cases ready.")

    # -- reset ---------------------------------------------------------------------------------------

    def reset(self) -> None:
        """Delete the bench cases, their applications and organisations (bench users are kept)."""
        try:
            with transaction.atomic():
                # Reminders exist only if a real sweep ran here (the bench's own sweep is rolled back).
                reminders = Reminder.objects.filter(permit__in=bench_permits())
                reminder_ids = {str(pk) for pk in reminders.values_list("pk", flat=True)}
                if reminder_ids:  # their outbox rows are keyed "reminder:<id>:<recipient>"
                    keyed = Notification.objects.filter(idempotency_key__startswith="reminder:")
                    Notification.objects.filter(
                        pk__in=[
                            pk
                            for pk, key in keyed.values_list("pk", "idempotency_key")
                            if key.split(":")[1] in reminder_ids
                        ]
                    ).delete()
                reminders.delete()
                SupplementRequest.objects.filter(permit__in=bench_permits()).delete()
                PermitEvent.objects.filter(permit__in=bench_permits()).delete()
                application_ids = list(bench_permits().values_list("application_id", flat=True))
                bench_permits().delete()
                Application.objects.filter(pk__in=application_ids).delete()
                Application.objects.filter(organisation__in=bench_organisations()).delete()
                bench_organisations().delete()
        except ProtectedError as exc:
            raise CommandError(
                "The bench data has records that cannot be deleted (someone processed bench cases in this "
                f"database: {exc.protected_objects!r:.200}). Use a separate database, as `make bench` does."
            ) from None
        self.stdout.write("Bench data deleted.")

    # -- creation ------------------------------------------------------------------------------------

    def users(self) -> tuple[User, list[int]]:
        officer_group = Group.objects.get(name="officer")
        applicant, _ = User.objects.get_or_create(
            email=f"bench-applicant@{DOMAIN}", defaults={"full_name": "Bench Applicant"}
        )
        officers = []
        for n in range(1, OFFICERS + 1):
            officer, created = User.objects.get_or_create(
                email=bench_officer_email(n),
                defaults={
                    "full_name": f"Bench Officer {n:02d}",
                    "is_staff": True,
                    "language": officer_language(n),
                },
            )
            if created:
                officer.set_unusable_password()
                officer.save(update_fields=["password"])
                officer.groups.add(officer_group)
            officers.append(officer.pk)
        return applicant, officers

    def organisations(self, wanted: int, rng: random.Random) -> tuple[list[int], list[int]]:
        """Ensure `wanted` bench applicant organisations and the licensees; return both id lists."""
        taken = set(Organisation.objects.values_list("business_id", flat=True))
        numbers = iter(range(8_000_000, 10_000_000))

        def next_business_id() -> str:
            for number in numbers:
                candidate = business_id(number)
                if candidate and candidate not in taken:
                    taken.add(candidate)
                    return candidate
            raise CommandError("Ran out of Business IDs for bench organisations.")

        def make(name: str, email: str) -> Organisation:
            return Organisation(
                name=name,
                business_id=next_business_id(),
                kind=OrganisationKind.COMPANY,
                street_address="Testikatu 1",
                postal_code="00100",
                city="Helsinki",
                contact_email=email,
            )

        licensee_emails = [f"licensee-{n:02d}@{DOMAIN}" for n in range(1, LICENSEES + 1)]
        have_licensees = set(
            bench_organisations()
            .filter(contact_email__in=licensee_emails)
            .values_list("contact_email", flat=True)
        )
        Organisation.objects.bulk_create(
            [
                make(f"Bench Licensee {n:02d} Oy", email)
                for n, email in enumerate(licensee_emails, start=1)
                if email not in have_licensees
            ]
        )
        applicants = bench_organisations().exclude(contact_email__startswith="licensee-")
        have = applicants.count()
        new = []
        for n in range(have + 1, wanted + 1):
            first, field, form = (rng.choice(part) for part in NAME_PARTS)
            new.append(make(f"{first} {field} {n} {form}", f"org-{n:07d}@{DOMAIN}"))
        for i in range(0, len(new), BATCH):
            Organisation.objects.bulk_create(new[i : i + BATCH])
        return (
            list(applicants.values_list("pk", flat=True)),
            list(
                bench_organisations()
                .filter(contact_email__startswith="licensee-")
                .values_list("pk", flat=True)
            ),
        )

    def create(self, *, start: int, total: int, rng: random.Random) -> None:
        applicant, officers = self.users()
        organisations, licensees = self.organisations(max(1, total // 2), rng)
        products = list(Product.objects.values_list("pk", flat=True))
        purposes = list(Purpose.objects.values_list("pk", flat=True))
        if not products or not purposes:
            raise CommandError("The catalogue is empty: run `manage.py migrate` first.")
        # Some products are applied for far more often than others.
        product_weights = [max(1, 2 ** (len(products) - i)) for i in range(len(products))]
        states = list(STATE_WEIGHTS)
        weights = list(STATE_WEIGHTS.values())
        now = timezone.now()
        today = timezone.localdate()

        for batch_start in range(start, total, BATCH):
            applications, cases = [], []
            for n in range(batch_start + 1, min(batch_start + BATCH, total) + 1):
                state = rng.choices(states, weights)[0]
                if state in IN_PROCESSING:
                    submitted_at = now - timedelta(minutes=rng.randint(10, 130 * 24 * 60))
                elif state in DECIDED_OPEN:
                    submitted_at = now - timedelta(days=rng.randint(40, 400), minutes=rng.randint(0, 1440))
                else:
                    submitted_at = now - timedelta(
                        days=rng.randint(60, 8 * 365), minutes=rng.randint(0, 1440)
                    )
                age = now - submitted_at
                decided_at = closed_at = None
                if state not in IN_PROCESSING and state != S.WITHDRAWN:
                    decided_at = submitted_at + age * rng.uniform(0.05, 0.5)
                if state in CLOSED_AT_DECISION:
                    closed_at = decided_at
                elif state in CLOSED_LATER:
                    closed_at = submitted_at + age * rng.uniform(0.5, 0.95)
                last_activity_at = closed_at or submitted_at + age * rng.uniform(0.0, 1.0)
                assigned = rng.random() < (0.35 if state == S.SUBMITTED else 0.92)
                applications.append(
                    Application(
                        organisation_id=rng.choice(organisations),
                        filed_by_id=rng.choice(licensees) if rng.random() < 0.2 else None,
                        status=ApplicationStatus.SUBMITTED,
                        created_by=applicant,
                        submitted_at=submitted_at,
                        product_id=rng.choices(products, product_weights)[0],
                        purpose_id=rng.choice(purposes),
                        purpose_description="Synthetic benchmark case.",
                    )
                )
                cases.append(
                    Permit(
                        reference=f"{REFERENCE_PREFIX}{submitted_at.year}/{n:06d}",
                        state=state,
                        resume_state=S.SUBMITTED if state == S.SUPPLEMENT_REQUESTED else "",
                        submitted_at=submitted_at,
                        decision_due=decision_due(submitted_at),
                        assigned_to_id=rng.choice(officers) if assigned else None,
                        decided_at=decided_at,
                        closed_at=closed_at,
                        last_activity_at=last_activity_at,
                        revision=rng.randint(0, 12),
                    )
                )
            with transaction.atomic():
                Application.objects.bulk_create(applications)
                for application, case in zip(applications, cases, strict=True):
                    case.application_id = application.pk
                Permit.objects.bulk_create(cases)
                SupplementRequest.objects.bulk_create(
                    SupplementRequest(
                        permit=case,
                        officer_id=case.assigned_to_id or officers[0],
                        message="Synthetic supplement request.",
                        respond_by=today + timedelta(days=rng.randint(-20, 25)),
                        state=SupplementState.OPEN,
                    )
                    for case in cases
                    if case.state == S.SUPPLEMENT_REQUESTED
                )
            self.stdout.write(f"  {batch_start + len(cases)} / {total}")

    def analyse(self) -> None:
        """Refresh the planner's statistics (and the visibility map when outside a transaction)."""
        tables = [
            Organisation._meta.db_table,
            Application._meta.db_table,
            Permit._meta.db_table,
            SupplementRequest._meta.db_table,
        ]
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"{command} {connection.ops.quote_name(table)}")
        if not connection.in_atomic_block:
            self.checkpoint()

    def checkpoint(self) -> None:
        """Write the bulk load's changes to disk now rather than while the benchmark measures (a checkpoint
        then would slow whichever page it overlaps). Needs a superuser or pg_checkpoint; skipped without."""
        try:
            with connection.cursor() as cursor:
                cursor.execute("CHECKPOINT")
        except DatabaseError as error:
            self.stderr.write(f"No checkpoint after seeding ({error}); the measurement may overlap one.")
