"""Two people acting on one case at the same moment, each on their own database connection.

Exactly one succeeds; the other is refused with 409 and nothing the first one did is overwritten. The
services lock the case row (`select_for_update`), and officers' forms carry the revision they were shown.
"""

import threading
import time
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import translation

from accounts.models import AuditEvent
from accounts.services import PortalError
from permits.models import Permit, PermitEvent, PermitState, SupplementRequest, SupplementState
from permits.services import processing
from tests.conftest import with_authenticator
from tests.factories import MembershipFactory, PermitFactory, StaffFactory

S = PermitState


def race(*actions: Callable[[], object]) -> list[object]:
    """Run the actions at the same moment in threads with their own connections; return result or error."""
    barrier = threading.Barrier(len(actions))
    results: list[object] = [None] * len(actions)

    def run(index: int, action: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=10)
            with translation.override("en"):
                results[index] = action()
        except Exception as exc:  # the refused one: kept to be inspected by the test
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    return results


def one_refused_as_changed(results: list[object]) -> object:
    """Assert that exactly one action succeeded and the other was told the case changed; return the winner."""
    errors = [r for r in results if isinstance(r, Exception)]
    successes = [r for r in results if not isinstance(r, Exception)]
    assert len(successes) == 1 and len(errors) == 1, results
    error = errors[0]
    assert isinstance(error, PortalError), repr(error)
    assert error.status == 409
    return successes[0]


@pytest.fixture(autouse=True)
def _slow_changes(monkeypatch):
    """Hold each change open a moment after the case is changed, so that the two really overlap: without
    the row lock both would read the same revision and both would be saved."""
    real = processing.change_case

    def slow(**kwargs):
        result = real(**kwargs)
        time.sleep(0.3)
        return result

    monkeypatch.setattr(processing, "change_case", slow)


@pytest.fixture
def officers(transactional_db):
    return [with_authenticator(StaffFactory(groups=["officer"])) for _ in range(2)]


def respond_by():
    return processing.default_respond_by() + timedelta(days=1)


def test_two_officers_request_a_supplement_at_once(officers):
    permit = PermitFactory(state=S.SUBMITTED)
    first, second = officers

    def ask(officer, text: str, sections: list[str]):
        return lambda: processing.permit_request_supplement(
            permit=permit,
            officer=officer,
            message=text,
            sections=sections,
            respond_by=respond_by(),
            revision=0,
        )

    results = race(
        ask(first, "First officer's question.", ["purpose"]), ask(second, "Second's.", ["contacts"])
    )

    winner = one_refused_as_changed(results)
    refused = next(r for r in results if isinstance(r, Exception))
    assert "changed meanwhile" in refused.message
    case = Permit.objects.get(pk=permit.pk)
    assert case.state == S.SUPPLEMENT_REQUESTED
    assert case.revision == 1
    assert case.resume_state == S.SUBMITTED
    supplement = SupplementRequest.objects.get(permit=permit)
    assert supplement.pk == winner.pk
    # The winner's sections are the ones reopened; nothing of the loser's was written.
    assert case.application.reopened_sections == supplement.sections
    assert PermitEvent.objects.filter(permit=permit).count() == 1
    assert AuditEvent.objects.filter(action="case_supplement_requested").count() == 1


def test_negotiation_and_a_supplement_request_at_once(officers):
    permit = PermitFactory(state=S.SUBMITTED)
    first, second = officers

    results = race(
        lambda: processing.permit_start_negotiation(permit=permit, officer=first, revision=0),
        lambda: processing.permit_request_supplement(
            permit=permit,
            officer=second,
            message="Missing the logs.",
            sections=["security"],
            respond_by=respond_by(),
            revision=0,
        ),
    )

    winner = one_refused_as_changed(results)
    case = Permit.objects.get(pk=permit.pk)
    assert case.revision == 1
    assert PermitEvent.objects.filter(permit=permit).count() == 1
    if isinstance(winner, SupplementRequest):
        assert case.state == S.SUPPLEMENT_REQUESTED and case.resume_state == S.SUBMITTED
    else:
        assert case.state == S.NEGOTIATION
        assert not SupplementRequest.objects.exists()
        assert case.application.reopened_sections == []


def test_two_review_items_saved_from_the_same_page_at_once(officers):
    permit = PermitFactory(state=S.TECHNICAL_REVIEW)
    first, second = officers

    def save(officer, result: str, note: str):
        return lambda: processing.review_item_save(
            permit=permit, officer=officer, code="hosting", result=result, note=note, revision=0
        )

    results = race(save(first, "pass", "Finland."), save(second, "fail", "Outside the EU."))

    winner = one_refused_as_changed(results)
    item = Permit.objects.get(pk=permit.pk).review_items.get()
    assert (item.result, item.note) == (winner.result, winner.note)


def test_two_members_answer_the_same_supplement_at_once(officers):
    permit = PermitFactory(state=S.NEGOTIATION)
    organisation = permit.application.organisation
    members = [MembershipFactory(organisation=organisation).user for _ in range(2)]
    supplement = processing.permit_request_supplement(
        permit=permit, officer=officers[0], message="More.", sections=[], respond_by=respond_by(), revision=0
    )

    def answer(user, text: str):
        request = SupplementRequest.objects.select_related("permit__application").get(pk=supplement.pk)
        return lambda: processing.supplement_answer(supplement=request, user=user, response=text)

    results = race(answer(members[0], "Answer one."), answer(members[1], "Answer two."))

    winner = one_refused_as_changed(results)
    case = Permit.objects.get(pk=permit.pk)
    assert case.state == S.NEGOTIATION
    assert list(case.application.versions.values_list("number", flat=True).order_by("number")) == [1, 2]
    answered = SupplementRequest.objects.get(pk=supplement.pk)
    assert answered.state == SupplementState.ANSWERED
    assert answered.responded_by == winner.submitted_by
    assert PermitEvent.objects.filter(permit=permit, action="supplement_answered").count() == 1


def test_two_deadline_sweeps_at_once_remind_once(officers, monkeypatch):
    """The first sweep holds its transaction open after inserting; the second waits on the unique index."""
    from notifications.models import Notification, NotificationKind
    from permits.models import Reminder, ReminderKind
    from permits.services import reminders

    slow = reminders._REMIND[ReminderKind.TARGET_SOON]

    def slowly(reminder):
        slow(reminder)
        time.sleep(0.3)

    monkeypatch.setitem(reminders._REMIND, ReminderKind.TARGET_SOON, slowly)
    officer = officers[0]
    today = processing.default_respond_by() - timedelta(days=processing.SUPPLEMENT_DAYS)
    cases = [PermitFactory(decision_due=today + timedelta(days=n), assigned_to=officer) for n in (1, 2)]

    results = race(
        lambda: reminders.sweep_deadlines(today=today), lambda: reminders.sweep_deadlines(today=today)
    )

    assert sorted(result.counts["target_soon"] for result in results) == [0, 2]
    assert Reminder.objects.filter(permit__in=cases).count() == 2
    assert Notification.objects.filter(recipient=officer, kind=NotificationKind.REMINDER).count() == 2
