"""Notifications: writing them into the outbox, delivering their emails, and the in-app list.

`notify` is what the rest of the portal calls, inside the transaction of the event it reports (`notify_many`
writes many at once, as the deadline sweep does). The row it writes is the promise: a task sends the email
after the commit, and `outbox_sweep` (every minute, from beat) queues again whatever is still pending, so a
broker outage delays mail but loses none. Sending is guarded three ways: the idempotency key (one row per
notification), a lease (`claimed_until`, so that two workers never send one row at once) and the status (a
sent row is never sent again).
"""

import hashlib
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import RedisError

from accounts.audit import audit
from accounts.models import User
from notifications.models import (
    Notification,
    NotificationKind,
    NotificationPreference,
    NotificationStatus,
    email_required,
)
from notifications.rendering import render_email

logger = logging.getLogger(__name__)

# The wait before the next attempt after the 1st, 2nd, … failed send. After the last one the row is failed.
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
    timedelta(hours=4),
    timedelta(hours=12),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
# Rows queued per sweep; the next sweep (a minute later) takes the rest.
SWEEP_BATCH = 500
# After a failed publish, this process leaves the broker alone for this long (time.monotonic()).
BROKER_PAUSE_SECONDS = 15
_broker_paused_until = 0.0
SUBJECT_MAX_LENGTH = Notification.SUBJECT_MAX_LENGTH
KEY_MAX_LENGTH = Notification.IDEMPOTENCY_KEY_MAX_LENGTH


# Writing -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NotificationItem:
    """One notification to write: the arguments of `notify`, as one item of `notify_many`."""

    kind: str
    template: str
    context: dict
    language: str
    key: str
    link: str = ""
    user: User | None = None
    email: str | None = None


def _in_app_only(wishes: Iterable[tuple[User, str]]) -> set[tuple[int, str]]:
    """The (user id, kind) pairs among `wishes` whose user chose in-app only for that kind (not possible for
    the kinds they always get by email): one query, none when no wish can be in-app only. Addresses without
    an account always get email."""
    asked = {(user.pk, kind) for user, kind in wishes if not email_required(kind, user)}
    if not asked:
        return set()
    chosen = NotificationPreference.objects.filter(
        user_id__in={user_id for user_id, _ in asked}, kind__in={kind for _, kind in asked}, email=False
    ).values_list("user_id", "kind")
    return set(chosen) & asked


def notify(
    *,
    kind: str,
    template: str,
    context: dict,
    language: str,
    key: str,
    link: str = "",
    user: User | None = None,
    email: str | None = None,
) -> Notification | None:
    """Write one notification into the outbox, in the caller's transaction; its email is queued on commit.

    The message is rendered now, from emails/<template>_{subject.txt,body.txt,body.html} in `language`, so
    the row alone is enough to send it later or again. `user` sees it in the portal; the email goes to
    `email` (by default the user's address) unless the user chose in-app only for this kind. `key` names
    the notification uniquely ("<kind>:<object>:<event id>:<recipient>"): a second call with the same key
    returns the first row and queues nothing. Returns None when there is nobody to tell (no address and no
    account, or an account that is no longer active). The one-item case of `notify_many`.
    """
    item = NotificationItem(
        kind=kind,
        template=template,
        context=context,
        language=language,
        key=key,
        link=link,
        user=user,
        email=email,
    )
    return notify_many([item])[0]


