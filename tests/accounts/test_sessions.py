"""Sessions and the signed-in user: Django's own database sessions and authentication, in a session table
that names its user (accounts/sessions.py), so that a user's sessions end with the user."""

from datetime import timedelta

from django.contrib.auth.models import Permission
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import PortalSession as Session
from accounts.rules import OFFICER_PERMISSION, is_officer, officers
from accounts.sessions import user_key
from accounts.tasks import clear_expired_sessions
from tests.factories import StaffFactory, UserFactory

PROFILE = reverse("accounts:profile")
ACCESSIBILITY = reverse("accessibility")


def prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_a_signed_in_user_stays_signed_in_until_the_session_expires(client, member):
    client.force_login(member)
    assert client.get(PROFILE).status_code == 200
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(PROFILE)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_a_session_that_was_removed_signs_nobody_in(client, member):
    client.force_login(member)
    Session.objects.all().delete()
    assert client.get(PROFILE).status_code == 302


def test_a_user_key_that_is_not_a_number_names_nobody(member):
    assert user_key("not-a-number") is None
    assert user_key(str(member.pk)) == member.pk


def test_an_inactive_user_is_signed_out(client, member):
    client.force_login(member)
    member.is_active = False
    member.save(update_fields=["is_active"])
    assert client.get(PROFILE).status_code == 302


def test_pages_prepare_no_statements_of_their_own(client, officer):
    """Django's client-side binding: nothing is kept in the database session, so the portal runs behind a
    pooler in transaction mode."""
    client.force_login(officer)
    for url in (ACCESSIBILITY, reverse("permits:queue")):
        assert client.get(url).status_code == 200
    assert prepared_statements() == []


def test_the_session_names_its_user_from_sign_in_to_sign_out(client, member):
    client.get(reverse("accounts:home"))  # an anonymous session is not made for a mere visit
    client.force_login(member)
    assert Session.objects.get().user == member
    client.post(reverse("account_logout"))
    assert not Session.objects.filter(user=member).exists()


def test_a_users_sessions_end_with_the_user(client, member):
    client.force_login(member)
    member.delete()
    assert not Session.objects.exists()
    assert client.get(PROFILE).status_code == 302


def test_a_password_change_elsewhere_signs_the_session_out(client, member):
    """Django's session hash check decides."""
    client.force_login(member)
    member.set_password("a-new-and-long-passphrase")
    member.save()
    assert client.get(PROFILE).status_code == 302


def test_who_is_an_officer_is_one_rule_as_a_check_and_as_a_query(db):
    permission = Permission.objects.get(content_type__app_label="permits", codename="process_permit")
    direct = StaffFactory(groups=[])
    direct.user_permissions.add(permission)
    users = {
        "officer group": StaffFactory(groups=["officer"]),
        "direct permission": direct,
        "superuser": StaffFactory(groups=[], is_superuser=True),
        "staff without the permission": StaffFactory(groups=["registry_admin"]),
        "staff without any role": StaffFactory(groups=[]),
        "inactive officer": StaffFactory(groups=["officer"], is_active=False),
        "not staff": UserFactory(),
    }
    expected = ["officer group", "direct permission", "superuser"]
    assert [name for name, user in users.items() if is_officer(user)] == expected
    # The same as Django's own permission check says.
    assert [
        name for name, user in users.items() if user.is_staff and user.has_perm(OFFICER_PERMISSION)
    ] == expected
    listed = set(officers().values_list("pk", flat=True))
    assert [name for name, user in users.items() if user.pk in listed] == expected


def test_the_daily_task_deletes_expired_sessions_only(client, member, officer):
    client.force_login(member)
    other = type(client)()
    other.force_login(officer)
    Session.objects.filter(user=member).update(expire_date=timezone.now() - timedelta(minutes=1))
    assert clear_expired_sessions() == 1
    assert list(Session.objects.values_list("user", flat=True)) == [officer.pk]
