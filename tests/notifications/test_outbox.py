"""The outbox without a broker: writing notifications, preferences, delivering, retrying, sweeping.

Tasks run inline here (tests/conftest.py), so `notify` in a committed transaction sends at once and the
email lands in Django's test outbox. test_reliability.py repeats the essentials with Redis and workers.
"""

import logging
import threading
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from accounts.models import AuditEvent
from notifications import services
from notifications.models import Notification, NotificationKind, NotificationPreference, NotificationStatus
from notifications.services import NotificationItem, notify, notify_many, outbox_sweep
from tests.factories import StaffFactory, UserFactory

CONTEXT = {"consultation": {"subject": "Which product?", "organisation": {"name": "Testi Oy"}}}


def write(key: str = "test:1", *, kind: str = NotificationKind.CONSULTATION, **kwargs) -> Notification | None:
    options = {"language": "fi", "user": None, "email": "someone@example.test", **kwargs}
    with transaction.atomic():
        return notify(
            kind=kind,
            template="consultation_message",
            context=CONTEXT,
            key=key,
            link="http://127.0.0.1:8000/consultations/",
            **options,
        )


@pytest.fixture
def no_delivery(monkeypatch):
    """Rows are written but their first queueing is lost, as when the broker is down."""
    queued = []
    monkeypatch.setattr(services, "enqueue_delivery", lambda pk, **kwargs: queued.append(pk) or False)
    return queued


@pytest.fixture
def broker_forgets(monkeypatch):
    """Whatever this test does to the broker pause is undone afterwards."""
    monkeypatch.setattr(services, "_broker_paused_until", 0.0)


# Writing -----------------------------------------------------------------------------------------


def test_notify_refuses_to_run_outside_a_transaction(transactional_db):
    with pytest.raises(RuntimeError, match="inside the transaction"):
        notify(
            kind=NotificationKind.MESSAGE,
            template="consultation_message",
            context=CONTEXT,
            language="fi",
            key="test:outside",
            email="someone@example.test",
        )
    assert not Notification.objects.exists()


def test_notification_is_rendered_in_the_recipients_language_and_waits_for_the_commit(db):
    user = UserFactory(language="sv")
    notification = write(user=user, email=None, language="sv")
    assert not mail.outbox, "nothing is sent before the commit"
    notification.refresh_from_db()
    assert notification.recipient == user
    assert notification.email == user.email
    assert notification.subject.startswith("Myndigheten har svarat")
    assert "Which product?" in notification.body_text
    assert "<html" in notification.body_html
    assert notification.status == NotificationStatus.PENDING