def notify_many(items: Sequence[NotificationItem]) -> list[Notification | None]:
    """Write `items` into the outbox as `notify` writes each, in a number of statements that does not grow
    with the items: the preferences of the accounts among them (one query, if any may choose), one insert
    and one read of the rows' ids; the new rows' emails are queued together on commit.

    Each row is rendered in its own item's language. The insert skips the keys that already have a row (an
    earlier call, a rerun, or a concurrent transaction, which this one waits for on the unique index), and
    only the rows this call wrote are queued. Items with the same key are one row: the first one's.
    Returns, item by item, the row with its key as stored (read back in the same query) or None when there
    is nobody to tell.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("notify() must be called inside the transaction of the event it reports.")
    for item in items:
        if not item.key or len(item.key) > KEY_MAX_LENGTH or "\n" in item.key or "\r" in item.key:
            raise ValueError(f"Not a usable idempotency key: {item.key!r}")
    # By key, the first item with it and its address; and item by item, its key or None (nobody to tell).
    recipients: dict[str, tuple[NotificationItem, str]] = {}
    told: list[str | None] = []
    for item in items:
        address = (item.email if item.email is not None else (item.user.email if item.user else "")).strip()
        if (item.user is not None and not item.user.is_active) or (item.user is None and not address):
            told.append(None)
            continue
        told.append(item.key)
        recipients.setdefault(item.key, (item, address))
    if not recipients:
        return [None] * len(items)
    in_app_only = _in_app_only(
        (item.user, item.kind) for item, address in recipients.values() if item.user is not None and address
    )
    rows = {key: _row(item, address, in_app_only) for key, (item, address) in recipients.items()}
    Notification.objects.bulk_create(rows.values(), ignore_conflicts=True)
    # Read back as stored: a row is this call's when it carries the uuid given here; otherwise its key was
    # written before (and is not queued again).
    stored = {row.idempotency_key: row for row in Notification.objects.filter(idempotency_key__in=list(rows))}
    queued = [
        stored[key].pk for key, row in rows.items() if stored[key].uuid == row.uuid and row.email_wanted
    ]
    if queued:
        transaction.on_commit(lambda: _enqueue_deliveries(queued))
    return [None if key is None else stored[key] for key in told]


def _row(item: NotificationItem, address: str, in_app_only: set[tuple[int, str]]) -> Notification:
    subject, text, html = render_email(template=item.template, language=item.language, context=item.context)
    wanted = bool(address) and (item.user is None or (item.user.pk, item.kind) not in in_app_only)
    return Notification(
        idempotency_key=item.key,
        recipient=item.user,
        email=address,
        language=item.language,
        kind=item.kind,
        subject=subject[:SUBJECT_MAX_LENGTH],
        body_text=text,
        body_html=html,
        link=item.link,
        email_wanted=wanted,
        status=NotificationStatus.PENDING if wanted else NotificationStatus.SKIPPED,
    )


def _enqueue_deliveries(notification_ids: list[int]) -> None:
    # After a failed publish enqueue_delivery leaves the broker alone: one timeout for all of them.
    for notification_id in notification_ids:
        enqueue_delivery(notification_id)


def enqueue_delivery(notification_id: int, *, force: bool = False) -> bool:
    """Queue the email of one outbox row; return whether that worked. Never raises.

    Runs after the event's commit, often in a web request. If the broker is down, publishing fails within
    the broker's socket timeout (2 s; publish retries are off, see settings) and this logs it: the row
    stays pending and the sweep queues it once the broker is back. After such a failure this process does
    not try the broker again for BROKER_PAUSE_SECONDS (unless `force`, as the sweep does), so a request that
    writes several notifications, and the requests after it, wait for one timeout at most, not one each.
    When tasks run inline (no broker) the send itself runs here; whatever goes wrong then is recorded on
    the row and retried by the sweep, and must not turn the committed action into an error page either.
    """
    global _broker_paused_until

    if not force and time.monotonic() < _broker_paused_until:
        logger.info("Not queueing notification %s: the broker failed moments ago.", notification_id)
        return False
    try:
        # By its path: the tasks import this module, so imports run one way (tasks → services).
        import_string("notifications.tasks.deliver").delay(notification_id)
    except (KombuOperationalError, RedisError, OSError) as exc:
        _broker_paused_until = time.monotonic() + BROKER_PAUSE_SECONDS
        logger.warning(
            "Could not queue notification %s (%s: %s); the outbox sweep will retry it.",
            notification_id,
            type(exc).__name__,
            exc,
        )
        return False
    except Exception:
        logger.exception(
            "Delivering notification %s inline failed; the sweep will retry it.", notification_id
        )
        return False
    _broker_paused_until = 0.0
    return True


# Delivering --------------------------------------------------------------------------------------


def message_id(key: str) -> str:
    """A Message-ID that is the same every time one notification is sent, so mail clients can drop repeats."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "vtj-lupa.invalid"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:40]}.notification@{domain}>"


