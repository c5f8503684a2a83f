"""After the grant: terms accepted by a signatory, testing, production, revocation and expiry."""

from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import AuditEvent, MembershipRole
from applications.models import TermsVersion
from permits.models import IN_FORCE, Permit, PermitEvent, PermitState
from permits.services import decisions
from permits.views import decisions as decisions_views
from tests.factories import MembershipFactory, PermitFactory

S = PermitState


def url(name: str, permit: Permit) -> str:
    return reverse(f"permits:{name}", args=[permit.uuid])


def fresh(permit: Permit) -> Permit:
    return Permit.objects.get(pk=permit.pk)


def unchanged(permit: Permit) -> bool:
    """Nothing about the case moved: same state and revision, no event."""
    now = fresh(permit)
    return (
        now.state == permit.state
        and now.revision == permit.revision
        and not PermitEvent.objects.filter(permit=permit).exists()
    )


def terms() -> TermsVersion:
    return TermsVersion.objects.in_force()


def accept_post(permit: Permit, **overrides: object) -> dict:
    return {"revision": fresh(permit).revision, "terms_version": terms().version, "accept": "on", **overrides}


def permit_in(organisation, state: str, **fields: object) -> Permit:
    defaults = {"valid_from": date(2026, 1, 1), "valid_until": date(2030, 12, 31)}
    return PermitFactory(application__organisation=organisation, state=state, **{**defaults, **fields})


@pytest.fixture
def granted(organisation):
    return permit_in(organisation, S.GRANTED)


# -- terms ----------------------------------------------------------------------------------------


def test_signatory_accepts_the_terms_in_force(
    client, signatory, organisation, granted, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(signatory)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("terms_accept", granted), accept_post(granted))
    assert response.status_code == 302
    assert response.url == url("case", granted) + "#permit"
    permit = fresh(granted)
    assert permit.state == S.TERMS_ACCEPTED
    assert (permit.terms_version, permit.terms_accepted_by) == (terms(), signatory)
    assert timezone.now() - permit.terms_accepted_at < timedelta(minutes=1)
    assert permit.revision == granted.revision + 1
    event = permit.events.get()
    assert (event.action, event.actor, event.visible_to_applicant) == ("terms_accepted", signatory, True)
    assert terms().version in event.note
    audit = AuditEvent.objects.get(action="case_terms_accepted", target_id=str(granted.uuid))
    assert audit.details["terms_version"] == terms().version
    assert organisation.contact_email in {message.to[0] for message in mailoutbox}


def test_accepting_twice_is_refused(client, signatory, granted):
    client.force_login(signatory)
    assert client.post(url("terms_accept", granted), accept_post(granted)).status_code == 302
    accepted = fresh(granted)
    # A second tab (stale form) and a fresh form alike.
    for data in [accept_post(granted, revision=granted.revision), accept_post(granted)]:
        response = client.post(url("terms_accept", granted), data)
        assert response.status_code == 409
    assert "already been accepted" in response.content.decode()
    again = fresh(granted)
    assert (again.revision, again.terms_accepted_at) == (accepted.revision, accepted.terms_accepted_at)
    assert PermitEvent.objects.filter(permit=granted).count() == 1


def test_another_signatory_cannot_accept_again(client, signatory, organisation, granted):
    client.force_login(signatory)
    client.post(url("terms_accept", granted), accept_post(granted))
    other = MembershipFactory(organisation=organisation, is_signatory=True).user
    client.force_login(other)
    response = client.post(url("terms_accept", granted), accept_post(granted))
    assert response.status_code == 409
    assert fresh(granted).terms_accepted_by == signatory


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("member", 403),
        ("outsider", 404),
        ("officer", 403),
        ("decision_maker", 403),
        ("registry_admin", 404),
    ],
)
def test_only_a_signatory_of_the_holder_accepts(client, request, persona, status, granted):
    client.force_login(request.getfixturevalue(persona))
    response = client.post(url("terms_accept", granted), accept_post(granted))
    assert response.status_code == status
    assert unchanged(granted)
    assert fresh(granted).terms_accepted_at is None


