"""Background work for cases: thin tasks that take ids and call the code that does the work."""

from celery import shared_task

from permits.models import Permit
from permits.notifications import send_event_email as _send_event_email


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
def send_event_email(self, event_id: int, template: str, language: str) -> None:
    """Email the applicant organisation about a case event."""
    try:
        _send_event_email(event_id, template=template, language=language)
    except OSError as exc:  # SMTP connection problems
        raise self.retry(exc=exc, countdown=300) from exc


@shared_task(bind=True, max_retries=3, acks_late=True)
def notify_applicant(self, event_id: int) -> None:
    """Email the applicant organisation's contact address and signatories about a case event."""
    from permits.notifications import send_case_event

    try:
        send_case_event(event_id)
    except OSError as exc:  # SMTP connection problems
        raise self.retry(exc=exc, countdown=300) from exc
