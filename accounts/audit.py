"""The audit trail: one append-only, HMAC-chained row per change or staff view of personal data."""

import hashlib
import hmac
import json
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction

from accounts.models import AuditEvent, Organisation, User

GENESIS = "0" * 64
# Any fixed 64-bit number; serialises appends so that each row chains to the one before it.
_CHAIN_LOCK = 0x5654_4A41_5544_4954


def event_digest(event: AuditEvent) -> str:
    """HMAC-SHA256 over the row's content and the previous row's digest."""
    payload = json.dumps(
        [
            event.at.isoformat(),
            event.actor_id,
            event.action,
            event.organisation_id,
            event.target_type,
            event.target_id,
            event.details,
            event.prev_hash,
        ],
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hmac.new(settings.AUDIT_HMAC_KEY.encode(), payload.encode(), hashlib.sha256).hexdigest()


def audit(
    *,
    actor: User | None,
    action: str,
    target: models.Model,
    organisation: Organisation | None = None,
    **details: Any,
) -> AuditEvent:
    """Append an audit event in the caller's transaction; it is committed or rolled back with the change."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK])
        previous = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
        event = AuditEvent(
            actor=actor,
            action=action,
            organisation=organisation,
            target_type=target._meta.label_lower,
            target_id=str(getattr(target, "uuid", target.pk)),
            details=json.loads(json.dumps(details, default=str)),
            prev_hash=previous or GENESIS,
        )
        event.hash = event_digest(event)
        event.save()
        return event


def verify_chain() -> list[int]:
    """Return the ids of audit rows whose digest or link to the previous row does not hold."""
    broken = []
    previous = GENESIS
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        if event.prev_hash != previous or not hmac.compare_digest(event.hash, event_digest(event)):
            broken.append(event.id)
        previous = event.hash
    return broken
