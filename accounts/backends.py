"""Authentication backends: Django's and allauth's, loading the signed-in user with what every page asks.

Every signed-in page asks three things about its user besides the user row: whether they must use two-factor
sign-in because an organisation of theirs requires it and whether they have an authenticator (the two-factor
middleware), and how many of their notifications are unread (the header). Answered as subqueries of the one
query that loads the user on each request, they cost no queries of their own and, read from the database
with the user, are never stale: nothing needs to be invalidated when an authenticator is removed, an
organisation changes its rule, or a notification arrives or is read.

The query is compiled once per process (`_user_query`): compiling its three subqueries through the ORM on
every request cost three times as much as running it.

A user loaded another way (at sign-in, in a test, in a shell) lacks these attributes; `accounts.middleware`
and `notifications.context_processors` then ask the database themselves.
"""

import functools

from allauth.account.auth_backends import AuthenticationBackend
from allauth.mfa.models import Authenticator
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Exists, OuterRef, QuerySet

from accounts.models import Membership, User
from notifications.services import unread_count_of
from vtjportal.prepared import fetch


def with_page_facts(users: QuerySet[User]) -> QuerySet[User]:
    """`users` annotated with `mfa_required_by_organisation`, `has_totp_authenticator` and
    `unread_notification_count` (see the module docstring)."""
    return users.annotate(
        mfa_required_by_organisation=Exists(
            Membership.objects.filter(user=OuterRef("pk"), organisation__require_mfa=True)
        ),
        has_totp_authenticator=Exists(
            Authenticator.objects.filter(user=OuterRef("pk"), type=Authenticator.Type.TOTP)
        ),
        unread_notification_count=unread_count_of(OuterRef("pk")),
    )


@functools.cache
def _user_query() -> tuple[str, tuple]:
    """The SQL and parameters that load one user (by key, the last parameter) with their page facts."""
    sql, params = with_page_facts(User._default_manager.order_by()).query.sql_with_params()
    table, pk = (
        connection.ops.quote_name(User._meta.db_table),
        connection.ops.quote_name(User._meta.pk.column),
    )
    return f"{sql} WHERE {table}.{pk} = %s", params


# The columns of the query above, in order: the user's fields, then the page facts.
FIELDS = [field.attname for field in User._meta.concrete_fields]
FACTS = ["mfa_required_by_organisation", "has_totp_authenticator", "unread_notification_count"]


class PageFactsMixin:
    def get_user(self, user_id: int | str) -> User | None:
        """As ModelBackend.get_user, with the user's page facts read in the same query.

        The row becomes a User with `from_db`, as the ORM makes its instances; a raw queryset would
        inspect the cursor's columns on every request.
        """
        try:
            pk = User._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        sql, params = _user_query()
        rows = fetch(sql, (*params, pk))
        if not rows:
            return None
        row = rows[0]
        user = User.from_db(connection.alias, FIELDS, row[: len(FIELDS)])
        for name, value in zip(FACTS, row[len(FIELDS) :], strict=True):
            setattr(user, name, value)
        return user if self.user_can_authenticate(user) else None


class PortalModelBackend(PageFactsMixin, ModelBackend):
    """Django's ModelBackend (which signs users in by email, the USERNAME_FIELD)."""


class PortalAllauthBackend(PageFactsMixin, AuthenticationBackend):
    """allauth's backend."""
