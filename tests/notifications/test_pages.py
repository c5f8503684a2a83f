"""The notifications page, marking read, the unread count in the header, and the email choices."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification, NotificationKind, NotificationPreference, NotificationStatus
from notifications.services import notify

LIST = reverse("notifications:list")
PREFERENCES = reverse("notifications:preferences")


def notification_for(user, subject: str = "Case VTJ/2026/000001: news", *, read: bool = False, age: int = 0):
    with transaction.atomic():
        notification = notify(
            kind=NotificationKind.CASE_EVENT,
            template="consultation_message",
            context={"consultation": {"subject": subject, "organisation": {"name": "Testi Oy"}}},
            language="en",
            key=f"test:{user.pk}:{subject}:{age}",
            link="http://127.0.0.1:8000/applications/",
            user=user,
        )
    Notification.objects.filter(pk=notification.pk).update(
        created_at=timezone.now() - timedelta(minutes=age),
        read_at=timezone.now() if read else None,
        status=NotificationStatus.SENT,
    )
    return Notification.objects.get(pk=notification.pk)


# Access ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [LIST, PREFERENCES])
def test_anonymous_is_sent_to_sign_in(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_someone_elses_notification_answers_404_and_stays_unread(client, member, outsider):
    theirs = notification_for(outsider)
    client.force_login(member)
    response = client.post(reverse("notifications:read", args=[theirs.uuid]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_marking_read_needs_post(client, member):
    notification = notification_for(member)
    client.force_login(member)
    assert client.get(reverse("notifications:read", args=[notification.uuid])).status_code == 405
    assert client.get(reverse("notifications:read_all")).status_code == 405


# The list ----------------------------------------------------------------------------------------


def test_list_shows_own_notifications_newest_first_with_unread_marked_in_words(client, member, outsider):
    notification_for(member, "Older news", read=True, age=10)
    notification_for(member, "Newer news", age=1)
    notification_for(outsider, "Not yours")
    client.force_login(member)
    page = client.get(LIST).content.decode()
    assert page.index("Newer news") < page.index("Older news")
    assert "Not yours" not in page
    assert page.count(">Unread<") == 1
    assert "Mark all read" in page


def test_the_header_shows_the_unread_count(client, member):
    notification_for(member, "One", age=1)
    notification_for(member, "Two", age=2)
    notification_for(member, "Three", read=True, age=3)
    client.force_login(member)
    page = client.get(reverse("accounts:home"), follow=True).content.decode()
    assert f'href="{LIST}"' in page
    assert "Notifications (2<span" in page


def test_the_header_shows_no_count_when_all_are_read(client, member):
    notification_for(member, read=True)
    client.force_login(member)
    page = client.get(reverse("accounts:home"), follow=True).content.decode()
    assert f'href="{LIST}">Notifications</a>' in page


@pytest.mark.parametrize("count", [3, 30])
def test_list_query_count_does_not_grow(client, member, count, django_assert_max_num_queries):
    for n in range(count):
        notification_for(member, f"News {n}", age=n, read=n % 2 == 0)
    client.force_login(member)
    # Sign-in, session and header take 7; the page: one count for the pager and one for its rows.
    with django_assert_max_num_queries(9):
        response = client.get(LIST)
    assert response.status_code == 200


def test_the_list_is_paged(client, member):
    for n in range(30):
        notification_for(member, f"News {n:02d}", age=n)
    client.force_login(member)
    first = client.get(LIST).content.decode()
    assert "News 00" in first and "News 29" not in first
    second = client.get(LIST, {"page": 2}).content.decode()
    assert "News 29" in second and "News 00" not in second


# Marking read ------------------------------------------------------------------------------------


def test_member_marks_one_read(client, member):
    notification = notification_for(member)
    other = notification_for(member, "Other")
    client.force_login(member)
    response = client.post(
        reverse("notifications:read", args=[notification.uuid]), {"next": f"{LIST}?page=1"}
    )
    assert response.status_code == 302
    assert response.url == f"{LIST}?page=1"
    notification.refresh_from_db()
    other.refresh_from_db()
    assert notification.read_at is not None
    assert other.read_at is None


def test_opening_a_notification_marks_it_read_and_goes_to_its_page(client, member, settings):
    settings.SITE_URL = "http://127.0.0.1:8000"
    notification = notification_for(member)
    client.force_login(member)
    response = client.post(reverse("notifications:read", args=[notification.uuid]), {"open": "1"})
    assert response.status_code == 302
    assert response.url == notification.link
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_marking_read_never_redirects_to_another_site(client, member):
    notification = notification_for(member)
    client.force_login(member)
    response = client.post(
        reverse("notifications:read", args=[notification.uuid]), {"next": "https://evil.example/"}
    )
    assert response.url == LIST


def test_member_marks_all_read_and_only_their_own(client, member, outsider):
    mine = [notification_for(member, f"Mine {n}", age=n) for n in range(3)]
    theirs = notification_for(outsider)
    client.force_login(member)
    response = client.post(reverse("notifications:read_all"))
    assert response.status_code == 302
    assert all(Notification.objects.get(pk=n.pk).read_at for n in mine)
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_reading_again_keeps_the_first_time(client, member):
    notification = notification_for(member, read=True)
    first = notification.read_at
    client.force_login(member)
    client.post(reverse("notifications:read", args=[notification.uuid]))
    client.post(reverse("notifications:read_all"))
    notification.refresh_from_db()
    assert notification.read_at == first


# Email choices -----------------------------------------------------------------------------------


def test_member_switches_decision_emails_off(client, member):
    client.force_login(member)
    data = {kind: "on" for kind in NotificationKind.values if kind != NotificationKind.DECISION}
    response = client.post(PREFERENCES, data)
    assert response.status_code == 302
    assert NotificationPreference.objects.get(user=member, kind=NotificationKind.DECISION).email is False
    assert not NotificationPreference.objects.filter(user=member, email=False).exclude(
        kind=NotificationKind.DECISION
    )


def test_staff_see_reminders_disabled_with_the_reason(client, officer):
    client.force_login(officer)
    page = client.get(PREFERENCES).content.decode()
    assert 'name="reminder"' in page
    reminder_input = page.split('name="reminder"')[1].split(">")[0]
    assert "disabled" in reminder_input and "checked" in reminder_input
    assert "Always emailed to authority staff" in page


def test_staff_cannot_switch_reminders_off_by_posting(client, officer):
    client.force_login(officer)
    response = client.post(PREFERENCES, {})  # every box unticked, reminders included
    assert response.status_code == 302
    assert not NotificationPreference.objects.filter(user=officer, kind=NotificationKind.REMINDER).exists()
    assert NotificationPreference.objects.get(user=officer, kind=NotificationKind.DECISION).email is False


def test_applicants_may_switch_reminders_off(client, member):
    client.force_login(member)
    client.post(PREFERENCES, {})
    assert NotificationPreference.objects.get(user=member, kind=NotificationKind.REMINDER).email is False


def test_preferences_page_is_translated(client, member):
    member.language = "fi"
    member.save()
    client.force_login(member)
    page = client.get(PREFERENCES).content.decode()
    assert "Ilmoitusvalinnat" in page