def test_an_administrator_who_is_not_a_signatory_cannot_accept(client, organisation, granted):
    admin = MembershipFactory(organisation=organisation, role=MembershipRole.ADMIN, is_signatory=False).user
    client.force_login(admin)
    response = client.post(url("terms_accept", granted), accept_post(granted))
    assert response.status_code == 403
    assert "Only a signatory" in response.content.decode()
    assert unchanged(granted)


def test_accepting_without_ticking_the_box_is_refused(client, signatory, granted):
    client.force_login(signatory)
    data = accept_post(granted)
    del data["accept"]
    response = client.post(url("terms_accept", granted), data)
    assert response.status_code == 400
    assert unchanged(granted)


def test_terms_replaced_while_reading_are_refused(client, signatory, granted):
    read = terms().version
    TermsVersion.objects.create(
        version="2099-test", valid_from=timezone.localdate(), text_fi="Uudet", text_sv="Nya", text_en="New"
    )
    client.force_login(signatory)
    response = client.post(url("terms_accept", granted), accept_post(granted, terms_version=read))
    assert response.status_code == 409
    assert unchanged(granted)


def test_extra_fields_when_accepting_are_ignored(client, signatory, member, granted):
    client.force_login(signatory)
    data = accept_post(
        granted,
        state=S.PRODUCTION,
        terms_accepted_by=member.pk,
        terms_accepted_at="2020-01-01T00:00:00Z",
        tests_reported_at="2020-01-01T00:00:00Z",
        valid_until="2099-12-31",
    )
    assert client.post(url("terms_accept", granted), data).status_code == 302
    permit = fresh(granted)
    assert (permit.state, permit.terms_accepted_by, permit.tests_reported_at) == (
        S.TERMS_ACCEPTED,
        signatory,
        None,
    )
    assert permit.valid_until == date(2030, 12, 31)


def test_anonymous_acceptance_goes_to_sign_in(client, granted):
    response = client.post(url("terms_accept", granted), accept_post(granted))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_applicant_panel_shows_the_terms_in_the_users_language(signatory, member, officer, granted):
    signatory.language = "sv"
    signatory.save()
    in_force = terms()
    with translation.override("sv"):
        html = render_to_string(
            "permits/_applicant_permit.html", decisions_views.applicant_permit_context(signatory, granted)
        )
    # No made decision in this fixture: the panel shows nothing until there is one.
    assert html.strip() == ""
    # With a decision, the terms appear with the accept form for the signatory only.
    from permits.models import Decision, DecisionKind

    Decision.objects.create(
        permit=granted,
        kind=DecisionKind.GRANT,
        presenter=officer,
        decision_maker=MembershipFactory().user,
        decided_at=timezone.now(),
        verification_code="ABCD-EFGH-JKLM",
        conditions="Ehto.",
        valid_from=date(2026, 1, 1),
    )
    with translation.override("sv"):
        html = render_to_string(
            "permits/_applicant_permit.html", decisions_views.applicant_permit_context(signatory, granted)
        )
    assert in_force.text_sv.splitlines()[0][:40] in html
    assert url("terms_accept", granted) in html
    assert f'value="{fresh(granted).revision}"' in html
    html = render_to_string(
        "permits/_applicant_permit.html", decisions_views.applicant_permit_context(member, granted)
    )
    assert url("terms_accept", granted) not in html
    html = render_to_string(
        "permits/_applicant_permit.html", decisions_views.applicant_permit_context(officer, granted)
    )
    assert url("terms_accept", granted) not in html


# -- testing and production -----------------------------------------------------------------------


def test_officer_opens_testing_with_a_note(client, officer, organisation, django_capture_on_commit_callbacks):
    permit = permit_in(organisation, S.TERMS_ACCEPTED)
    client.force_login(officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("testing_open", permit), {"revision": permit.revision, "note": "Testiympäristö avattu 1.4."}
        )
    assert response.status_code == 302
    assert response.url == url("officer_case", permit) + "#decision"
    opened = fresh(permit)
    assert (opened.state, opened.test_access_note) == (S.TESTING, "Testiympäristö avattu 1.4.")
    event = opened.events.get()
    assert (event.action, event.actor, event.visible_to_applicant) == ("testing_opened", officer, True)


