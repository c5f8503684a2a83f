"""Reading the session and the signed-in user on every request: plain SQL, prepared once per connection
(accounts/sessions.py, accounts/backends.py, vtjportal/prepared.py)."""

from datetime import timedelta

from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.backends import PortalModelBackend

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
    assert any("django_session" in statement for statement in after_one)
    assert any("accounts_user" in statement for statement in after_one)
    with CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            client.get(ACCESSIBILITY)
    # Still counted as queries (two a page: the session and the user), but no new statement per request.
    assert len(queries.captured_queries) == 6
    assert prepared_statements() == after_one
