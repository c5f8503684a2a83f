"""What every signed-in page asks about its user (accounts/rules.py, the context processors): the two-factor
facts and the unread count are read on each request, so they follow every change at once, in every session."""

from allauth.mfa.models import Authenticator
from django.db import transaction
from django.urls import reverse

from accounts.rules import two_factor_state
from notifications.models import NotificationKind
from tests.conftest import with_authenticator

PROFILE = reverse("accounts:profile")
ENROL = reverse("mfa_activate_totp")
NOTIFICATIONS = reverse("notifications:list")


def notify_user(user, key: str) -> None:
    from notifications.services import notify

    with transaction.atomic():
        notify(
            kind=NotificationKind.CASE_EVENT,
            template="consultation_message",
            context={"consultation": {"subject": "News", "organisation": {"name": "Testi Oy"}}},
            language="en",
            key=key,
            user=user,
        )


def test_two_factor_facts_in_one_query(officer, member, organisation, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert two_factor_state(officer) == (True, True)  # staff must, and this one has enrolled
        assert two_factor_state(officer) == (True, True)  # kept on the user object for the request
    assert two_factor_state(member) == (False, False)
    organisation.require_mfa = True
    organisation.save()
    member.refresh_from_db()
    assert two_factor_state(type(member).objects.get(pk=member.pk)) == (True, False)


def test_staff_whose_authenticator_an_admin_deletes_is_sent_to_enrolment(client, officer):
    client.force_login(officer)
    assert client.get(PROFILE).status_code == 200
    Authenticator.objects.filter(user=officer).delete()
    assert client.get(PROFILE).url == ENROL


def test_a_member_who_removed_the_authenticator_elsewhere_must_enrol_when_it_is_required(
    client, member, organisation
):
    """Removed in another session, while the organisation did not require it; required again later."""
    with_authenticator(member)
    organisation.require_mfa = True
    organisation.save()
    client.force_login(member)
    assert client.get(PROFILE).status_code == 200
    organisation.require_mfa = False
    organisation.save()
    Authenticator.objects.filter(user=member).delete()
    assert client.get(PROFILE).status_code == 200
    organisation.require_mfa = True
    organisation.save()
    assert client.get(PROFILE).url == ENROL


def test_the_header_count_follows_new_notifications_and_reading(client, member):
    client.force_login(member)
    assert f'href="{NOTIFICATIONS}">Notifications</a>' in client.get(PROFILE).content.decode()
    notify_user(member, "test:count:1")
    notify_user(member, "test:count:2")
    assert "Notifications (2<span" in client.get(PROFILE).content.decode()
    notification = member.notifications.first()
    client.post(reverse("notifications:read", args=[notification.uuid]))
    assert "Notifications (1<span" in client.get(PROFILE).content.decode()
    client.post(reverse("notifications:read_all"))
    assert f'href="{NOTIFICATIONS}">Notifications</a>' in client.get(PROFILE).content.decode()


def test_a_deactivated_user_is_signed_out(client, member):
    client.force_login(member)
    assert client.get(PROFILE).status_code == 200
    member.is_active = False
    member.save()
    response = client.get(PROFILE)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_a_signed_in_page_reads_four_things(client, officer, django_assert_max_num_queries):
    """The session, the user, the user's facts (roles and two-factor state, one query: accounts.rules.facts)
    and the unread count."""
    client.force_login(officer)
    client.get(reverse("accessibility"))  # the idle-timeout stamp is written once a minute
    with django_assert_max_num_queries(4):
        assert client.get(reverse("accessibility")).status_code == 200