def test_opening_testing_needs_a_note(client, officer, organisation):
    permit = permit_in(organisation, S.TERMS_ACCEPTED)
    client.force_login(officer)
    response = client.post(url("testing_open", permit), {"revision": permit.revision, "note": "  "})
    assert response.status_code == 400
    assert unchanged(permit)


def test_signatory_reports_tests_done(client, signatory, organisation):
    permit = permit_in(organisation, S.TESTING, test_access_note="Testi")
    client.force_login(signatory)
    response = client.post(url("tests_report", permit), {"revision": permit.revision, "note": "Kaikki ok."})
    assert response.status_code == 302
    reported = fresh(permit)
    assert reported.state == S.TESTING
    assert reported.tests_reported_at is not None
    assert reported.revision == permit.revision + 1
    event = reported.events.get()
    assert (event.action, event.actor, event.note, event.visible_to_applicant) == (
        "tests_reported",
        signatory,
        "Kaikki ok.",
        True,
    )


def test_reporting_tests_twice_is_refused(client, signatory, organisation):
    permit = permit_in(organisation, S.TESTING)
    client.force_login(signatory)
    client.post(url("tests_report", permit), {"revision": permit.revision})
    reported = fresh(permit)
    response = client.post(url("tests_report", permit), {"revision": reported.revision})
    assert response.status_code == 409
    assert fresh(permit).tests_reported_at == reported.tests_reported_at


@pytest.mark.parametrize(
    ("persona", "status"), [("member", 403), ("outsider", 404), ("officer", 403), ("decision_maker", 403)]
)
def test_only_a_signatory_reports_tests(client, request, persona, status, organisation):
    permit = permit_in(organisation, S.TESTING)
    client.force_login(request.getfixturevalue(persona))
    response = client.post(url("tests_report", permit), {"revision": permit.revision})
    assert response.status_code == status
    assert unchanged(permit)
    assert fresh(permit).tests_reported_at is None


def test_production_before_tests_are_reported_is_refused(client, officer, organisation):
    permit = permit_in(organisation, S.TESTING)
    client.force_login(officer)
    page = client.get(url("officer_case", permit)).content.decode()
    assert url("production_confirm", permit) not in page
    assert "Waiting for the permit holder to report the tests done" in page
    response = client.post(url("production_confirm", permit), {"revision": permit.revision})
    assert response.status_code == 409
    assert "has not reported the tests done" in response.content.decode()
    assert unchanged(permit)
    assert fresh(permit).production_at is None


def test_officer_confirms_production_after_the_report(
    client, officer, signatory, organisation, mailoutbox, django_capture_on_commit_callbacks
):
    permit = permit_in(organisation, S.TESTING)
    decisions.permit_report_tests(permit=permit, user=signatory, revision=permit.revision)
    client.force_login(officer)
    assert url("production_confirm", permit) in client.get(url("officer_case", permit)).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("production_confirm", permit), {"revision": fresh(permit).revision})
    assert response.status_code == 302
    done = fresh(permit)
    assert done.state == S.PRODUCTION
    assert done.production_at is not None
    assert done.events.last().action == "production_confirmed"
    assert organisation.contact_email in {message.to[0] for message in mailoutbox}


def test_whole_flow_from_grant_to_production(signatory, officer):
    organisation = signatory.memberships.get().organisation
    permit = permit_in(organisation, S.GRANTED)

    def revision() -> int:
        return fresh(permit).revision

    decisions.permit_accept_terms(permit=permit, user=signatory, revision=revision(), terms_version=terms())
    decisions.permit_open_testing(permit=permit, officer=officer, revision=revision(), note="Testi")
    decisions.permit_report_tests(permit=permit, user=signatory, revision=revision())
    decisions.permit_confirm_production(permit=permit, officer=officer, revision=revision())
    assert fresh(permit).state == S.PRODUCTION
    assert list(permit.events.values_list("action", flat=True)) == [
        "terms_accepted",
        "testing_opened",
        "tests_reported",
        "production_confirmed",
    ]