def test_committed_notification_is_emailed_once_with_its_key(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notification = write()
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT
    assert notification.attempts == 1
    assert notification.sent_at is not None and notification.claimed_until is None
    (message,) = mail.outbox
    assert message.to == ["someone@example.test"]
    assert message.subject == notification.subject
    assert message.extra_headers["X-VTJ-Idempotency-Key"] == "test:1"
    assert message.extra_headers["Message-ID"] == services.message_id("test:1")
    assert message.alternatives[0].mimetype == "text/html"


def test_the_same_key_twice_is_one_row_and_one_email(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = write("test:twice")
        second = write("test:twice", email="other@example.test")
    with django_capture_on_commit_callbacks(execute=True):
        third = write("test:twice")
    assert first.pk == second.pk == third.pk
    assert Notification.objects.count() == 1
    assert len(mail.outbox) == 1


def test_a_message_id_is_stable_and_differs_per_key(settings):
    settings.DEFAULT_FROM_EMAIL = "VTJ <noreply@vtj-lupa.example>"
    assert services.message_id("a") == services.message_id("a") != services.message_id("b")
    assert services.message_id("a").endswith("@vtj-lupa.example>")


def test_an_inactive_user_is_not_notified(db):
    assert write(user=UserFactory(is_active=False), email=None) is None
    assert not Notification.objects.exists()


def test_a_key_with_a_line_break_is_refused(db):
    with pytest.raises(ValueError):
        write("test:1\r\nBcc: evil@example.test")


# Writing many at once ---------------------------------------------------------------------------


def item(key: str, **kwargs) -> NotificationItem:
    options = {
        "kind": NotificationKind.CONSULTATION,
        "template": "consultation_message",
        "context": CONTEXT,
        "language": "fi",
        "link": "http://127.0.0.1:8000/consultations/",
        "email": "someone@example.test",
        **kwargs,
    }
    return NotificationItem(key=key, **options)


def test_a_batch_renders_each_row_in_its_recipients_language_as_notify_does(db):
    swedish, english = UserFactory(language="sv"), UserFactory(language="en")
    items = [
        item("batch:sv", user=swedish, email=None, language="sv"),
        item("batch:en", user=english, email=None, language="en"),
        item("batch:fi"),
    ]
    with transaction.atomic():
        rows = notify_many(items)
    one_by_one = [
        write(f"one:{n}", user=i.user, email=i.email, language=i.language) for n, i in enumerate(items)
    ]
    for row, single in zip(rows, one_by_one, strict=True):
        row.refresh_from_db()
        assert (row.recipient, row.email, row.language) == (single.recipient, single.email, single.language)
        assert (row.subject, row.body_text, row.body_html) == (
            single.subject,
            single.body_text,
            single.body_html,
        )
        assert (row.status, row.link) == (NotificationStatus.PENDING, single.link)
    assert rows[0].subject.startswith("Myndigheten har svarat")
    assert len({row.subject for row in rows}) == 3


@pytest.mark.parametrize("size", [2, 20])
def test_a_batch_takes_three_statements_whatever_its_size(db, size, django_assert_num_queries):
    users = UserFactory.create_batch(size)
    with transaction.atomic(), django_assert_num_queries(3):  # the users' email choices, the insert, the ids
        rows = notify_many([item(f"size:{n}", user=user, email=None) for n, user in enumerate(users)])
    assert [row.recipient for row in rows] == users
    assert Notification.objects.filter(pk__in=[row.pk for row in rows]).count() == size


def test_a_committed_batch_emails_each_new_row_once(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        rows = notify_many([item(f"batch:{n}", email=f"person{n}@example.test") for n in range(3)])
    assert len(callbacks) == 1, "one callback queues the whole batch"
    assert sorted(message.to[0] for message in mail.outbox) == [f"person{n}@example.test" for n in range(3)]
    assert {Notification.objects.get(pk=row.pk).status for row in rows} == {NotificationStatus.SENT}


def test_a_batch_returns_the_rows_written_before_and_queues_only_its_own(
    db, monkeypatch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = write("batch:old")
    queued = []
    monkeypatch.setattr(services, "enqueue_delivery", lambda pk, **kwargs: queued.append(pk) or True)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        old, new = notify_many([item("batch:old", email="other@example.test"), item("batch:new")])
    assert old.pk == first.pk
    assert (old.email, old.status) == ("someone@example.test", NotificationStatus.SENT)
    assert queued == [new.pk]
    assert Notification.objects.count() == 2
    assert len(mail.outbox) == 1


def test_a_batch_writes_one_row_per_key_and_none_for_nobody(
    db, no_delivery, django_capture_on_commit_callbacks
):
    in_app = UserFactory()
    NotificationPreference.objects.create(user=in_app, kind=NotificationKind.CONSULTATION, email=False)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        rows = notify_many(
            [
                item("batch:twice"),
                item("batch:twice", email="other@example.test"),
                item("batch:inactive", user=UserFactory(is_active=False), email=None),
                item("batch:nobody", email=""),
                item("batch:in-app", user=in_app, email=None),
            ]
        )
    twice, again, inactive, nobody, in_app_only = rows
    assert twice.pk == again.pk and twice.email == "someone@example.test"
    assert inactive is None and nobody is None
    assert (in_app_only.email_wanted, in_app_only.status) == (False, NotificationStatus.SKIPPED)
    assert no_delivery == [twice.pk]
    assert Notification.objects.count() == 2


def test_a_batch_with_one_bad_key_writes_nothing(db):
    with pytest.raises(ValueError), transaction.atomic():
        notify_many([item("batch:good"), item("batch:bad\r\nBcc: evil@example.test")])
    assert not Notification.objects.exists()


def test_notify_many_refuses_to_run_outside_a_transaction(transactional_db):
    with pytest.raises(RuntimeError, match="inside the transaction"):
        notify_many([item("batch:outside")])
    assert not Notification.objects.exists()


def test_a_broker_outage_costs_a_batch_one_timeout(
    db, monkeypatch, broker_forgets, django_capture_on_commit_callbacks
):
    from notifications import tasks

    calls = []

    def unreachable(*args):
        calls.append(args)
        raise OperationalError("Connection refused.")

    monkeypatch.setattr(tasks.deliver, "delay", unreachable)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        rows = notify_many([item(f"batch:outage:{n}") for n in range(5)])
    assert calls == [(rows[0].pk,)], "after the first failure the others wait for the outbox sweep"
    assert set(Notification.objects.values_list("status", flat=True)) == {NotificationStatus.PENDING}


# Preferences -------------------------------------------------------------------------------------


def test_a_user_who_chose_in_app_only_gets_no_email(db, django_capture_on_commit_callbacks):
    user = UserFactory()
    NotificationPreference.objects.create(user=user, kind=NotificationKind.CONSULTATION, email=False)
    with django_capture_on_commit_callbacks(execute=True):
        notification = write(user=user, email=None)
    notification.refresh_from_db()
    assert (notification.email_wanted, notification.status) == (False, NotificationStatus.SKIPPED)
    assert notification.recipient == user  # still in the portal
    assert not mail.outbox


def test_other_kinds_are_still_emailed(db, django_capture_on_commit_callbacks):
    user = UserFactory()
    NotificationPreference.objects.create(user=user, kind=NotificationKind.DECISION, email=False)
    with django_capture_on_commit_callbacks(execute=True):
        write(user=user, email=None)
    assert len(mail.outbox) == 1


def test_reminders_to_staff_are_emailed_whatever_they_chose(db, django_capture_on_commit_callbacks):
    officer = StaffFactory(groups=["officer"])
    NotificationPreference.objects.create(user=officer, kind=NotificationKind.REMINDER, email=False)
    with django_capture_on_commit_callbacks(execute=True):
        notification = write(kind=NotificationKind.REMINDER, user=officer, email=None)
    assert notification.email_wanted
    assert len(mail.outbox) == 1


def test_applicants_may_switch_reminders_off(db, django_capture_on_commit_callbacks):
    user = UserFactory()
    NotificationPreference.objects.create(user=user, kind=NotificationKind.REMINDER, email=False)
    with django_capture_on_commit_callbacks(execute=True):
        write(kind=NotificationKind.REMINDER, user=user, email=None)
    assert not mail.outbox


def test_preferences_update_keeps_the_kinds_that_are_always_emailed(db):
    officer = StaffFactory(groups=["officer"])
    choices = {kind: False for kind in NotificationKind.values}
    with transaction.atomic():
        changes = services.preferences_update(user=officer, email=choices)
    preferences = services.email_preferences(officer)
    assert preferences[NotificationKind.REMINDER] is True
    assert preferences[NotificationKind.INVITATION] is True
    assert preferences[NotificationKind.DECISION] is False
    assert NotificationKind.REMINDER not in changes
    event = AuditEvent.objects.get(action="notification_preferences_changed")
    assert event.actor == officer
    assert event.details["changes"][NotificationKind.DECISION] == [True, False]


def test_unchanged_preferences_write_nothing(db):
    user = UserFactory()
    assert services.preferences_update(user=user, email=services.email_preferences(user)) == {}
    assert not NotificationPreference.objects.exists()
    assert not AuditEvent.objects.filter(action="notification_preferences_changed").exists()


# Delivering --------------------------------------------------------------------------------------


def test_a_failed_send_is_kept_with_its_error_and_retried_later(db, no_delivery, settings, caplog):
    settings.EMAIL_BACKEND = "tests.notifications.mailbox.RefusingBackend"
    notification = write()
    before = timezone.now()
    with caplog.at_level(logging.WARNING, logger="notifications.services"):
        assert services.notification_deliver(notification_id=notification.pk) == "retry"
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.PENDING
    assert notification.attempts == 1
    assert notification.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"
    assert notification.claimed_until is None
    assert (
        before + timedelta(minutes=1) <= notification.next_attempt_at <= timezone.now() + timedelta(minutes=1)
    )
    assert "someone@example.test" not in caplog.text, "the address stays out of the log"


def test_the_backoff_grows_and_the_last_attempt_marks_the_row_failed(db, no_delivery, settings):
    settings.EMAIL_BACKEND = "tests.notifications.mailbox.RefusingBackend"
    notification = write()
    waits = []
    for _ in range(services.MAX_ATTEMPTS):
        started = timezone.now()
        outcome = services.notification_deliver(notification_id=notification.pk)
        notification.refresh_from_db()
        waits.append(round((notification.next_attempt_at - started).total_seconds() / 60))
    assert outcome == "failed"
    assert notification.status == NotificationStatus.FAILED
    assert notification.attempts == services.MAX_ATTEMPTS
    assert waits[:-1] == [1, 5, 15, 60, 240, 720]
    assert services.notification_deliver(notification_id=notification.pk) == "done"


def test_a_sent_row_is_never_sent_again(db, no_delivery):
    notification = write()
    assert services.notification_deliver(notification_id=notification.pk) == "sent"
    assert services.notification_deliver(notification_id=notification.pk) == "done"
    assert len(mail.outbox) == 1


def test_a_row_another_worker_holds_is_left_to_it_until_the_claim_ends(db, no_delivery):
    notification = write()
    Notification.objects.filter(pk=notification.pk).update(
        claimed_until=timezone.now() + timedelta(minutes=1)
    )
    assert services.notification_deliver(notification_id=notification.pk) == "held"
    assert not mail.outbox
    Notification.objects.filter(pk=notification.pk).update(
        claimed_until=timezone.now() - timedelta(seconds=1)
    )
    assert services.notification_deliver(notification_id=notification.pk) == "sent"
    assert len(mail.outbox) == 1


def test_rows_not_to_be_emailed_are_not_sent(db, no_delivery):
    user = UserFactory()
    NotificationPreference.objects.create(user=user, kind=NotificationKind.CONSULTATION, email=False)
    notification = write(user=user, email=None)
    assert services.notification_deliver(notification_id=notification.pk) == "done"
    assert not mail.outbox


class SlowBackend:
    """Counts sends across threads and takes its time, so that two deliveries overlap."""

    sent = 0
    lock = threading.Lock()

    def __init__(self, *args, **kwargs) -> None:
        pass

    def send_messages(self, messages) -> int:
        time.sleep(0.5)
        with SlowBackend.lock:
            SlowBackend.sent += len(messages)
        return len(messages)


def test_two_workers_delivering_one_row_at_once_send_it_once(transactional_db, no_delivery, settings):
    settings.EMAIL_BACKEND = "tests.notifications.test_outbox.SlowBackend"
    SlowBackend.sent = 0
    notification = write()
    outcomes = []
    barrier = threading.Barrier(2)

    def deliver() -> None:
        try:
            barrier.wait(timeout=5)
            outcomes.append(services.notification_deliver(notification_id=notification.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert sorted(outcomes) == ["held", "sent"]
    assert SlowBackend.sent == 1


# Queueing and sweeping ---------------------------------------------------------------------------


def test_enqueueing_with_the_broker_down_logs_and_returns(db, monkeypatch, broker_forgets, caplog):
    from notifications import tasks

    calls = []

    def unreachable(*args):
        calls.append(args)
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.deliver, "delay", unreachable)
    with caplog.at_level(logging.WARNING, logger="notifications.services"):
        assert services.enqueue_delivery(1) is False
        # The broker failed moments ago: the next notifications of this request do not wait for it again.
        assert services.enqueue_delivery(2) is False
    assert calls == [(1,)]
    assert "Could not queue notification 1" in caplog.text
    # The sweep tries anyway.
    assert services.enqueue_delivery(3, force=True) is False
    assert calls == [(1,), (3,)]


def test_a_broker_outage_does_not_fail_the_committed_action(db, monkeypatch, broker_forgets, client):
    from notifications import tasks

    def unreachable(*args):
        raise OperationalError("Connection refused.")

    monkeypatch.setattr(tasks.deliver, "delay", unreachable)
    with transaction.atomic():
        notification = write()
    # (The test's own transaction never commits: run the callback as the commit would.)
    services.enqueue_delivery(notification.pk)
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.PENDING


def test_the_sweep_queues_due_rows_that_nobody_holds(db, no_delivery, settings, monkeypatch):
    settings.NOTIFICATION_SWEEP_GRACE_SECONDS = 60
    now = timezone.now()
    due = write("test:due")
    young = write("test:young")
    held = write("test:held")
    later = write("test:later")
    sent = write("test:sent")
    expired_claim = write("test:expired-claim")
    Notification.objects.filter(pk__in=[due.pk, held.pk, sent.pk, expired_claim.pk]).update(
        next_attempt_at=now - timedelta(minutes=2)
    )
    Notification.objects.filter(pk=held.pk).update(claimed_until=now + timedelta(minutes=1))
    Notification.objects.filter(pk=expired_claim.pk).update(claimed_until=now - timedelta(minutes=1))
    Notification.objects.filter(pk=later.pk).update(next_attempt_at=now + timedelta(minutes=5))
    Notification.objects.filter(pk=sent.pk).update(status=NotificationStatus.SENT)
    queued = []
    monkeypatch.setattr(services, "enqueue_delivery", lambda pk, **kwargs: queued.append(pk) or True)
    assert outbox_sweep() == 2
    assert sorted(queued) == sorted([due.pk, expired_claim.pk])
    assert young.pk not in queued


def test_the_sweep_takes_a_bounded_batch_and_stops_when_the_broker_fails(
    db, no_delivery, settings, monkeypatch, django_assert_num_queries
):
    settings.NOTIFICATION_SWEEP_GRACE_SECONDS = 0
    rows = [write(f"test:batch:{n}") for n in range(5)]
    queued = []
    monkeypatch.setattr(services, "enqueue_delivery", lambda pk, **kwargs: queued.append(pk) or True)
    with django_assert_num_queries(1):
        assert outbox_sweep(batch=3) == 3
    assert queued == [row.pk for row in rows[:3]]
    queued.clear()
    monkeypatch.setattr(services, "enqueue_delivery", lambda pk, **kwargs: queued.append(pk) or False)
    assert outbox_sweep() == 0
    assert len(queued) == 1, "a failed queueing ends the sweep"


def test_the_sweep_sends_what_the_broker_outage_left_pending(db, no_delivery, settings, monkeypatch):
    settings.NOTIFICATION_SWEEP_GRACE_SECONDS = 0
    notification = write()
    monkeypatch.undo()  # the broker is back
    settings.NOTIFICATION_SWEEP_GRACE_SECONDS = 0
    assert outbox_sweep() == 1
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT
    assert len(mail.outbox) == 1
    assert outbox_sweep() == 0


# The existing emails go through the outbox -------------------------------------------------------


def test_an_invitation_is_an_outbox_row_keyed_by_invitation_and_address(
    org_admin, organisation, django_capture_on_commit_callbacks
):
    from accounts import services as account_services

    existing = UserFactory(email="known@example.test", language="sv")
    with django_capture_on_commit_callbacks(execute=True):
        invitation = account_services.invitation_create(
            organisation=organisation,
            inviter=org_admin,
            email="Known@Example.test",
            role="member",
            is_signatory=False,
        )
    notification = Notification.objects.get()
    assert notification.idempotency_key == f"invitation:{invitation.uuid}:known@example.test"
    assert notification.kind == NotificationKind.INVITATION
    assert notification.recipient == existing
    assert notification.language == "sv"
    assert notification.status == NotificationStatus.SENT
    assert "/invitations/accept/" in notification.body_text  # resendable from the row alone
    assert len(mail.outbox) == 1


def test_an_invitation_is_emailed_even_to_someone_who_switched_invitations_off(
    org_admin, organisation, django_capture_on_commit_callbacks
):
    from accounts import services as account_services

    existing = UserFactory(email="known@example.test")
    NotificationPreference.objects.create(user=existing, kind=NotificationKind.INVITATION, email=False)
    with django_capture_on_commit_callbacks(execute=True):
        account_services.invitation_create(
            organisation=organisation,
            inviter=org_admin,
            email=existing.email,
            role="member",
            is_signatory=False,
        )
    assert len(mail.outbox) == 1


def test_text_parts_are_not_html_escaped_but_the_html_part_is(db):
    from notifications.rendering import render_email

    context = {
        "event": {"note": "Lisätkää <liite> & perustelu."},
        "label": "Täydennyspyyntö",
        "permit": {"reference": "VTJ/2026/000001"},
        "organisation": {"name": "Meikäläinen & Co"},
        "case_url": "http://127.0.0.1:8000/cases/x/",
    }
    subject, text, html = render_email(template="case_event", language="fi", context=context)
    assert "Meikäläinen & Co" in text and "Lisätkää <liite> & perustelu." in text
    assert "&amp;" not in text and "&amp;" not in subject
    assert "Meikäläinen &amp; Co" in html and "&lt;liite&gt;" in html
