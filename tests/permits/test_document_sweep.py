"""PDFs whose queueing was lost to a broker outage are queued again by the document sweep."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from kombu.exceptions import OperationalError

from permits import tasks
from permits.models import DocumentKind, PermitDocument, PermitState
from permits.services import decisions
from permits.services import submission as services
from permits.tasks import sweep_documents
from tests.factories import ApplicationFactory, PermitFactory
from tests.permits.test_decisions import draft_reject


@pytest.fixture
def broker_outage(monkeypatch):
    """Every queueing fails as it does when Redis is unreachable; calling the fixture ends the outage."""

    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    for task in (tasks.render_receipt, tasks.render_decision):
        monkeypatch.setattr(task, "delay", refuse)
    return lambda: monkeypatch.undo()


def later(minutes: int):
    return time_machine.travel(timezone.now() + timedelta(minutes=minutes), tick=False)


def test_a_receipt_lost_to_an_outage_is_rendered_by_the_sweep(
    organisation, signatory, broker_outage, django_capture_on_commit_callbacks
):
    application = ApplicationFactory(organisation=organisation, complete=True)
    with django_capture_on_commit_callbacks(execute=True):
        permit = services.application_submit(application=application, user=signatory)
    assert not PermitDocument.objects.filter(permit=permit).exists()
    broker_outage()  # the outage ends

    # Within the grace the first queueing may still be on its way: nothing is queued twice.
    assert sweep_documents() == 0
    with later(3):
        assert sweep_documents() == 1
        receipt = PermitDocument.objects.get(permit=permit, kind=DocumentKind.RECEIPT)
        assert receipt.version_number == 1 and receipt.language == signatory.language
        assert sweep_documents() == 0


def test_a_decision_pdf_lost_to_an_outage_is_rendered_by_the_sweep(
    officer, decision_maker, organisation, broker_outage, django_capture_on_commit_callbacks
):
    case = PermitFactory(application__organisation=organisation, state=PermitState.TECHNICAL_REVIEW)
    draft_reject(case, officer)
    with django_capture_on_commit_callbacks(execute=True):
        decisions.decision_make(permit=case, decision_maker=decision_maker, revision=case.revision + 1)
    broker_outage()  # the outage ends
    with later(3):
        sweep_documents()
        assert PermitDocument.objects.filter(permit=case, kind=DocumentKind.DECISION).count() == 1
        sweep_documents()
        assert PermitDocument.objects.filter(permit=case, kind=DocumentKind.DECISION).count() == 1