# -- revocation -----------------------------------------------------------------------------------


@pytest.mark.parametrize("state", IN_FORCE)
def test_decision_maker_revokes_with_reasons(
    client, decision_maker, organisation, state, mailoutbox, django_capture_on_commit_callbacks
):
    permit = permit_in(organisation, state)
    client.force_login(decision_maker)
    assert url("permit_revoke", permit) in client.get(url("officer_case", permit)).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("permit_revoke", permit), {"revision": permit.revision, "reasons": "Ehtoja rikottu."}
        )
    assert response.status_code == 302
    revoked = fresh(permit)
    assert revoked.state == S.REVOKED
    assert revoked.closed_at is not None
    event = revoked.events.get()
    assert (event.action, event.actor, event.note, event.from_state) == (
        "permit_revoked",
        decision_maker,
        "Ehtoja rikottu.",
        state,
    )
    assert any("Ehtoja rikottu." in message.body for message in mailoutbox)


def test_revoking_needs_reasons(client, decision_maker, granted):
    client.force_login(decision_maker)
    response = client.post(url("permit_revoke", granted), {"revision": granted.revision, "reasons": " "})
    assert response.status_code == 400
    assert unchanged(granted)


def test_plain_officer_cannot_revoke(client, officer, granted):
    client.force_login(officer)
    assert url("permit_revoke", granted) not in client.get(url("officer_case", granted)).content.decode()
    response = client.post(url("permit_revoke", granted), {"revision": granted.revision, "reasons": "x"})
    assert response.status_code == 403
    assert unchanged(granted)


# -- who may use the officers' URLs after the grant -------------------------------------------------

OFFICER_POSTS = {
    "testing_open": (S.TERMS_ACCEPTED, {"note": "Testi"}),
    "production_confirm": (S.TESTING, {}),
    "permit_revoke": (S.GRANTED, {"reasons": "Syy"}),
}


@pytest.mark.parametrize("name", OFFICER_POSTS)
@pytest.mark.parametrize(
    ("persona", "status"),
    [("outsider", 404), ("member", 403), ("signatory", 403), ("registry_admin", 404)],
)
def test_after_grant_officer_ladder(client, request, organisation, name, persona, status):
    state, data = OFFICER_POSTS[name]
    permit = permit_in(organisation, state, tests_reported_at=timezone.now())
    client.force_login(request.getfixturevalue(persona))
    response = client.post(url(name, permit), {"revision": permit.revision, **data})
    assert response.status_code == status
    assert unchanged(permit)


ALL_POSTS = {
    "terms_accept": ("signatory", [S.GRANTED]),
    "testing_open": ("officer", [S.TERMS_ACCEPTED]),
    "tests_report": ("signatory", [S.TESTING]),
    "production_confirm": ("officer", [S.TESTING]),
    "permit_revoke": ("decision_maker", IN_FORCE),
}


@pytest.mark.parametrize(
    ("name", "state"),
    [(name, state) for name, (_, allowed) in ALL_POSTS.items() for state in S if state not in allowed],
)
def test_transitions_from_wrong_states_are_refused(client, request, organisation, name, state):
    persona, _ = ALL_POSTS[name]
    permit = permit_in(organisation, state, tests_reported_at=timezone.now())
    client.force_login(request.getfixturevalue(persona))
    data = {"revision": permit.revision, "note": "Testi", "reasons": "Syy"}
    if name == "terms_accept":
        data.update(terms_version=terms().version, accept="on")
    response = client.post(url(name, permit), data)
    assert response.status_code == 409, response.content.decode()[:200]
    assert unchanged(permit)


