"""The officers' work queue: access, filters, search, counts, paging, assigning and the CSV export."""

import csv
import html
import io
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, Organisation
from accounts.services import PortalError
from applications.models import Application, Product
from permits.models import Permit, PermitEvent
from permits.models import PermitState as S
from permits.selectors import queue
from permits.selectors.queue import csv_safe
from permits.services.assignment import permit_assign
from tests.conftest import with_authenticator
from tests.factories import OrganisationFactory, PermitFactory, StaffFactory

QUEUE = reverse("permits:queue")
CSV = reverse("permits:queue_csv")


def today():
    return timezone.localdate()


def case(**kwargs):
    """A case due in 30 days unless told otherwise."""
    kwargs.setdefault("decision_due", today() + timedelta(days=30))
    return PermitFactory(**kwargs)


def fresh(permit):
    return Permit.objects.get(pk=permit.pk)


def with_product(permit, code: str):
    Application.objects.filter(pk=permit.application_id).update(product=Product.objects.get(code=code))
    return permit


def page(response) -> str:
    return response.content.decode()


def listed(response, *permits) -> list[bool]:
    content = page(response)
    return [permit.reference in content for permit in permits]


@pytest.fixture
def signed_in(client, officer):
    client.force_login(officer)
    return client


# Access ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [QUEUE, CSV])
def test_anonymous_is_sent_to_sign_in(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


@pytest.mark.parametrize("persona", ["member", "signatory", "outsider", "registry_admin"])
@pytest.mark.parametrize("url", [QUEUE, CSV])
def test_others_than_officers_get_a_readable_403(client, db, request, persona, url):
    case(state=S.SUBMITTED)
    client.force_login(request.getfixturevalue(persona))
    response = client.get(url)
    assert response.status_code == 403
    assert "The work queue is for the authority&#x27;s officers." in page(response)


@pytest.mark.parametrize("persona", ["officer", "decision_maker"])
def test_officers_and_decision_makers_see_the_queue(client, db, request, persona):
    permit = case(state=S.SUBMITTED)
    client.force_login(request.getfixturevalue(persona))
    response = client.get(QUEUE)
    assert response.status_code == 200
    assert listed(response, permit) == [True]
    assert reverse("permits:officer_case", args=[permit.uuid]) in page(response)


def test_staff_without_an_authenticator_is_sent_to_enrol(client, staff_without_mfa):
    client.force_login(staff_without_mfa)
    response = client.get(QUEUE)
    assert response.status_code == 302
    assert response.url == reverse("mfa_activate_totp")


# The list -------------------------------------------------------------------------------------------


def test_open_cases_soonest_target_date_first_closed_ones_left_out(signed_in):
    later = case(state=S.NEGOTIATION, decision_due=today() + timedelta(days=40))
    sooner = case(state=S.SUBMITTED, decision_due=today() + timedelta(days=5))
    testing = case(state=S.TESTING, decision_due=today() - timedelta(days=60))
    closed = [case(state=state) for state in (S.REJECTED, S.WITHDRAWN, S.PRODUCTION, S.EXPIRED)]

    content = page(signed_in.get(QUEUE))

    assert content.index(testing.reference) < content.index(sooner.reference) < content.index(later.reference)
    assert not any(permit.reference in content for permit in closed)


def test_row_shows_organisation_product_state_assignee_and_deadline_in_words(signed_in, officer):
    organisation = OrganisationFactory(name="Perintä Oy", business_id="0245437-2")
    licensee = OrganisationFactory(name="Lisenssi Oy")
    permit = case(
        state=S.TECHNICAL_REVIEW,
        application__organisation=organisation,
        application__filed_by=licensee,
        decision_due=today() - timedelta(days=3),
        assigned_to=officer,
    )
    content = page(signed_in.get(QUEUE))
    assert "Perintä Oy" in content and "0245437-2" in content
    assert "Filed by Lisenssi Oy" in content
    assert "VTJ query interface" in content
    assert "Technical review" in content
    assert officer.full_name in content
    assert "Overdue by 3 days" in content
    assert f'datetime="{permit.decision_due.isoformat()}"' in content


@pytest.mark.parametrize(
    ("days", "text"), [(0, "Due today"), (1, "1 day left"), (9, "9 days left"), (-1, "Overdue by 1 day")]
)
def test_deadline_in_words(signed_in, days, text):
    case(state=S.SUBMITTED, decision_due=today() + timedelta(days=days))
    assert text in page(signed_in.get(QUEUE))


def test_text_from_the_applicant_is_escaped(signed_in):
    name = '"><script>alert(1)</script>'
    case(state=S.SUBMITTED, application__organisation=OrganisationFactory(name=name))
    content = page(signed_in.get(QUEUE))
    assert "<script>alert(1)</script>" not in content
    assert "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in content


def test_decided_cases_show_no_countdown(signed_in):
    case(state=S.GRANTED, decision_due=today() - timedelta(days=10))
    content = page(signed_in.get(QUEUE))
    assert "Decision made" in content
    assert "Overdue by" not in content


# Filters --------------------------------------------------------------------------------------------


def test_state_filter_and_a_closed_state_on_request(signed_in):
    submitted = case(state=S.SUBMITTED)
    negotiation = case(state=S.NEGOTIATION)
    rejected = case(state=S.REJECTED)
    assert listed(signed_in.get(QUEUE, {"state": "negotiation"}), submitted, negotiation, rejected) == [
        False,
        True,
        False,
    ]
    assert listed(signed_in.get(QUEUE, {"state": "rejected"}), submitted, negotiation, rejected) == [
        False,
        False,
        True,
    ]


def test_assignee_filter(signed_in, officer, decision_maker):
    mine = case(state=S.SUBMITTED, assigned_to=officer)
    theirs = case(state=S.SUBMITTED, assigned_to=decision_maker)
    nobodys = case(state=S.SUBMITTED)
    assert listed(signed_in.get(QUEUE, {"assignee": "me"}), mine, theirs, nobodys) == [True, False, False]
    assert listed(signed_in.get(QUEUE, {"assignee": "unassigned"}), mine, theirs, nobodys) == [
        False,
        False,
        True,
    ]
    assert listed(signed_in.get(QUEUE, {"assignee": ""}), mine, theirs, nobodys) == [True, True, True]


def test_product_filter(signed_in):
    interface = case(state=S.SUBMITTED)
    browser = with_product(case(state=S.SUBMITTED), "VTJKYSELY")
    response = signed_in.get(QUEUE, {"product": "VTJKYSELY"})
    assert listed(response, interface, browser) == [False, True]


def test_licensee_filters(signed_in):
    licensee, other_licensee = (
        OrganisationFactory(name="Lisenssi A Oy"),
        OrganisationFactory(name="Lisenssi B Oy"),
    )
    direct = case(state=S.SUBMITTED)
    filed = case(state=S.SUBMITTED, application__filed_by=licensee)
    filed_by_other = case(state=S.SUBMITTED, application__filed_by=other_licensee)

    assert listed(signed_in.get(QUEUE, {"filed_by_licensee": "yes"}), direct, filed, filed_by_other) == [
        False,
        True,
        True,
    ]
    assert listed(signed_in.get(QUEUE, {"filed_by_licensee": "no"}), direct, filed, filed_by_other) == [
        True,
        False,
        False,
    ]
    response = signed_in.get(QUEUE, {"licensee": str(licensee.uuid)})
    assert listed(response, direct, filed, filed_by_other) == [False, True, False]
    # The select offers the organisations that have filed, and only them.
    content = page(response)
    assert f'value="{other_licensee.uuid}"' in content
    assert f'value="{direct.application.organisation.uuid}"' not in content


def test_deadline_filters(signed_in):
    overdue = case(state=S.SUBMITTED, decision_due=today() - timedelta(days=1))
    due_today = case(state=S.NEGOTIATION, decision_due=today())
    due_soon = case(state=S.TECHNICAL_REVIEW, decision_due=today() + timedelta(days=14))
    later = case(state=S.SUBMITTED, decision_due=today() + timedelta(days=15))
    decided = case(state=S.GRANTED, decision_due=today() - timedelta(days=20))
    everything = (overdue, due_today, due_soon, later, decided)

    assert listed(signed_in.get(QUEUE, {"overdue": "1"}), *everything) == [True, False, False, False, False]
    assert listed(signed_in.get(QUEUE, {"due_soon": "1"}), *everything) == [False, True, True, False, False]
    both = signed_in.get(QUEUE, {"due_soon": "1", "overdue": "1"})
    assert listed(both, *everything) == [True, True, True, False, False]
    # A decided case has no deadline: asking for overdue granted cases finds none, and says so.
    none = signed_in.get(QUEUE, {"state": "granted", "overdue": "1"})
    assert none.status_code == 200
    assert listed(none, *everything) == [False] * 5
    assert "No cases match the filters." in page(none)


@pytest.mark.parametrize(
    "params",
    [
        {"state": "bogus"},
        {"assignee": "someone"},
        {"product": "NO_SUCH_PRODUCT"},
        {"filed_by_licensee": "maybe"},
        {"licensee": "00000000-0000-0000-0000-000000000000"},
        {"overdue": "banana"},
        {"due_soon": "2"},
        {"after": "yesterday"},
        {"before": "2026-01-01.x"},
        {"after": "2026-01-01.1", "before": "2026-01-01.2"},
        {"q": "x" * 201},
    ],
)
def test_invalid_filter_is_a_400_with_the_form_again(signed_in, params):
    permit = case(state=S.SUBMITTED)
    response = signed_in.get(QUEUE, params)
    assert response.status_code == 400
    content = page(response)
    assert "The list could not be shown: check the filters." in content
    assert 'role="search"' in content
    assert permit.reference not in content
    assert signed_in.get(CSV, params).status_code == 400


# Search ---------------------------------------------------------------------------------------------


def test_search_by_reference_name_and_business_id(signed_in):
    one = case(state=S.SUBMITTED, application__organisation=OrganisationFactory(name="Kuopion Perintä Oy"))
    two = case(state=S.SUBMITTED, application__organisation=OrganisationFactory(business_id="0246246-0"))
    three = case(state=S.SUBMITTED)

    assert listed(signed_in.get(QUEUE, {"q": one.reference}), one, two, three) == [True, False, False]
    assert listed(signed_in.get(QUEUE, {"q": three.reference[-6:]}), one, two, three) == [False, False, True]
    assert listed(signed_in.get(QUEUE, {"q": "kuopion perintä"}), one, two, three) == [True, False, False]
    assert listed(signed_in.get(QUEUE, {"q": "0246246-0"}), one, two, three) == [False, True, False]
    assert listed(signed_in.get(QUEUE, {"q": " 02462460 "}), one, two, three) == [False, True, False]
    assert listed(signed_in.get(QUEUE, {"q": "no such thing"}), one, two, three) == [False, False, False]


def test_search_takes_percent_signs_and_underscores_literally(signed_in):
    underscore = case(state=S.SUBMITTED, application__organisation=OrganisationFactory(name="Alfa_Beta Oy"))
    letter = case(state=S.SUBMITTED, application__organisation=OrganisationFactory(name="AlfaXBeta Oy"))
    percent = case(state=S.SUBMITTED, application__organisation=OrganisationFactory(name="Sata % Oy"))

    assert listed(signed_in.get(QUEUE, {"q": "alfa_beta"}), underscore, letter, percent) == [
        True,
        False,
        False,
    ]
    assert listed(signed_in.get(QUEUE, {"q": "%"}), underscore, letter, percent) == [False, False, True]
    assert listed(signed_in.get(QUEUE, {"q": "_"}), underscore, letter, percent) == [True, False, False]
    assert listed(signed_in.get(QUEUE, {"q": "\\"}), underscore, letter, percent) == [False, False, False]


def test_the_csv_and_the_page_list_the_same_cases_for_each_filter(signed_in, officer):
    """The page reads its rows with its own SQL, the export through the ORM; one condition serves both."""
    licensee = OrganisationFactory(name="Kehys Oy")
    cases = [
        case(state=S.SUBMITTED, decision_due=today() - timedelta(days=3)),
        case(state=S.SUBMITTED, assigned_to=officer, decision_due=today() + timedelta(days=5)),
        case(state=S.NEGOTIATION, application__filed_by=licensee),
        with_product(case(state=S.TESTING), "MUUTOSRAJAPINTA"),
        case(state=S.REJECTED),
    ]
    for params in [
        {},
        {"state": S.SUBMITTED},
        {"state": S.REJECTED},
        {"assignee": "me"},
        {"assignee": "unassigned"},
        {"overdue": "1"},
        {"due_soon": "1"},
        {"due_soon": "1", "overdue": "1"},
        {"filed_by_licensee": "yes"},
        {"filed_by_licensee": "no"},
        {"licensee": str(licensee.uuid)},
        {"product": "MUUTOSRAJAPINTA"},
        {"q": "Oy"},
    ]:
        on_page = listed(signed_in.get(QUEUE, params), *cases)
        exported = signed_in.get(CSV, params).getvalue().decode("utf-8-sig")
        assert on_page == [permit.reference in exported for permit in cases], params


# Counts ---------------------------------------------------------------------------------------------


def test_counts_per_state_follow_the_other_filters_but_not_the_state_filter(signed_in, officer):
    case(state=S.SUBMITTED, assigned_to=officer)
    case(state=S.SUBMITTED, assigned_to=officer)
    case(state=S.SUBMITTED)
    case(state=S.NEGOTIATION, assigned_to=officer)
    case(state=S.REJECTED, assigned_to=officer)
    user = officer
    filters = queue.QueueFilters(state=S.NEGOTIATION, assignee="me")
    counts = queue.queue_counts(user=user, filters=filters, today=today())
    assert counts[S.SUBMITTED] == 2
    assert counts[S.NEGOTIATION] == 1
    assert counts[S.TESTING] == 0
    assert S.REJECTED not in counts
    closed = queue.queue_counts(user=user, filters=queue.QueueFilters(state=S.REJECTED), today=today())
    assert closed[S.REJECTED] == 1 and closed[S.SUBMITTED] == 3

    content = page(signed_in.get(QUEUE, {"state": "negotiation", "assignee": "me"}))
    assert "Submitted: 2" in content
    assert "Negotiation: 1" in content
    assert "1 case matches." in content
    # Each count links to its state with the other filters kept.
    assert "?state=submitted&amp;assignee=me" in content or "?assignee=me&amp;state=submitted" in content


# Paging ---------------------------------------------------------------------------------------------


def test_keyset_paging_forwards_and_back(signed_in, monkeypatch):
    monkeypatch.setattr(queue, "PAGE_SIZE", 2)
    day = today() + timedelta(days=10)
    cases = [case(state=S.SUBMITTED, decision_due=day + timedelta(days=n // 2)) for n in range(5)]
    cases.sort(key=lambda p: (p.decision_due, p.pk))

    first = signed_in.get(QUEUE, {"state": "submitted"})
    assert listed(first, *cases) == [True, True, False, False, False]
    assert "5 cases match." in page(first)
    assert "Previous page" not in page(first)
    second = signed_in.get(QUEUE, {"state": "submitted", "after": f"{cases[1].decision_due}.{cases[1].pk}"})
    assert listed(second, *cases) == [False, False, True, True, False]
    assert "Previous page" in page(second) and "Next page" in page(second)
    third = signed_in.get(QUEUE, {"state": "submitted", "after": f"{cases[3].decision_due}.{cases[3].pk}"})
    assert listed(third, *cases) == [False, False, False, False, True]
    assert "Next page" not in page(third)
    back = signed_in.get(QUEUE, {"state": "submitted", "before": f"{cases[4].decision_due}.{cases[4].pk}"})
    assert listed(back, *cases) == [False, False, True, True, False]


def test_next_page_link_keeps_the_filters(signed_in, monkeypatch):
    monkeypatch.setattr(queue, "PAGE_SIZE", 1)
    case(state=S.SUBMITTED)
    second = case(state=S.SUBMITTED)
    response = signed_in.get(QUEUE, {"state": "submitted", "assignee": "unassigned"})
    content = page(response)
    assert "state=submitted" in content.split('rel="next"')[0].rsplit("href=", 1)[1]
    assert second.reference not in content


# Query count ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("cases", [3, 40])
@pytest.mark.parametrize("params", [{}, {"state": "submitted", "assignee": "unassigned", "overdue": "1"}])
def test_query_count_does_not_grow_with_the_cases(
    signed_in, officer, django_assert_max_num_queries, cases, params
):
    licensee = OrganisationFactory()
    for n in range(cases):
        case(
            state=[S.SUBMITTED, S.NEGOTIATION, S.TESTING][n % 3],
            decision_due=today() + timedelta(days=n - 20),
            assigned_to=officer if n % 4 == 0 else None,
            application__filed_by=licensee if n % 5 == 0 else None,
        )
    signed_in.get(QUEUE)  # a signed-in officer's session already carries its idle-timeout stamp
    with django_assert_max_num_queries(10):
        response = signed_in.get(QUEUE, params)
    assert response.status_code == 200


# Assigning ------------------------------------------------------------------------------------------


def assign(client, permit, assignee, *, revision=None, **extra):
    data = {"assignee": str(assignee.uuid), "revision": permit.revision if revision is None else revision}
    return client.post(reverse("permits:assign", args=[permit.uuid]), {**data, **extra})


def test_officer_assigns_a_case_to_themselves_from_the_queue(signed_in, officer, organisation):
    permit = case(state=S.SUBMITTED, application__organisation=organisation)
    back = f"{QUEUE}?state=submitted"
    response = assign(signed_in, permit, officer, next=back)
    assert response.status_code == 302 and response.url == back
    permit = fresh(permit)
    assert permit.assigned_to == officer
    assert permit.revision == 1
    event = PermitEvent.objects.get(permit=permit, action="assigned")
    assert event.actor == officer and event.visible_to_applicant is False
    assert event.from_state == event.to_state == S.SUBMITTED
    audit = AuditEvent.objects.get(action="case_assigned", target_id=str(permit.uuid))
    assert audit.actor == officer
    assert audit.details["assignee"] == str(officer.uuid)
    assert audit.organisation == organisation


def test_officer_assigns_a_case_to_a_colleague(signed_in, decision_maker):
    permit = case(state=S.NEGOTIATION)
    response = assign(signed_in, permit, decision_maker)
    assert response.status_code == 302 and response.url == QUEUE
    permit = fresh(permit)
    assert permit.assigned_to == decision_maker


def test_assignment_is_not_on_the_applicants_timeline(client, officer, member, organisation):
    permit = case(state=S.SUBMITTED, application__organisation=organisation)
    permit_assign(permit=permit, officer=officer, assignee=officer)
    client.force_login(member)
    content = page(client.get(reverse("permits:case", args=[permit.uuid])))
    assert officer.full_name not in content


def test_queue_row_offers_assign_to_me_with_the_revision(signed_in):
    permit = case(state=S.SUBMITTED, revision=7)
    content = page(signed_in.get(QUEUE))
    assert (
        f'formaction="{reverse("permits:assign", args=[permit.uuid])}" name="revision" value="7"' in content
    )
    assert "Assign to another officer" in content


def submit_assign_to_me(client, content: str, permit):
    """What a browser sends when the row's "Assign to me" button is pressed: the fields of the form the
    button names, and the button's own name and value, to the button's formaction."""
    form = re.search(r'<form id="assign-to-me" method="post">(.*?)</form>', content, re.S).group(1)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form))
    button = re.search(
        r'<button type="submit" form="assign-to-me" formaction="([^"]+)" name="revision" value="(\d+)"[^>]*>'
        rf"[^<]*<span class=\"visually-hidden\"> \({re.escape(permit.reference)}\)",
        content,
    )
    url, revision = button.groups()
    data = {name: html.unescape(value) for name, value in fields.items()}
    return client.post(html.unescape(url), {**data, "revision": revision})


def test_assign_to_me_in_a_row_assigns_that_case_and_returns_to_the_same_page(signed_in, officer):
    mine, other = case(state=S.SUBMITTED), case(state=S.SUBMITTED)
    content = page(signed_in.get(QUEUE, {"state": "submitted"}))
    assert 'name="csrfmiddlewaretoken"' in content.split('<form id="assign-to-me"', 1)[1].split("</form>")[0]
    response = submit_assign_to_me(signed_in, content, mine)
    assert response.status_code == 302 and response.url == f"{QUEUE}?state=submitted"
    assert fresh(mine).assigned_to == officer
    assert fresh(other).assigned_to is None


# Nothing of the page is remembered between requests: each shows the data as it is now.


def test_a_row_shows_what_changed_since_the_last_page_load(signed_in, officer):
    permit = case(state=S.SUBMITTED, application__organisation__name="Vanha Nimi Oy")
    first = page(signed_in.get(QUEUE))
    assert "Vanha Nimi Oy" in first and "Unassigned" in first
    Organisation.objects.filter(pk=permit.application.organisation_id).update(name="Uusi Nimi Oy")
    permit_assign(permit=fresh(permit), officer=officer, assignee=officer)
    second = page(signed_in.get(QUEUE))
    assert "Uusi Nimi Oy" in second and "Vanha Nimi Oy" not in second
    assert officer.full_name in second
    # Assigned to me now: no "Assign to me" for this row.
    assert f'Assign to me<span class="visually-hidden"> ({permit.reference})' not in second


def test_the_rows_and_counts_follow_the_language(signed_in, officer):
    case(state=S.SUBMITTED)
    assert "Submitted: 1" in page(signed_in.get(QUEUE))
    officer.language = "sv"
    officer.save(update_fields=["language"])
    content = page(signed_in.get(QUEUE))
    assert "Submitted" not in content
    assert "Tilldela mig" in content  # Assign to me


def test_the_counts_and_the_filter_form_follow_new_cases_products_and_licensees(signed_in):
    case(state=S.SUBMITTED)
    first = page(signed_in.get(QUEUE))
    assert "Submitted: 1" in first
    licensee = OrganisationFactory(name="Uusi Lisenssi Oy")
    with_product(case(state=S.SUBMITTED, application__filed_by=licensee), "KYSELYRAJAPINTA")
    Product.objects.filter(code="KYSELYRAJAPINTA").update(name_en="Renamed interface")
    second = page(signed_in.get(QUEUE))
    assert "Submitted: 2" in second
    assert f'<option value="{licensee.uuid}">Uusi Lisenssi Oy</option>' in second
    assert '<option value="KYSELYRAJAPINTA">Renamed interface</option>' in second


def test_assign_page_offers_the_officers(signed_in, officer, decision_maker, registry_admin):
    permit = case(state=S.SUBMITTED)
    response = signed_in.get(reverse("permits:assign", args=[permit.uuid]), {"next": QUEUE})
    assert response.status_code == 200
    content = page(response)
    assert f'value="{decision_maker.uuid}"' in content
    assert f'value="{registry_admin.uuid}"' not in content
    assert f'name="revision" value="{permit.revision}"' in content


@pytest.mark.parametrize("who", ["registry_admin", "member"])
def test_cannot_assign_to_someone_who_is_not_an_officer(signed_in, request, who):
    permit = case(state=S.SUBMITTED)
    response = assign(signed_in, permit, request.getfixturevalue(who))
    assert response.status_code == 400
    assert "Cases can be assigned only to officers." in page(response)
    permit = fresh(permit)
    assert permit.assigned_to is None and permit.revision == 0
    assert not PermitEvent.objects.filter(permit=permit).exists()


def test_service_refuses_a_non_officer_assignee_and_a_non_officer_actor(officer, registry_admin):
    permit = case(state=S.SUBMITTED)
    with pytest.raises(PortalError) as refused:
        permit_assign(permit=permit, officer=officer, assignee=registry_admin)
    assert refused.value.status == 400
    with pytest.raises(PortalError) as refused:
        permit_assign(permit=permit, officer=registry_admin, assignee=officer)
    assert refused.value.status == 403
    permit = fresh(permit)
    assert permit.assigned_to is None and permit.revision == 0


def test_inactive_officer_cannot_be_assigned(signed_in):
    gone = with_authenticator(StaffFactory(groups=["officer"], is_active=False))
    permit = case(state=S.SUBMITTED)
    assert assign(signed_in, permit, gone).status_code == 400
    with pytest.raises(PortalError):
        permit_assign(permit=permit, officer=StaffFactory(groups=["officer"]), assignee=gone)


@pytest.mark.parametrize(("persona", "status"), [("member", 403), ("outsider", 404), ("registry_admin", 404)])
def test_others_cannot_assign(client, request, persona, status, organisation, officer):
    permit = case(state=S.SUBMITTED, application__organisation=organisation)
    client.force_login(request.getfixturevalue(persona))
    assert assign(client, permit, officer).status_code == status
    assert client.get(reverse("permits:assign", args=[permit.uuid])).status_code == status
    permit = fresh(permit)
    assert permit.assigned_to is None


def test_stale_form_is_refused_with_409(signed_in, officer, decision_maker):
    permit = case(state=S.SUBMITTED)
    permit_assign(permit=permit, officer=decision_maker, assignee=decision_maker)
    response = assign(signed_in, permit, officer, revision=0)
    assert response.status_code == 409
    assert "The case changed meanwhile" in page(response)
    permit = fresh(permit)
    assert permit.assigned_to == decision_maker
    # The form shown again carries the current revision.
    assert f'name="revision" value="{permit.revision}"' in page(response)


def test_closed_case_cannot_be_assigned(signed_in, officer):
    permit = case(state=S.WITHDRAWN)
    response = assign(signed_in, permit, officer)
    assert response.status_code == 409
    permit = fresh(permit)
    assert permit.assigned_to is None


def test_assigning_to_the_current_assignee_changes_nothing(signed_in, officer):
    permit = case(state=S.SUBMITTED, assigned_to=officer)
    assert assign(signed_in, permit, officer).status_code == 409
    assert not PermitEvent.objects.filter(permit=permit).exists()


def test_unsafe_next_is_ignored(signed_in, officer):
    permit = case(state=S.SUBMITTED)
    response = assign(signed_in, permit, officer, next="https://evil.example/")
    assert response.status_code == 302 and response.url == QUEUE


def test_extra_fields_have_no_effect(signed_in, officer):
    permit = case(state=S.SUBMITTED)
    assign(signed_in, permit, officer, state="granted", reference="X")
    permit = fresh(permit)
    assert permit.state == S.SUBMITTED and permit.reference != "X"


# CSV ------------------------------------------------------------------------------------------------


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


def test_csv_of_the_filtered_list(signed_in, officer):
    organisation = OrganisationFactory(name="Perintä Oy", business_id="0245437-2")
    mine = case(
        state=S.SUBMITTED,
        assigned_to=officer,
        application__organisation=organisation,
        decision_due=today() - timedelta(days=2),
    )
    case(state=S.SUBMITTED)
    response = signed_in.get(CSV, {"assignee": "me"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="work-queue-{today().isoformat()}.csv"'
    header, *rows = csv_rows(response)
    assert header[:5] == ["Reference number", "Applicant", "Business ID", "Product", "State"]
    assert rows == [
        [
            mine.reference,
            "Perintä Oy",
            "0245437-2",
            "VTJ query interface",
            "Submitted",
            officer.full_name,
            mine.decision_due.isoformat(),
            "-2",
            "Overdue by 2 days",
            timezone.localtime(mine.last_activity_at).strftime("%Y-%m-%d %H:%M"),
            "",
        ]
    ]


def test_csv_export_is_audited(signed_in, officer):
    signed_in.get(CSV, {"state": "submitted"})
    event = AuditEvent.objects.get(action="queue_exported")
    assert event.actor == officer
    assert event.details["filters"]["state"] == "submitted"


def test_csv_neutralises_formulas(signed_in):
    names = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\tTab Oy", "\rReturn Oy", "Tavallinen Oy"]
    for name in names:
        case(state=S.SUBMITTED, application__organisation=OrganisationFactory(name=name))
    _header, *rows = csv_rows(signed_in.get(CSV))
    applicants = sorted(row[1] for row in rows)
    assert applicants == sorted(
        [
            "'=cmd|' /C calc'!A0",
            "'+1+1",
            "'-2+3",
            "'@SUM(A1)",
            "'\tTab Oy",
            "'\rReturn Oy",
            "Tavallinen Oy",
        ]
    )


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("=1", "'=1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@x", "'@x"),
        ("\t1", "'\t1"),
        ("\r1", "'\r1"),
        ("a=1", "a=1"),
        (-3, -3),
    ],
)
def test_csv_safe(value, safe):
    assert csv_safe(value) == safe
