"""Authentication backends: Django's and allauth's, loading the signed-in user with what every page asks.

Every signed-in page asks four things about its user besides the user row: whether they must use two-factor
sign-in because an organisation of theirs requires it and whether they have an authenticator (the two-factor
middleware), how many of their notifications are unread (the header), and whether they are an officer
(`permits.workflow.is_officer`, on the officers' pages). Answered as subqueries of the one
query that loads the user on each request, they cost no queries of their own and, read from the database
with the user, are never stale: nothing needs to be invalidated when an authenticator is removed, an
organisation changes its rule, or a notification arrives or is read.

The query is compiled once per process (`user_query`): compiling its subqueries through the ORM on
every request cost three times as much as running it.

A user loaded another way (at sign-in, in a test, in a shell) lacks these attributes; `accounts.middleware`
and `notifications.context_processors` then ask the database themselves.
"""

import functools
from contextvars import ContextVar

from allauth.account.auth_backends import AuthenticationBackend
from allauth.mfa.models import Authenticator
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet, Subquery

from accounts.models import Membership, User
from notifications.services import unread_count_of
from vtjportal.prepared import fetch


def with_page_facts(users: QuerySet[User]) -> QuerySet[User]:
    """`users` annotated with `mfa_required_by_organisation`, `has_totp_authenticator`,
    `unread_notification_count` and `may_process_permits` (see the module docstring)."""
    return users.annotate(
        mfa_required_by_organisation=Exists(
            Membership.objects.filter(user=OuterRef("pk"), organisation__require_mfa=True)
        ),
        has_totp_authenticator=Exists(
            Authenticator.objects.filter(user=OuterRef("pk"), type=Authenticator.Type.TOTP)
        ),
        unread_notification_count=unread_count_of(OuterRef("pk")),
        may_process_permits=ExpressionWrapper(may_process_permits(), output_field=BooleanField()),
    )


def may_process_permits() -> Q:
    """Whether a user is an officer: active staff with `permits.process_permit`, as a superuser, directly or
    through a group (what `is_staff and has_perm(...)` says with Django's ModelBackend)."""
    permission = Subquery(
        Permission.objects.filter(
            content_type__app_label="permits", content_type__model="permit", codename="process_permit"
        )
        .order_by()
        .values("pk")
    )
    return Q(is_staff=True, is_active=True) & (
        Q(is_superuser=True)
        | Exists(User.user_permissions.through.objects.filter(user=OuterRef("pk"), permission=permission))
        | Exists(User.groups.through.objects.filter(user=OuterRef("pk"), group__permissions=permission))
    )


@functools.cache
def _user_sql() -> tuple[str, tuple]:
    return with_page_facts(User._default_manager.order_by()).query.sql_with_params()


def user_query(key: str = "%s") -> tuple[str, tuple]:
    """The SQL and parameters that load the user whose key is the SQL `key` (by default, one more parameter)
    with their page facts. Compiled through the ORM once per process."""
    sql, params = _user_sql()
    table, pk = (
        connection.ops.quote_name(User._meta.db_table),
        connection.ops.quote_name(User._meta.pk.column),
    )
    return f"{sql} WHERE {table}.{pk} = {key}", params


# The columns of the query above, in order: the user's fields, then the page facts.
FIELDS = [field.attname for field in User._meta.concrete_fields]
FACTS = [
    "mfa_required_by_organisation",
    "has_totp_authenticator",
    "unread_notification_count",
    "may_process_permits",
]
PK = FIELDS.index(User._meta.pk.attname)

# The request's session while Django's `get_user` runs for it (accounts.middleware.AuthenticationMiddleware):
# once loaded, it holds its user's row (accounts/sessions.py).
request_session: ContextVar[object] = ContextVar("request_session", default=None)


def user_key(value: object) -> int | None:
    """A user's key from text (a session's), or None when it is not one."""
    try:
        return User._meta.pk.to_python(value)
    except ValidationError:
        return None


class PageFactsMixin:
    def get_user(self, user_id: int | str) -> User | None:
        """As ModelBackend.get_user, with the user's page facts read in the same query — the session's own
        when it has read them already.

        The row becomes a User with `from_db`, as the ORM makes its instances; a raw queryset would
        inspect the cursor's columns on every request.
        """
        pk = user_key(user_id)
        if pk is None:
            return None
        row = getattr(request_session.get(), "user_row", None)
        if row is None or row[PK] != pk:
            sql, params = user_query()
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
