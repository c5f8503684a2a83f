"""The benchmark's tools work on a small scale; the benchmark itself runs with `make bench`, not here."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import Organisation
from applications.models import Application, ApplicationStatus
from notifications.models import Notification
from permits.management.commands._bench_background import measure_sweep
from permits.management.commands._bench_subjects import (
    LARGE_EVENTS,
    SMALL_EVENTS,
    seed_subjects,
    subject_organisations,
    subject_permits,
)
from permits.management.commands.bench import END, START, block_names, markers
from permits.management.commands.seed_bench import bench_organisations, bench_permits
from permits.models import IN_PROCESSING, Permit, PermitEvent, Reminder, SupplementRequest
from permits.models import PermitState as S
from tests.factories import PermitFactory

# The work queue's states (the queue module is being moved; the states are the models').
QUEUE_STATES = [*IN_PROCESSING, S.GRANTED, S.TERMS_ACCEPTED, S.TESTING]


def seed(n: int, **options: object) -> str:
    out = io.StringIO()
    call_command("seed_bench", applications=n, stdout=out, **options)
    return out.getvalue()


def test_seed_bench_creates_cases_and_is_idempotent(db):
    own = PermitFactory()
    seed(50)
    cases = bench_permits()
    assert cases.count() == 50
    assert cases.filter(state__in=QUEUE_STATES).exists()
    assert cases.exclude(state__in=QUEUE_STATES).exists()
    assert (
        cases.filter(assigned_to__isnull=False).exists() and cases.filter(assigned_to__isnull=True).exists()
    )
    assert Application.objects.filter(permit__in=cases, filed_by__isnull=False).exists()
    waiting = cases.filter(state=S.SUPPLEMENT_REQUESTED)
    assert waiting.exclude(resume_state="").count() == waiting.count()
    # Each case waiting for a supplement has its open request, so that the sweep has replies to remind of.
    assert SupplementRequest.objects.filter(permit__in=waiting, state="open").count() == waiting.count()
    for organisation in bench_organisations()[:20]:
        organisation.full_clean()  # valid Business IDs

    assert "nothing to do" in seed(50)
    assert bench_permits().count() == 50
    seed(60)
    assert bench_permits().count() == 60
    with pytest.raises(CommandError):
        seed(40)
    seed(20, reset=True)
    assert bench_permits().count() == 20
    # The portal's own data is left alone.
    assert Organisation.objects.filter(pk=own.application.organisation_id).exists()
    assert own.reference not in set(bench_permits().values_list("reference", flat=True))


def test_seed_bench_refuses_in_production(db, settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError):
        seed(5)


def test_subject_cases_are_made_once_and_survive_a_reset(db):
    seed(10, subjects=True)
    first = seed_subjects()
    counts = (
        Permit.objects.count(),
        Application.objects.count(),
        PermitEvent.objects.count(),
        Organisation.objects.count(),
    )
    again = seed_subjects()
    assert again == first
    assert counts == (
        Permit.objects.count(),
        Application.objects.count(),
        PermitEvent.objects.count(),
        Organisation.objects.count(),
    )
    small, large = Permit.objects.get(uuid=first.small_case), Permit.objects.get(uuid=first.large_case)
    assert small.events.count() == SMALL_EVENTS and large.events.count() == LARGE_EVENTS
    # What a page lists grows with the events, so that a query per row shows as a difference.
    for related in ("attachments", "versions"):
        assert getattr(large.application, related).count() > getattr(small.application, related).count()
    for related in ("supplements", "negotiation_messages", "documents"):
        assert getattr(large, related).count() > getattr(small, related).count()
    prepared = Application.objects.get(uuid=first.prepared)
    assert prepared.status == ApplicationStatus.DRAFT and prepared.filed_by is not None
    assert not prepared.commitments.exists()
    # Subject data is neither a synthetic case nor a synthetic organisation: --reset and top-ups leave it.
    assert not bench_permits().filter(pk__in=subject_permits()).exists()
    assert not bench_organisations().filter(pk__in=subject_organisations()).exists()
    seed(5, reset=True)
    assert subject_permits().count() == 3 and seed_subjects() == first


def test_sweep_measurement_writes_the_reminders_due_and_leaves_the_database_as_it_was(db):
    seed(300, subjects=True)
    reminders, outbox = Reminder.objects.count(), Notification.objects.count()
    sweep = measure_sweep(20, reruns=2)
    assert not sweep.skipped
    assert sum(sweep.reminders.values()) > 0
    assert 20 <= sweep.outbox_rows < 20 + 30  # stops once about 20 rows are due (one reminder tells ≤ 16)
    assert 4 <= sweep.own_statements <= 8  # one insert-select per kind, and a read of what it wrote
    assert sweep.statements > sweep.rerun_statements and len(sweep.reruns) == 2
    assert (Reminder.objects.count(), Notification.objects.count()) == (reminders, outbox)
    assert measure_sweep(20, reruns=1).reminders == sweep.reminders  # the same reminders due every run


def test_sweep_measurement_refuses_a_database_with_other_cases(db):
    PermitFactory()
    seed(5)
    assert measure_sweep(20, reruns=1).skipped


def test_bench_runs_end_to_end_and_writes_each_block(db, tmp_path):
    output = tmp_path / "performance.md"
    output.write_text(f"# Performance\n\nIntro by hand.\n\n{START}\nold numbers\n{END}\n\nNotes by hand.\n")
    out = io.StringIO()
    call_command(
        "bench",
        sizes=[12],
        repeat=1,
        warmups=1,
        pdf_renders=1,
        sweep_reminders=10,
        output=str(output),
        stdout=out,
        stderr=io.StringIO(),
    )
    text = output.read_text()
    assert "Intro by hand." in text and "Notes by hand." in text
    assert "old numbers" not in text
    assert "| 12 | first page |" in text and "| 12 | filtered |" in text
    assert "PostgreSQL" in text and "cores" in text
    assert "permit_queue_idx" in text and "permit_state_due_idx" in text
    for name in ("pages", "sweep", "pdf"):
        start, end = markers(name)
        assert text.index(END) < text.index(start) < text.index(end)
    assert f"| 12 | Officers' case page, {LARGE_EVENTS} events |" in text
    assert "| 12 | Licensee dashboard |" in text and "Wizard: review page" in text
    assert "| 12 | writing the reminders due |" in text
    assert "Decision PDF (grant, fi)" in text
    assert bench_permits().count() == 12
    assert "Work queue: median" in out.getvalue()


def test_bench_writes_named_blocks_next_to_the_others(tmp_path):
    from permits.management.commands.bench import Command

    assert block_names("queue") == {"queue": "queue", "pages": "pages", "sweep": "sweep", "pdf": "pdf"}
    assert block_names("other")["queue"] == "other" and block_names("other")["pdf"] == "other-pdf"
    output = tmp_path / "performance.md"
    command = Command()
    command.write(output, "queue table", "queue")
    command.write(output, "other table", "other")
    command.write(output, "queue table, again", "queue")
    text = output.read_text()
    assert START in text and "<!-- bench:other:start" in text
    assert "queue table, again" in text and "other table" in text and "queue table\n" not in text
