"""A database connection that dies between requests costs no request a 500.

Web processes keep their connection for `CONN_MAX_AGE` seconds. When PostgreSQL restarts, fails over or
a pooler drops it, the next request must find out through Django's health check (`CONN_HEALTH_CHECKS`),
which runs before the request's first query, and reconnect, rather than fail on the dead connection.
"""

import time

import psycopg
import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection
from django.urls import reverse

from permits.models import PermitState
from tests.factories import PermitFactory

PAGES = [("officer", "permits:queue"), ("member", "accounts:profile")]


@pytest.fixture
def persistent_connection(transactional_db, monkeypatch):
    """The default connection kept across requests, checked and recycled as in production.

    Django's test client leaves `close_old_connections` out of its request signals, and that receiver is
    how the WSGI handler closes connections past their age and has the next query check the connection's
    health. Here it runs at the start and end of every request again.
    """
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
    monkeypatch.setitem(connection.settings_dict, "CONN_HEALTH_CHECKS", True)
    connection.close()  # the next connection is opened with these settings

    def close_old(**kwargs: object) -> None:
        close_old_connections(**kwargs)

    request_started.connect(close_old, weak=False)
    request_finished.connect(close_old, weak=False)
    yield
    request_started.disconnect(close_old)
    request_finished.disconnect(close_old)
    connection.close()


def terminate_backends() -> set[int]:
    """End every server process of the test database from a second connection, as a failover would."""
    db = connection.settings_dict
    params = {"dbname": db["NAME"], "user": db["USER"], "host": db["HOST"], "port": db["PORT"] or 5432}
    with psycopg.connect(**params, autocommit=True) as admin:
        others = (
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        ended = {pid for (pid,) in admin.execute(others).fetchall()}
        admin.execute(f"SELECT pg_terminate_backend(pid) FROM ({others}) AS others")
        deadline = time.monotonic() + 10
        while ended & {pid for (pid,) in admin.execute(others).fetchall()}:
            assert time.monotonic() < deadline, "the terminated server processes did not end within 10 s"
            time.sleep(0.05)
    return ended


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("persona", "page"), PAGES)
def test_a_dropped_connection_costs_no_request_a_500(client, request, persistent_connection, persona, page):
    permit = PermitFactory(state=PermitState.SUBMITTED)
    client.force_login(request.getfixturevalue(persona))
    url = reverse(page)

    assert client.get(url).status_code == 200
    kept = connection.connection
    assert kept is not None and not kept.closed, "the connection should outlive the request"
    server = kept.info.backend_pid

    assert server in terminate_backends()
    assert connection.connection is kept  # the next request starts on the dead connection

    response = client.get(url)

    assert response.status_code == 200
    assert connection.connection is not kept
    assert connection.connection.info.backend_pid != server
    if page == "permits:queue":
        assert permit.reference in response.content.decode()
