"""The outbox with a real Redis and real Celery workers: a broker outage, a killed worker, concurrent sweeps.

What quality.md asks: a broker outage delays mail but loses none and never hangs a request; a worker
killed mid-task loses no message and sends no duplicate; two sweeps at once send each notification once.
Each test starts its own redis-server and workers (tests/notifications/conftest.py) and counts the emails
they write to a mailbox directory.
"""

import os
import signal
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import MembershipRole
from notifications.models import Notification, NotificationKind, NotificationStatus
from notifications.services import notify, outbox_sweep
from notifications.tasks import deliver
from permits.deadlines import local_date
from permits.models import Permit, PermitState, Reminder
from tests.factories import MembershipFactory, OrganisationFactory, PermitFactory, UserFactory
from tests.notifications.conftest import wait_for, wait_for_mail
from tests.notifications.mailbox import SENDING, STALL, delivered_keys

pytestmark = pytest.mark.services

# Enqueueing in a request must give up at least this fast when the broker is unreachable.
FAST = 3.0
# How long to keep watching for a duplicate after the expected email arrived.
SETTLE = 3.0


def write_notification(key: str, user=None) -> Notification:
    user = user or UserFactory()
    with transaction.atomic():
        return notify(
            kind=NotificationKind.MESSAGE,
            template="consultation_message",
            context={"consultation": {"subject": "Reliability", "organisation": {"name": "Oy"}}},
            language="fi",
            key=key,
            link="http://testserver/",
            user=user,
        )


def assert_each_sent_once(mailbox: Path, keys: list[str]) -> None:
    time.sleep(SETTLE)
    arrived = delivered_keys(mailbox)
    assert sorted(arrived) == sorted(keys), "each notification must arrive exactly once"
    rows = Notification.objects.filter(idempotency_key__in=keys)
    assert {row.status for row in rows} == {NotificationStatus.SENT}
    assert all(row.sent_at and row.claimed_until is None for row in rows)


def test_request_succeeds_fast_with_redis_down_and_the_sweep_sends_the_email_later(
    client, officer, redis_server, broker, start_worker, mailbox
):
    worker = start_worker()
    organisation = OrganisationFactory(contact_email="office@applicant.example")
    signatory = MembershipFactory(
        organisation=organisation, role=MembershipRole.ADMIN, is_signatory=True
    ).user
    permit = PermitFactory(application__organisation=organisation, state=PermitState.SUBMITTED)
    client.force_login(officer)
    # Load the code and templates first: the time measured below is the broker's share, not a cold start.
    assert client.get(reverse("permits:officer_case", args=[permit.uuid])).status_code == 200

    redis_server.stop()
    started = time.monotonic()
    response = client.post(
        reverse("permits:request_supplement", args=[permit.uuid]),
        {
            "message": "Justify the permanent address.",
            "sections": ["data-groups"],
            "respond_by": (local_date(timezone.now()) + timedelta(days=30)).isoformat(),
            "revision": permit.revision,
        },
    )
    elapsed = time.monotonic() - started

    assert response.status_code == 302, "the officer's action succeeds although the broker is down"
    assert elapsed < FAST, f"the request took {elapsed:.1f} s with Redis down"
    assert Permit.objects.get(pk=permit.pk).state == PermitState.SUPPLEMENT_REQUESTED
    rows = list(Notification.objects.filter(kind=NotificationKind.SUPPLEMENT_REQUEST))
    keys = sorted(row.idempotency_key for row in rows)
    assert sorted(row.email for row in rows) == sorted([organisation.contact_email, signatory.email])
    assert {row.status for row in rows} == {NotificationStatus.PENDING}
    time.sleep(1)
    assert delivered_keys(mailbox) == []

    redis_server.start()
    # The sweep queues what is pending (beat does this every minute); the worker reconnects by itself.
    assert outbox_sweep() == 2
    wait_for_mail(mailbox, keys, timeout=60)
    assert_each_sent_once(mailbox, keys)
    assert outbox_sweep() == 0
    assert worker.process.poll() is None


def test_enqueueing_gives_up_fast_when_redis_hangs(redis_server, broker, transactional_db):
    # A frozen server accepts connections but never answers, like a host that has gone away.
    redis_server.freeze()
    try:
        started = time.monotonic()
        notification = write_notification("test:hung-broker")
        elapsed = time.monotonic() - started
    finally:
        redis_server.thaw()
    assert elapsed < FAST, f"writing the notification took {elapsed:.1f} s with Redis hanging"
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.PENDING
    assert notification.attempts == 0


