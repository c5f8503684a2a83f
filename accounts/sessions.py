"""Django's database sessions, kept in a table that also names the signed-in user.

This is Django's documented way of extending the database session engine ("Extending database-backed
session engines"): a model derived from `AbstractBaseSession` and a store that names it. The column
`PortalSession.user` exists so that a user's sessions end with the user (the foreign key cascades) and so
that a user's sessions can be found; reading, writing and expiring sessions are Django's own.
"""

from typing import cast

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends import db
from django.core.exceptions import ValidationError

from accounts.models import PortalSession, User


def user_key(value: object) -> int | None:
    """A user's key from the session's text, or None when it is not one."""
    try:
        return User._meta.pk.to_python(value)
    except ValidationError:
        return None


class SessionStore(db.SessionStore):
    @classmethod
    def get_model_class(cls) -> type[PortalSession]:
        return PortalSession

    def create_model_instance(self, data: dict) -> PortalSession:
        """As Django's, with the signed-in user's key beside the data."""
        # Django's makes an instance of get_model_class(), which is PortalSession; its stubs say the base.
        session = cast(PortalSession, super().create_model_instance(data))
        session.user_id = user_key(data.get(SESSION_KEY))
        return session
