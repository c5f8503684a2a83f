"""Django's database sessions, kept with their signed-in user and read together with that user.

Every signed-in request reads its session and then its user. The session row names the user
(`PortalSession.user`, written whenever the session is saved), so one statement reads both: the session's
data and, joined to it, the user's row with their page facts (accounts/backends.py). The user row is kept
on the store; `accounts.middleware.AuthenticationMiddleware` hands it to the authentication backend, and
Django's own checks (the backend, the session hash) decide as before whether it is the signed-in user.
Writing, creating and deleting sessions are Django's own.
"""

import functools

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends import db
from django.utils import timezone

from accounts.backends import PK, user_key, user_query
from accounts.models import PortalSession
from vtjportal.prepared import fetch


@functools.cache
def _read() -> tuple[str, tuple]:
    """The session (while it has not expired) with its user's row; the user's columns are NULL without one."""
    table = f'"{PortalSession._meta.db_table}"'
    user_sql, user_params = user_query(f'{table}."{PortalSession._meta.get_field("user").column}"')
    return (
        f'SELECT {table}."session_data", {table}."expire_date", "user".* FROM {table} '
        f'LEFT JOIN LATERAL ({user_sql}) "user" ON TRUE '
        f'WHERE {table}."session_key" = %s AND {table}."expire_date" > %s'
    ), user_params


class SessionStore(db.SessionStore):
    # The signed-in user's row (accounts.backends.FIELDS and FACTS), read with the session; None without one.
    user_row: tuple | None = None

    @classmethod
    def get_model_class(cls) -> type[PortalSession]:
        return PortalSession

    def create_model_instance(self, data: dict) -> PortalSession:
        session = super().create_model_instance(data)
        session.user_id = user_key(data.get(SESSION_KEY))
        return session

    def _get_session_from_db(self) -> PortalSession | None:
        """The session row while it has not expired, as Django's store returns it; None otherwise."""
        sql, params = _read()
        rows = fetch(sql, (*params, self.session_key, timezone.now()))
        if not rows:
            self._session_key = None
            return None
        data, expire_date, *user = rows[0]
        self.user_row = tuple(user) if user[PK] is not None else None
        return PortalSession(session_key=self.session_key, session_data=data, expire_date=expire_date)