def test_a_worker_killed_while_sending_loses_nothing_and_sends_once(broker, start_worker, mailbox):
    (mailbox / STALL).touch()
    first = start_worker(pool="prefork")
    notification = write_notification("test:killed-worker")
    # The worker's pool process has claimed the row and is in the middle of sending it.
    wait_for(lambda: (mailbox / SENDING).exists(), timeout=30, what="the worker to start sending")
    first.kill()
    (mailbox / STALL).unlink()
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.PENDING
    assert notification.claimed_until is not None
    assert delivered_keys(mailbox) == []

    # No sweep runs here: the message itself comes back, because it was acknowledged late, to the next
    # worker, which sends the row once the dead worker's claim has expired.
    start_worker()
    wait_for_mail(mailbox, [notification.idempotency_key], timeout=60)
    assert_each_sent_once(mailbox, [notification.idempotency_key])


def test_a_pool_process_killed_while_sending_loses_nothing_and_sends_once(broker, start_worker, mailbox):
    (mailbox / STALL).touch()
    worker = start_worker(pool="prefork")
    notification = write_notification("test:killed-pool-process")
    wait_for(lambda: (mailbox / SENDING).exists(), timeout=30, what="the pool process to start sending")
    pool_process = int((mailbox / SENDING).read_text())
    assert pool_process != worker.process.pid
    (mailbox / STALL).unlink()
    # As the kernel's out-of-memory killer would: the worker sees its pool process lost, puts the message
    # back at once (reject on worker loss) and a new pool process takes it, waits for the dead claim to
    # end, and sends the row.
    os.kill(pool_process, signal.SIGKILL)
    wait_for_mail(mailbox, [notification.idempotency_key], timeout=60)
    assert_each_sent_once(mailbox, [notification.idempotency_key])


def test_two_sweeps_at_once_send_each_notification_once(broker, start_worker, mailbox, monkeypatch):
    # Rows whose first queueing was lost (as in a broker outage): only the sweeps will queue them.
    with monkeypatch.context() as patch:
        patch.setattr("notifications.services.enqueue_delivery", lambda pk: False)
        keys = [write_notification(f"test:sweep:{n}").idempotency_key for n in range(20)]

    barrier = threading.Barrier(2)
    counts: list[int] = []

    def sweep() -> None:
        try:
            barrier.wait(timeout=10)
            counts.append(outbox_sweep())
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    # Both sweeps queued every row: 40 messages for 20 notifications.
    assert counts == [20, 20]

    # Two workers take the duplicates at the same time; the claim lets one of them send each row.
    start_worker()
    start_worker()
    wait_for_mail(mailbox, keys, timeout=60)
    assert_each_sent_once(mailbox, keys)


def test_the_same_notification_written_twice_is_one_row_and_one_email(broker, start_worker, mailbox):
    start_worker()
    user = UserFactory()
    with transaction.atomic():
        first = write_notification("test:idempotent", user=user)
        second = write_notification("test:idempotent", user=user)
    third = write_notification("test:idempotent", user=user)
    assert first.pk == second.pk == third.pk
    assert Notification.objects.filter(idempotency_key="test:idempotent").count() == 1
    wait_for_mail(mailbox, ["test:idempotent"])
    # Queueing the sent row again sends nothing.
    deliver.delay(first.pk)
    assert_each_sent_once(mailbox, ["test:idempotent"])


def test_two_deadline_sweeps_on_two_workers_remind_once_each(broker, start_worker, mailbox, tmp_path):
    from permits.tasks import sweep_deadlines
    from tests.factories import StaffFactory

    start_worker()
    start_worker()
    officer = StaffFactory(groups=["officer"])
    organisation = OrganisationFactory()
    today = local_date(timezone.now())
    cases = [
        PermitFactory(
            application__organisation=organisation,
            decision_due=today + timedelta(days=days),
            assigned_to=officer,
        )
        for days in (0, 7, 14)
    ]

    # Beat and a manual run (or two beats by mistake) queue the sweep at the same moment.
    sweep_deadlines.delay()
    sweep_deadlines.delay()

    logs = [tmp_path / "worker1.log", tmp_path / "worker2.log"]
    wait_for(
        lambda: sum(log.read_text().count("permits.sweep_deadlines[") for log in logs if log.exists()) >= 4,
        timeout=45,
        what="both sweeps to run",
    )
    reminders = Reminder.objects.filter(permit__in=cases)
    assert sorted(reminders.values_list("permit_id", flat=True)) == sorted(case.pk for case in cases)
    keys = [f"reminder:{reminder.pk}:{officer.pk}" for reminder in reminders]
    wait_for_mail(mailbox, keys)
    assert_each_sent_once(mailbox, keys)
