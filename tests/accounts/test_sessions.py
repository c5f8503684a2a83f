"""Reading the session and the signed-in user on every request: one statement for both, prepared once per
connection (accounts/sessions.py, accounts/backends.py, accounts/middleware.py, vtjportal/prepared.py)."""

from datetime import timedelta

from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.backends import PortalModelBackend, request_session
from accounts.models import PortalSession as Session
from accounts.tasks import clear_expired_sessions
from permits.workflow import is_officer
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


def test_a_user_key_that_is_not_a_number_is_nobody(member):
    backend = PortalModelBackend()
    assert backend.get_user("not-a-number") is None
    assert backend.get_user(str(member.pk)) == member
    assert backend.get_user(member.pk + 1000) is None


def test_an_inactive_user_is_signed_out(client, member):
    client.force_login(member)
    member.is_active = False
    member.save(update_fields=["is_active"])
    assert client.get(PROFILE).status_code == 302


def test_each_page_prepares_its_statements_once_per_connection(client, officer):
    client.force_login(officer)
    client.get(ACCESSIBILITY)
    after_one = prepared_statements()
    assert any("accounts_portalsession" in sql and "accounts_user" in sql for sql in after_one)
    with CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            client.get(ACCESSIBILITY)
    # Still counted as queries (one a page: the session with its user), but no new statement per request.
    assert len(queries.captured_queries) == 3
    assert prepared_statements() == after_one


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


def test_the_row_read_with_the_session_serves_only_its_own_user(member, officer):
    """The backend takes the user's row from the request's session only when it is the row of the user that
    Django's get_user asks for; any other user is read from the database."""
    row = (officer.pk,)  # a row of another user: never used for `member`

    class Store:
        user_row = row

    token = request_session.set(Store())
    try:
        assert PortalModelBackend().get_user(member.pk) == member
    finally:
        request_session.reset(token)


def test_a_password_change_elsewhere_signs_the_session_out(client, member):
    """Django's session hash check still decides, though the user comes with the session."""
    client.force_login(member)
    member.set_password("a-new-and-long-passphrase")
    member.save()
    assert client.get(PROFILE).status_code == 302


def test_who_is_an_officer_is_read_with_the_user_as_has_perm_says(client, db):
    permission = Permission.objects.get(content_type__app_label="permits", codename="process_permit")
    direct = StaffFactory(groups=[])
    direct.user_permissions.add(permission)
    users = {
        "officer group": StaffFactory(groups=["officer"]),
        "direct permission": direct,
        "superuser": StaffFactory(groups=[], is_superuser=True),
        "staff without the permission": StaffFactory(groups=["registry_admin"]),
        "inactive officer": StaffFactory(groups=["officer"], is_active=False),
        "not staff": UserFactory(),
    }
    for name, user in users.items():
        expected = user.is_staff and user.has_perm("permits.process_permit")
        loaded = PortalModelBackend().get_user(user.pk) if user.is_active else None
        if loaded is not None:
            assert loaded.may_process_permits is expected, name
            assert is_officer(loaded) is expected, name
    assert [
        name for name, user in users.items() if user.is_staff and user.has_perm("permits.process_permit")
    ] == [
        "officer group",
        "direct permission",
        "superuser",
    ]


def test_the_daily_task_deletes_expired_sessions_only(client, member, officer):
    client.force_login(member)
    other = type(client)()
    other.force_login(officer)
    Session.objects.filter(user=member).update(expire_date=timezone.now() - timedelta(minutes=1))
    assert clear_expired_sessions() == 1
    assert list(Session.objects.values_list("user", flat=True)) == [officer.pk]
