"""Background work for cases: thin tasks that take ids and call the code that does the work.

Every task of the app is here. Tasks import the services; the services queue tasks by their dotted path
(`permits.workflow.enqueue`), so that imports run one way.
"""

from datetime import timedelta

from celery import shared_task
from django.db import DatabaseError
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone

from applications.models import ApplicationVersion
from permits.deadlines import local_date
from permits.models import Decision, DocumentKind, Permit, PermitDocument
from permits.notifications import case_event_notify_by_id
from permits.pdf import receipt_create
from permits.services.decisions import decision_pdf_create, permits_expire_due
from permits.services.reminders import sweep_deadlines as sweep
from permits.workflow import enqueue


@shared_task(bind=True, max_retries=3, acks_late=True)
def render_receipt(self, permit_id: int, language: str) -> str:
    """Render and store the receipt PDF of a case's latest application version (once per version)."""
    permit = Permit.objects.select_related("application__organisation").get(pk=permit_id)
    try:
        document = receipt_create(permit, language)
    except OSError as exc:  # storage trouble is usually passing
        raise self.retry(exc=exc, countdown=60) from exc
    return str(document.uuid)


@shared_task(bind=True, max_retries=3, acks_late=True)
def notify_applicant(self, event_id: int) -> None:
    """Write the outbox rows telling the applicant organisation about a committed case event.

    For events written outside `change_case` (e.g. a batch sweep); `change_case` writes them in the event's
    own transaction. Idempotent: a rerun finds the rows already written.
    """
    try:
        case_event_notify_by_id(event_id)
    except DatabaseError as exc:
        raise self.retry(exc=exc, countdown=60) from exc


@shared_task(acks_late=True, name="permits.sweep_deadlines")
def sweep_deadlines() -> dict[str, int]:
    """The deadline sweep (for Celery beat, every DEADLINE_SWEEP_MINUTES): write the reminders now due."""
    return sweep().counts


# A document younger than this may still be on its way from its first queueing.
DOCUMENT_SWEEP_GRACE = timedelta(minutes=2)
DOCUMENT_SWEEP_BATCH = 100


@shared_task(acks_late=True, name="permits.sweep_documents")
def sweep_documents() -> int:
    """Queue again the PDFs whose first queueing was lost (a broker outage at the moment of the change).

    Receipts of each case's latest application version and decisions without their PDF, older than the
    grace; rendering is idempotent (one document per case, kind and version), so a PDF queued twice is
    stored once. Returns how many were queued.
    """
    cutoff = timezone.now() - DOCUMENT_SWEEP_GRACE
    latest = ApplicationVersion.objects.filter(application=OuterRef("application")).order_by("-number")
    receipts = (
        Permit.objects.annotate(
            latest_number=Subquery(latest.values("number")[:1]),
            latest_at=Subquery(latest.values("submitted_at")[:1]),
            language=Subquery(latest.values("submitted_by__language")[:1]),
        )
        .filter(latest_at__lt=cutoff)
        .exclude(
            Exists(
                PermitDocument.objects.filter(
                    permit=OuterRef("pk"), kind=DocumentKind.RECEIPT, version_number=OuterRef("latest_number")
                )
            )
        )
        .values_list("pk", "language")[:DOCUMENT_SWEEP_BATCH]
    )
    decisions = (
        Decision.objects.filter(decided_at__lt=cutoff)
        .exclude(
            Exists(
                PermitDocument.objects.filter(
                    permit=OuterRef("permit"),
                    kind=DocumentKind.DECISION,
                    created_at__gte=OuterRef("decided_at"),
                )
            )
        )
        .values_list("pk", flat=True)[:DOCUMENT_SWEEP_BATCH]
    )
    queued = 0
    for permit_id, language in receipts:
        enqueue("permits.tasks.render_receipt", permit_id, language)
        queued += 1
    for decision_id in decisions:
        enqueue("permits.tasks.render_decision", decision_id)
        queued += 1
    return queued


@shared_task(bind=True, max_retries=3, acks_late=True, name="permits.render_decision")
def render_decision(self, decision_id: int) -> str:
    """Render and store the PDF of a made decision (once per decision)."""
    decision = Decision.objects.select_related(
        "presenter",
        "decision_maker",
        "permit__application__organisation",
        "permit__application__filed_by",
        "permit__application__product",
        "permit__application__purpose",
        "permit__application__created_by",
    ).get(pk=decision_id)
    try:
        document = decision_pdf_create(decision)
    except OSError as exc:  # storage trouble is usually passing
        raise self.retry(exc=exc, countdown=60) from exc
    return str(document.uuid)


@shared_task(acks_late=True, name="permits.expire_permits")
def expire_permits() -> int:
    """The daily sweep (for Celery beat): expire the permits whose validity ended before today."""
    return permits_expire_due(today=local_date(timezone.now()))
