"""PgBouncer in transaction mode: the work queue and its export, a submission and an officer's action.

Every query of these tests goes through a real PgBouncer (tests/pooling.py), whose consecutive
transactions run on different server connections. Django needs `DISABLE_SERVER_SIDE_CURSORS` there.
"""

from collections.abc import Iterator
from datetime import timedelta

import psycopg
import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from applications.models import ApplicationStatus
from permits.models import Permit, PermitState
from tests.factories import ApplicationFactory, PermitFactory
from tests.pooling import Bouncer, running_pgbouncer


@pytest.fixture
def pgbouncer(transactional_db) -> Iterator[Bouncer]:
    db = connection.settings_dict
    with running_pgbouncer(
        server_host=db["HOST"] or "127.0.0.1", server_port=int(db["PORT"] or 5432), user=db["USER"]
    ) as bouncer:
        yield bouncer


@pytest.fixture
def through_pgbouncer(pgbouncer) -> Iterator[Bouncer]:
    """The default connection reaches the test database through PgBouncer until the test ends; the flush
    after it goes straight to the server again, before the bouncer stops.

    Two clients in a transaction at once first make the bouncer open two server connections, so that the
    round robin has somewhere to move the next transactions to.
    """
    db = connection.settings_dict
    params = {"dbname": db["NAME"], "user": db["USER"], "host": pgbouncer.host, "port": pgbouncer.port}
    with psycopg.connect(**params) as first, psycopg.connect(**params) as second:
        for client in (first, second):
            client.execute("SELECT 1")  # opens a transaction, holding a server connection until its end
    direct = {key: db.get(key) for key in ("HOST", "PORT", "DISABLE_SERVER_SIDE_CURSORS")}
    db.update(HOST=pgbouncer.host, PORT=str(pgbouncer.port), DISABLE_SERVER_SIDE_CURSORS=True)
    connection.close()  # the next query connects to the bouncer
    try:
        yield pgbouncer
    finally:
        connection.close()
        db.update(direct)


def server_pids(statements: int) -> set[int]:
    with connection.cursor() as cursor:
        pids = set()
        for _ in range(statements):
            cursor.execute("SELECT pg_backend_pid()")
            pids.add(cursor.fetchone()[0])
    return pids


@pytest.mark.django_db(transaction=True)
def test_transactions_move_between_server_connections(through_pgbouncer):
    # Without this, the tests below could pass on one server connection, as if there were no pooler.
    assert len(server_pids(4)) > 1
    assert connection.connection.info.port == through_pgbouncer.port


@pytest.mark.django_db(transaction=True)
def test_officer_sees_the_work_queue(client, through_pgbouncer, officer):
    waiting = PermitFactory(state=PermitState.SUBMITTED)
    client.force_login(officer)
    for _ in range(2):  # the second request runs the same statements again, on other server connections
        response = client.get(reverse("permits:queue"))
        assert response.status_code == 200
        assert waiting.reference in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_officer_exports_the_work_queue(client, through_pgbouncer, officer):
    # The export reads its rows with `.iterator()`: a server-side cursor unless Django is told not to use
    # them, and one declared in one transaction is gone from the server connection the next one runs on.
    waiting = [PermitFactory(state=PermitState.SUBMITTED) for _ in range(3)]
    client.force_login(officer)
    response = client.get(reverse("permits:queue_csv"))
    assert response.status_code == 200
    exported = response.getvalue().decode("utf-8-sig")
    assert all(permit.reference in exported for permit in waiting)


@pytest.mark.django_db(transaction=True)
def test_signatory_submits_an_application(client, through_pgbouncer, signatory, organisation, mailoutbox):
    application = ApplicationFactory(complete=True, organisation=organisation)
    client.force_login(signatory)

    response = client.post(reverse("permits:submit", args=[application.uuid]))

    permit = Permit.objects.get(application=application)
    assert response.status_code == 302
    assert response.url == reverse("permits:case", args=[permit.uuid])
    assert permit.state == PermitState.SUBMITTED
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert permit.documents.count() == 1  # the receipt, rendered by the task queued on commit
    assert sorted(m.to[0] for m in mailoutbox) == sorted([organisation.contact_email, signatory.email])


@pytest.mark.django_db(transaction=True)
def test_officer_requests_a_supplement(client, through_pgbouncer, officer, organisation):
    permit = PermitFactory(state=PermitState.SUBMITTED, application__organisation=organisation)
    client.force_login(officer)

    response = client.post(
        reverse("permits:request_supplement", args=[permit.uuid]),
        {
            "message": "Justify the permanent address in more detail.",
            "respond_by": (timezone.localdate() + timedelta(days=30)).isoformat(),
            "revision": permit.revision,
        },
    )

    assert response.status_code == 302
    assert response.url == reverse("permits:officer_case", args=[permit.uuid])
    after = Permit.objects.get(pk=permit.pk)  # the state field is protected from refresh_from_db
    assert after.state == PermitState.SUPPLEMENT_REQUESTED
    assert after.supplements.get().officer == officer
