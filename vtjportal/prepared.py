"""Statements that run on (nearly) every request, prepared once per database connection.

PostgreSQL plans a statement each time it receives one, and for the portal's busiest statements — the
session, the signed-in user with their page facts, the work queue's queries — planning took as long as
running them. psycopg prepares a statement on the server the first time this cursor runs it on a
connection and afterwards sends only its parameters (server-side binding, which these statements are
written for; the rest of the portal keeps Django's client-side binding). PostgreSQL then plans each
execution afresh for five runs and keeps a generic plan once that is no worse, so a statement meant
for a prepared cursor writes its constants (such as the states a partial index covers) into the SQL.

Queries run here are Django's like any other: they go through the connection's cursor wrapper, so
`CaptureQueriesContext`, `assertNumQueries` and the execute wrappers see them. Prepared statements live in
the server session, so they need a direct connection or a pooler in session mode (not transaction mode).
"""

from collections.abc import Sequence
from typing import Any

import psycopg
from django.db import connection
from django.db.backends.utils import CursorWrapper
from psycopg.types.datetime import TimestamptzLoader


class _PreparingCursor(psycopg.Cursor):
    """psycopg's server-binding cursor, preparing every statement it runs (psycopg keeps an LRU of them
    per connection; Django turns automatic preparing off with `prepare_threshold`).

    Times with a time zone are read by psycopg's own loader, written in C. Django's replaces it on the
    connection with a Python subclass that only sets the time zone object — the same instant in the same
    zone (the connection's, which Django sets to UTC) — and costs several microseconds a value: a fifth of
    the time the queue's rows took to arrive.
    """

    def __init__(self, connection: psycopg.Connection) -> None:
        super().__init__(connection)
        self.adapters.register_loader("timestamptz", TimestamptzLoader)

    def execute(
        self, query: Any, params: Any = None, *, prepare: bool | None = None, binary: bool | None = None
    ):
        return super().execute(query, params, prepare=True, binary=binary)


def prepared_cursor() -> CursorWrapper:
    """A cursor on the default connection whose statements are prepared. Use it as a context manager."""
    connection.ensure_connection()
    cursor = _PreparingCursor(connection.connection)
    return (
        connection.make_debug_cursor(cursor) if connection.queries_logged else connection.make_cursor(cursor)
    )


def fetch(sql: str, params: Sequence[Any] = ()) -> list[tuple]:
    """Run a prepared statement and return its rows."""
    with prepared_cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def fetch_together(*statements: tuple[str, Sequence[Any]]) -> list[list[tuple]]:
    """Run prepared statements in one round trip (psycopg's pipeline mode) and return the rows of each.

    Each statement is its own transaction, as under autocommit; if one fails, the error is raised and the
    rest are not run. Inside a transaction they all belong to it.
    """
    cursors = [prepared_cursor() for _ in statements]
    try:
        with connection.wrap_database_errors, connection.connection.pipeline():
            for cursor, (sql, params) in zip(cursors, statements, strict=True):
                cursor.execute(sql, params)
        return [cursor.fetchall() for cursor in cursors]
    finally:
        for cursor in cursors:
            cursor.close()
