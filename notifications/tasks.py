"""Background work for notifications: thin tasks that take ids and call the services."""

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError

from notifications import services


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=5)
def deliver(self, notification_id: int) -> str:
    """Send one outbox row's email, at most once (see services.notification_deliver).

    Late acknowledgement, and rejection when the pool process dies: a worker killed while sending leaves
    the message to be delivered again. If it comes back while the dead worker's claim still holds the row,
    this looks again when the claim has ended. Mail server errors are recorded on the row and retried by
    the sweep with backoff; a database outage is retried here.
    """
    try:
        outcome = services.notification_deliver(notification_id=notification_id)
    except DatabaseError as exc:
        raise self.retry(exc=exc, countdown=30) from exc
    if outcome == "held":
        raise self.retry(countdown=settings.NOTIFICATION_LEASE_SECONDS + 1)
    return outcome


@shared_task(acks_late=True, ignore_result=True)
def sweep_outbox() -> int:
    """Queue again the pending notifications whose next attempt is due (beat runs this every minute)."""
    return services.outbox_sweep()
