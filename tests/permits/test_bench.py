"""The benchmark's tools work on a small scale; the benchmark itself runs with `make bench`, not here."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import Organisation
from applications.models import Application
from permits.management.commands.bench import END, START
from permits.management.commands.seed_bench import bench_organisations, bench_permits
from permits.models import PermitState as S
from permits.queue import QUEUE_STATES
from tests.factories import PermitFactory


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
    assert (
        cases.filter(state=S.SUPPLEMENT_REQUESTED).exclude(resume_state="").count()
        == cases.filter(state=S.SUPPLEMENT_REQUESTED).count()
    )
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


def test_bench_runs_end_to_end_and_writes_its_block(db, tmp_path):
    output = tmp_path / "performance.md"
    output.write_text(f"# Performance\n\nIntro by hand.\n\n{START}\nold numbers\n{END}\n\nNotes by hand.\n")
    out = io.StringIO()
    call_command(
        "bench",
        sizes=[12, 20],
        repeat=2,
        output=str(output),
        stdout=out,
        stderr=io.StringIO(),
    )
    text = output.read_text()
    assert "Intro by hand." in text and "Notes by hand." in text
    assert "old numbers" not in text
    assert "| 12 | first page |" in text and "| 20 | filtered |" in text
    assert "PostgreSQL" in text and "cores" in text
    assert "permit_queue_idx" in text and "permit_state_due_idx" in text
    assert bench_permits().count() == 20
    assert "Work queue: median" in out.getvalue()


def test_bench_writes_a_named_block_next_to_the_others(db, tmp_path):
    output = tmp_path / "performance.md"
    call_command("bench", sizes=[5], repeat=1, output=str(output), stdout=io.StringIO(), stderr=io.StringIO())
    call_command(
        "bench",
        sizes=[5],
        repeat=1,
        output=str(output),
        block="other",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    text = output.read_text()
    assert START in text and "<!-- bench:other:start" in text
