"""The work queue's counts per state come from rows the database keeps (permits.counts); they must match the
cases after every kind of write."""

from collections import Counter

import pytest
from django.db import connection
from django.urls import reverse

from permits import queue
from permits.counts import compact
from permits.models import Permit, StateCount
from permits.models import PermitState as S
from permits.queue import QueueFilters
from permits.tasks import compact_state_counts
from tests.factories import PermitFactory

QUEUE = reverse("permits:queue")


def kept(user, state: str = "") -> dict[str, int]:
    return queue.state_counts(user=user, filters=QueueFilters(state=state), today=None)


def counted(states) -> dict[str, int]:
    actual = Counter(Permit.objects.values_list("state", flat=True))
    return {state: actual[state] for state in states}


def assert_counts_match(user) -> None:
    assert kept(user) == counted(queue.QUEUE_STATES)
    assert kept(user, S.REJECTED) == counted([*queue.QUEUE_STATES, S.REJECTED])


def test_counts_follow_inserts_updates_and_deletes(officer):
    cases = [PermitFactory(state=state) for state in [S.SUBMITTED, S.SUBMITTED, S.NEGOTIATION, S.REJECTED]]
    assert_counts_match(officer)
    assert kept(officer)[S.SUBMITTED] == 2

    Permit.objects.filter(state=S.SUBMITTED).update(state=S.TECHNICAL_REVIEW)  # several rows, one statement
    assert_counts_match(officer)
    assert kept(officer)[S.TECHNICAL_REVIEW] == 2 and kept(officer)[S.SUBMITTED] == 0

    cases[2].delete()
    Permit.objects.filter(pk=cases[3].pk).update(
        last_activity_at=cases[3].last_activity_at
    )  # no state change
    assert_counts_match(officer)
    assert kept(officer)[S.NEGOTIATION] == 0


def test_compacting_keeps_the_counts_and_leaves_a_row_per_state(officer):
    for state in [S.SUBMITTED, S.SUBMITTED, S.TESTING, S.PRODUCTION]:
        PermitFactory(state=state)
    Permit.objects.filter(state=S.TESTING).update(state=S.PRODUCTION)
    before = kept(officer)
    folded = compact()
    assert folded >= 4
    assert kept(officer) == before == counted(queue.QUEUE_STATES)
    assert StateCount.objects.count() == len(set(Permit.objects.values_list("state", flat=True)))
    assert compact_state_counts() == StateCount.objects.count()  # the beat task folds nothing more


@pytest.mark.django_db(transaction=True)
def test_truncating_the_cases_empties_the_counts(officer):
    PermitFactory(state=S.SUBMITTED)
    with connection.cursor() as cursor:
        cursor.execute(f'TRUNCATE "{Permit._meta.db_table}" CASCADE')
    assert not StateCount.objects.exists()
    assert kept(officer)[S.SUBMITTED] == 0


def test_the_queue_page_shows_the_kept_counts(client, officer):
    for state in [S.SUBMITTED, S.SUBMITTED, S.GRANTED]:
        PermitFactory(state=state)
    client.force_login(officer)
    content = client.get(QUEUE).content.decode()
    assert "Submitted: 2" in content
    assert "Granted: 1" in content
    assert "3 cases match." in content