def _claim(notification_id: int, *, now: datetime) -> tuple[Notification | None, str]:
    """Take the row for sending until the lease ends: (row, "claimed"); or (None, "held") while another
    worker holds it; or (None, "done") when there is nothing to send (sent, failed, skipped, missing)."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True).filter(pk=notification_id).first()
        )
        if notification is None:  # missing, or locked by a worker claiming it this very moment
            pending = Notification.objects.filter(pk=notification_id, status=NotificationStatus.PENDING)
            return None, "held" if pending.exists() else "done"
        if notification.status != NotificationStatus.PENDING:
            return None, "done"
        if notification.claimed_until is not None and notification.claimed_until >= now:
            return None, "held"
        notification.claimed_until = now + timedelta(seconds=settings.NOTIFICATION_LEASE_SECONDS)
        notification.save(update_fields=["claimed_until"])
    return notification, "claimed"


def _send(notification: Notification) -> None:
    message = EmailMultiAlternatives(
        subject=notification.subject,
        body=notification.body_text,
        to=[notification.email],
        headers={
            "Message-ID": message_id(notification.idempotency_key),
            "X-VTJ-Idempotency-Key": notification.idempotency_key,
        },
    )
    message.attach_alternative(notification.body_html, "text/html")
    message.send()


def notification_deliver(*, notification_id: int) -> str:
    """Send one outbox row's email, at most once. Returns what happened:

    "sent"; "retry" (the send failed and the sweep retries it after a backoff); "failed" (the last attempt
    failed); "held" (another worker holds the row: look again when its claim ends); "done" (nothing to
    send: already sent, failed, or not to be emailed).

    The claim is committed before sending, so a second worker handed the same row (a sweep and the first
    queueing, two sweeps, a redelivered message) finds it held or already sent and sends nothing. A worker
    that dies while sending leaves its claim to expire; then the redelivered message or the sweep sends the
    row. The one remaining window, a crash after the mail server accepted the message but before the row is
    marked sent, sends it again with the same Message-ID, so that mail clients can drop the repeat.
    """
    now = timezone.now()
    notification, outcome = _claim(notification_id, now=now)
    if notification is None:
        return outcome
    claim = notification.claimed_until
    try:
        _send(notification)
    except Exception as exc:  # SMTP and network errors, and anything else: the row records it and waits
        return _record_failure(notification, claim=claim, exc=exc)
    Notification.objects.filter(pk=notification.pk, status=NotificationStatus.PENDING).update(
        status=NotificationStatus.SENT,
        sent_at=timezone.now(),
        claimed_until=None,
        attempts=F("attempts") + 1,
        last_error="",
    )
    return "sent"


def _record_failure(notification: Notification, *, claim: datetime | None, exc: Exception) -> str:
    attempts = notification.attempts + 1
    failed = attempts >= MAX_ATTEMPTS
    changes: dict = {
        "attempts": attempts,
        "last_error": f"{type(exc).__name__}: {exc}"[:2000],
        "claimed_until": None,
    }
    if failed:
        changes["status"] = NotificationStatus.FAILED
    else:
        changes["next_attempt_at"] = timezone.now() + BACKOFF[attempts - 1]
    # Only while the claim is still ours: after the lease another worker may have taken the row.
    Notification.objects.filter(
        pk=notification.pk, status=NotificationStatus.PENDING, claimed_until=claim
    ).update(**changes)
    # The error text may hold the address; it stays on the row, the log gets only its class.
    logger.warning(
        "Sending notification %s failed (attempt %d of %d, %s)%s.",
        notification.pk,
        attempts,
        MAX_ATTEMPTS,
        type(exc).__name__,
        "; giving up" if failed else "",
    )
    return "failed" if failed else "retry"


def outbox_sweep(*, batch: int = SWEEP_BATCH) -> int:
    """Queue again the pending rows whose next attempt is due and that nobody holds; return how many.

    One query for up to `batch` rows, oldest first. Rows younger than NOTIFICATION_SWEEP_GRACE_SECONDS are
    left alone: their first queueing is probably still on its way. Two sweeps at once queue a row twice,
    which is harmless (the claim). Stops at the first failure to queue: the broker is down, and the next
    sweep tries again.
    """
    now = timezone.now()
    before = now - timedelta(seconds=settings.NOTIFICATION_SWEEP_GRACE_SECONDS)
    ids = list(
        Notification.objects.due(now=now, before=before)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:batch]
    )
    queued = 0
    for pk in ids:
        if not enqueue_delivery(pk, force=True):
            break
        queued += 1
    return queued


# In the portal -----------------------------------------------------------------------------------


def unread_count(user: User) -> int:
    """How many of the user's notifications are unread: one query."""
    return Notification.objects.for_user(user).unread().count()


def mark_read(*, user: User, notification: Notification) -> None:
    """Mark one of the user's own notifications read (again marking it changes nothing)."""
    Notification.objects.for_user(user).unread().filter(pk=notification.pk).update(read_at=timezone.now())


def mark_all_read(*, user: User) -> int:
    """Mark all of the user's notifications read; return how many were unread."""
    return Notification.objects.for_user(user).unread().update(read_at=timezone.now())


def email_preferences(user: User) -> dict[str, bool]:
    """Every kind with whether `user` gets it by email (kinds that are always emailed say so)."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "email"))
    return {kind: email_required(kind, user) or chosen.get(kind, True) for kind in NotificationKind.values}


@transaction.atomic
def preferences_update(*, user: User, email: dict[str, bool]) -> dict[str, list[bool]]:
    """Store per kind whether `user` wants email too; kinds that are always emailed stay on. Returns changes."""
    before = email_preferences(user)
    after = {
        kind: email_required(kind, user) or bool(email.get(kind, before[kind]))
        for kind in NotificationKind.values
    }
    changes = {kind: [before[kind], after[kind]] for kind in after if before[kind] != after[kind]}
    if not changes:
        return changes
    NotificationPreference.objects.bulk_create(
        [NotificationPreference(user=user, kind=kind, email=after[kind]) for kind in changes],
        update_conflicts=True,
        unique_fields=["user", "kind"],
        update_fields=["email"],
    )
    audit(actor=user, action="notification_preferences_changed", target=user, changes=changes)
    return changes
