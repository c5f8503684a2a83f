"""Django's database sessions, read with one statement written out once.

Every signed-in request reads its session. Django's store builds that query through the ORM each time,
which costs several times what running it does; this store runs the same SELECT as plain SQL. Writing,
creating and deleting sessions are Django's own.
"""

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.utils import timezone

from vtjportal.prepared import fetch

TABLE = Session._meta.db_table
READ = f'SELECT "session_data", "expire_date" FROM "{TABLE}" WHERE "session_key" = %s AND "expire_date" > %s'


class SessionStore(db.SessionStore):
    def _get_session_from_db(self) -> Session | None:
        """The session row while it has not expired, as Django's store returns it; None otherwise."""
        rows = fetch(READ, [self.session_key, timezone.now()])
        if not rows:
            self._session_key = None
            return None
        row = rows[0]
        return Session(session_key=self.session_key, session_data=row[0], expire_date=row[1])