@pytest.mark.parametrize("name", ALL_POSTS)
def test_stale_forms_are_refused(client, request, organisation, name):
    persona, allowed = ALL_POSTS[name]
    permit = permit_in(organisation, allowed[0], tests_reported_at=timezone.now())
    # Someone else acted meanwhile.
    Permit.objects.filter(pk=permit.pk).update(revision=permit.revision + 1)
    client.force_login(request.getfixturevalue(persona))
    data = {"revision": permit.revision, "note": "Testi", "reasons": "Syy"}
    if name == "terms_accept":
        data.update(terms_version=terms().version, accept="on")
    response = client.post(url(name, permit), data)
    assert response.status_code == 409
    assert "The case changed meanwhile" in response.content.decode()
    now = fresh(permit)
    assert (now.state, now.revision) == (permit.state, permit.revision + 1)
    assert not PermitEvent.objects.filter(permit=permit).exists()


@pytest.mark.parametrize("name", ALL_POSTS)
def test_anonymous_after_grant_action_goes_to_sign_in(client, granted, name):
    response = client.post(url(name, granted), {"revision": 0})
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


# -- expiry ---------------------------------------------------------------------------------------


def test_expire_permits_expires_only_permits_past_validity_once(organisation, mailoutbox, capsys):
    today = date(2031, 1, 10)
    past = [permit_in(organisation, state, valid_until=date(2031, 1, 9)) for state in IN_FORCE]
    ends_today = permit_in(organisation, S.PRODUCTION, valid_until=today)
    open_ended = permit_in(organisation, S.PRODUCTION, valid_until=None)
    closed = [
        permit_in(organisation, state, valid_until=date(2030, 1, 1))
        for state in [S.REJECTED, S.REVOKED, S.WITHDRAWN, S.TECHNICAL_REVIEW]
    ]
    call_command("expire_permits", "--today", today.isoformat())
    assert "Expired 4 permit(s)" in capsys.readouterr().out
    for permit in past:
        expired = fresh(permit)
        assert expired.state == S.EXPIRED
        assert expired.closed_at is not None
        assert expired.revision == permit.revision + 1
        event = expired.events.get()
        assert (event.action, event.actor, event.from_state, event.to_state) == (
            "permit_expired",
            None,
            permit.state,
            S.EXPIRED,
        )
        assert (
            AuditEvent.objects.filter(action="case_permit_expired", target_id=str(permit.uuid)).count() == 1
        )
    for permit in [ends_today, open_ended, *closed]:
        assert unchanged(permit)
    # A second run finds nothing more to do.
    assert decisions.permits_expire_due(today=today) == 0
    assert PermitEvent.objects.filter(action="permit_expired").count() == 4
    assert AuditEvent.objects.filter(action="case_permit_expired").count() == 4


def test_expiry_notifies_the_holder(organisation, mailoutbox, django_capture_on_commit_callbacks):
    permit = permit_in(organisation, S.PRODUCTION, valid_until=date(2031, 1, 1))
    with django_capture_on_commit_callbacks(execute=True):
        assert decisions.permits_expire_due(today=date(2031, 1, 2)) == 1
    assert organisation.contact_email in {message.to[0] for message in mailoutbox}
    assert all(permit.reference in message.subject for message in mailoutbox)


def test_expiry_works_in_batches(organisation, monkeypatch):
    monkeypatch.setattr(decisions, "EXPIRE_BATCH", 2)
    permits = [permit_in(organisation, S.GRANTED, valid_until=date(2031, 1, 1)) for _ in range(5)]
    assert decisions.permits_expire_due(today=date(2031, 1, 2)) == 5
    assert {fresh(permit).state for permit in permits} == {S.EXPIRED}


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_expire_each_permit_once(organisation, monkeypatch):
    from tests.permits.test_decisions import race

    monkeypatch.setattr(decisions, "EXPIRE_BATCH", 3)
    permits = [permit_in(organisation, S.PRODUCTION, valid_until=date(2031, 1, 1)) for _ in range(10)]
    today = date(2031, 1, 2)

    results = race(
        lambda: decisions.permits_expire_due(today=today), lambda: decisions.permits_expire_due(today=today)
    )

    assert all(isinstance(r, int) for r in results), results
    assert sum(results) == 10
    assert {fresh(permit).state for permit in permits} == {S.EXPIRED}
    assert PermitEvent.objects.filter(action="permit_expired").count() == 10
    assert AuditEvent.objects.filter(action="case_permit_expired").count() == 10
