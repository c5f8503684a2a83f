"""Periodic work of accounts (for Celery beat)."""

from celery import shared_task
from django.utils import timezone

from accounts.models import PortalSession


@shared_task(name="accounts.clear_expired_sessions")
def clear_expired_sessions() -> int:
    """Delete the sessions that have expired (daily): the database keeps them until they are removed."""
    deleted, _ = PortalSession.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted
