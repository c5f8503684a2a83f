"""The officers' list of open change notifications: order, filters, words for the dates, query count."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from permits.deadlines import local_date
from permits.models import ChangeNotification, ChangeState
from tests.changes.conftest import file_change, in_force_permit
from tests.factories import MembershipFactory

C = ChangeState
URL = "permits:change_queue"


def today():
    return local_date(timezone.now())


def notifications(count: int, **fields) -> list[ChangeNotification]:
    """`count` change notifications, each of its own holder and permit, updated with `fields`."""
    made = []
    for _ in range(count):
        membership = MembershipFactory(is_signatory=True)
        change = file_change(in_force_permit(membership.organisation), membership.user)
        ChangeNotification.objects.filter(pk=change.pk).update(**fields)
        made.append(ChangeNotification.objects.get(pk=change.pk))
    return made


def test_the_list_shows_open_notifications_soonest_first(client, officer):
    (late,) = notifications(1, due=today() + timedelta(days=20))
    (overdue,) = notifications(1, due=today() - timedelta(days=3), assigned_to=officer)
    (asked,) = notifications(1, state=C.INFO_REQUESTED, due=today() + timedelta(days=5))
    (done,) = notifications(1, state=C.ACKNOWLEDGED)
    client.force_login(officer)
    page = client.get(reverse(URL)).content.decode()
    positions = [page.index(change.reference) for change in (overdue, asked, late)]
    assert positions == sorted(positions)
    assert done.reference not in page
    assert "Overdue by 3 days" in page and "20 days left" in page
    assert overdue.permit.application.organisation.name in page
    assert officer.get_full_name() in page


def test_filters_by_state_and_overdue(client, officer):
    (received,) = notifications(1, due=today() + timedelta(days=20))
    (overdue,) = notifications(1, due=today() - timedelta(days=1))
    (proposed,) = notifications(1, state=C.REVOCATION_PROPOSED, due=today() + timedelta(days=2))
    client.force_login(officer)
    page = client.get(reverse(URL), {"state": C.REVOCATION_PROPOSED}).content.decode()
    assert proposed.reference in page and received.reference not in page and overdue.reference not in page
    page = client.get(reverse(URL), {"overdue": "on"}).content.decode()
    assert overdue.reference in page and received.reference not in page and proposed.reference not in page


def test_an_amendment_required_stays_until_the_amendment_is_submitted(
    client, organisation, signatory, officer
):
    from permits.services import changes

    change = file_change(in_force_permit(organisation), signatory)
    change = changes.change_require_amendment(
        change=change, officer=officer, revision=change.revision, note="x"
    )
    client.force_login(officer)
    assert change.reference in client.get(reverse(URL)).content.decode()
    change.amendment.status = "submitted"
    change.amendment.save(update_fields=["status"])
    assert change.reference not in client.get(reverse(URL)).content.decode()


def test_a_bad_filter_answers_400(client, officer):
    client.force_login(officer)
    assert client.get(reverse(URL), {"state": "acknowledged"}).status_code == 400


@pytest.mark.parametrize(("persona", "status"), [("signatory", 403), ("outsider", 403)])
def test_only_officers_see_the_list(client, db, request, persona, status):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse(URL)).status_code == status


def test_the_query_count_does_not_grow_with_the_list(client, officer):
    client.force_login(officer)
    notifications(1, assigned_to=officer)
    client.get(reverse(URL))
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse(URL)).status_code == 200
    notifications(6, assigned_to=officer)
    notifications(3)
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse(URL)).content.decode()
    assert page.count('href="/officer/changes/') >= 10
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_the_work_queue_and_the_menu_link_to_the_list(client, officer):
    client.force_login(officer)
    page = client.get(reverse("permits:queue")).content.decode()
    assert page.count(f'href="{reverse(URL)}"') >= 2
