"""Background work for cases: thin tasks that take ids and call the code that does the work."""

from celery import shared_task
from django.db import DatabaseError

from permits.models import Permit


@shared_task(bind=True, max_retries=3, acks_late=True)
def render_receipt(self, permit_id: int, language: str) -> str:
    """Render and store the receipt PDF of a case's latest application version (once per version)."""
    # Imported here so that only processes that render PDFs load WeasyPrint.
    from permits.pdf import receipt_create

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
    from permits.notifications import case_event_notify_by_id

    try:
        case_event_notify_by_id(event_id)
    except DatabaseError as exc:
        raise self.retry(exc=exc, countdown=60) from exc


@shared_task(acks_late=True, name="permits.sweep_deadlines")
def sweep_deadlines() -> dict[str, int]:
    """The deadline sweep (for Celery beat, every DEADLINE_SWEEP_MINUTES): write the reminders now due."""
    from permits.reminders import sweep_deadlines as sweep

    return sweep().counts
