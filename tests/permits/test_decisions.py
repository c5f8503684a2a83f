"""Decisions with four eyes: drafting a grant or a rejection, deciding, discarding, and the decision PDF."""

import hashlib
import re
import threading
from collections.abc import Callable
from datetime import date

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import formats, translation

from accounts.models import AuditEvent
from accounts.services import PortalError
from applications.models import DataGroup
from permits.deadlines import local_date
from permits.models import (
    DECIDABLE,
    Decision,
    DecisionKind,
    DocumentKind,
    Permit,
    PermitDocument,
    PermitEvent,
    PermitState,
)
from permits.selectors import decisions as decisions_selectors
from permits.services import decisions
from tests.conftest import with_authenticator
from tests.factories import OrganisationFactory, PermitFactory, StaffFactory, UserFactory
from tests.permits.conftest import pdf_text, squash

S = PermitState
CONDITIONS = "Tietoja ei saa luovuttaa eteenpäin.\nJokainen kysely on jäljitettävä."
REASONS = "Käyttötarkoitus ei oikeuta henkilötunnuksen käyttöön."


def url(name: str, permit: Permit) -> str:
    return reverse(f"permits:{name}", args=[permit.uuid])


def fresh(permit: Permit) -> Permit:
    return Permit.objects.get(pk=permit.pk)


def requested(permit: Permit) -> list[DataGroup]:
    return list(decisions_selectors.requested_groups(permit))


def grant_post(permit: Permit, **overrides: object) -> dict:
    data = {
        "revision": fresh(permit).revision,
        "granted_groups": [group.pk for group in requested(permit)],
        "conditions": CONDITIONS,
        "valid_from": "2026-03-01",
        "valid_until": "2029-02-28",
    }
    data.update(overrides)
    return data


def draft_grant(permit: Permit, presenter, **overrides: object) -> Decision:
    fields = {
        "granted_groups": requested(permit),
        "conditions": CONDITIONS,
        "valid_from": date(2026, 3, 1),
        "valid_until": date(2029, 2, 28),
    }
    fields.update(overrides)
    return decisions.decision_draft_grant(
        permit=permit, presenter=presenter, revision=fresh(permit).revision, **fields
    )


def draft_reject(permit: Permit, presenter) -> Decision:
    return decisions.decision_draft_reject(
        permit=permit, presenter=presenter, revision=fresh(permit).revision, reasons=REASONS
    )


@pytest.fixture
def case(organisation):
    return PermitFactory(application__organisation=organisation, state=S.TECHNICAL_REVIEW)


@pytest.fixture
def second_decision_maker(db):
    return with_authenticator(StaffFactory(groups=["officer", "decision_maker"]))


# -- drafting -------------------------------------------------------------------------------------


def test_officers_page_offers_drafts_with_standard_conditions_in_the_officers_language(client, officer, case):
    officer.language = "en"
    officer.save()
    client.force_login(officer)
    response = client.get(url("officer_case", case))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="decision"' in html
    assert "The data is not public." in html
    assert "Every query must be traceable to a named end user" in html
    assert url("decision_draft_grant", case) in html
    assert url("decision_draft_reject", case) in html
    # Nothing to decide yet, and nothing that follows a grant.
    assert url("decision_make", case) not in html
    assert url("permit_revoke", case) not in html


def test_officer_drafts_a_grant_without_changing_the_state(client, officer, case, mailoutbox):
    before = fresh(case).revision
    client.force_login(officer)
    response = client.post(url("decision_draft_grant", case), grant_post(case))
    assert response.status_code == 302
    assert response.url == url("officer_case", case) + "#decision"
    draft = Decision.objects.get(permit=case)
    assert (draft.kind, draft.presenter, draft.is_pending) == (DecisionKind.GRANT, officer, True)
    assert set(draft.granted_groups.all()) == set(requested(case))
    assert draft.conditions == CONDITIONS
    assert (draft.valid_from, draft.valid_until) == (date(2026, 3, 1), date(2029, 2, 28))
    permit = fresh(case)
    assert permit.state == S.TECHNICAL_REVIEW
    assert permit.revision == before + 1
    event = PermitEvent.objects.get(permit=case)
    assert (event.action, event.actor, event.visible_to_applicant) == ("grant_drafted", officer, False)
    assert AuditEvent.objects.filter(action="case_grant_drafted", target_id=str(case.uuid)).exists()
    assert mailoutbox == []


def test_officer_drafts_a_rejection(client, officer, case):
    client.force_login(officer)
    response = client.post(
        url("decision_draft_reject", case), {"revision": case.revision, "reasons": REASONS}
    )
    assert response.status_code == 302
    draft = Decision.objects.get(permit=case)
    assert (draft.kind, draft.reasons) == (DecisionKind.REJECT, REASONS)
    assert fresh(case).state == S.TECHNICAL_REVIEW


def test_redrafting_discards_the_pending_draft(officer, decision_maker, case):
    first = draft_grant(case, officer)
    second = draft_reject(case, decision_maker)
    first.refresh_from_db()
    assert first.discarded_at is not None
    assert second.is_pending
    assert Decision.objects.filter(permit=case, decided_at=None, discarded_at=None).get() == second
    event = PermitEvent.objects.filter(permit=case).last()
    assert event.action == "rejection_drafted"
    audit = AuditEvent.objects.filter(action="case_rejection_drafted").get()
    assert audit.details["replaces"] == str(first.uuid)


def test_database_allows_one_pending_draft_per_case(officer, case):
    draft_grant(case, officer)
    with pytest.raises(IntegrityError), transaction.atomic():
        Decision.objects.create(permit=case, kind=DecisionKind.REJECT, presenter=officer, reasons="x")


def test_granted_groups_outside_the_requested_ones_are_refused(client, officer, case):
    outside = DataGroup.objects.get(code="HENKILOTUNNUS")
    assert outside not in requested(case)
    client.force_login(officer)
    response = client.post(
        url("decision_draft_grant", case),
        grant_post(case, granted_groups=[requested(case)[0].pk, outside.pk]),
    )
    assert response.status_code == 400
    assert 'id="decision"' in response.content.decode()
    assert not Decision.objects.exists()
    assert fresh(case).revision == case.revision
    assert not PermitEvent.objects.exists()


def test_service_refuses_groups_outside_the_requested_ones(officer, case):
    outside = DataGroup.objects.get(code="TURVAKIELTO")
    with pytest.raises(PortalError) as refused:
        draft_grant(case, officer, granted_groups=[*requested(case), outside])
    assert refused.value.status == 400
    assert not Decision.objects.exists()
    assert fresh(case).revision == case.revision


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"granted_groups": []}, "granted_groups"),
        ({"conditions": "   "}, "conditions"),
        ({"valid_from": ""}, "valid_from"),
        ({"valid_from": "2026-03-01", "valid_until": "2026-02-28"}, "valid_until"),
        ({"valid_from": "not a date"}, "valid_from"),
    ],
)
def test_bad_grant_drafts_are_refused_with_the_form(client, officer, case, overrides, field):
    client.force_login(officer)
    response = client.post(url("decision_draft_grant", case), grant_post(case, **overrides))
    assert response.status_code == 400
    assert f'id="id_grant_{field}_error"' in response.content.decode()
    assert not Decision.objects.exists()


def test_grant_until_further_notice_is_allowed(client, officer, case):
    client.force_login(officer)
    response = client.post(url("decision_draft_grant", case), grant_post(case, valid_until=""))
    assert response.status_code == 302
    assert Decision.objects.get().valid_until is None


@pytest.mark.parametrize("reasons", ["", "   \n "])
def test_rejection_without_reasons_is_refused(client, officer, case, reasons):
    client.force_login(officer)
    response = client.post(
        url("decision_draft_reject", case), {"revision": case.revision, "reasons": reasons}
    )
    assert response.status_code == 400
    assert not Decision.objects.exists()
    with pytest.raises(PortalError) as refused:
        decisions.decision_draft_reject(
            permit=case, presenter=officer, revision=case.revision, reasons=reasons
        )
    assert refused.value.status == 400
    assert not Decision.objects.exists()


@pytest.mark.parametrize("state", sorted(set(S) - set(DECIDABLE)))
def test_drafting_outside_the_decidable_states_is_refused(client, officer, organisation, state):
    permit = PermitFactory(application__organisation=organisation, state=state)
    client.force_login(officer)
    for name, data in [
        ("decision_draft_grant", grant_post(permit)),
        ("decision_draft_reject", {"revision": permit.revision, "reasons": REASONS}),
    ]:
        response = client.post(url(name, permit), data)
        assert response.status_code == 409, name
    assert not Decision.objects.exists()
    assert fresh(permit).revision == permit.revision
    assert not PermitEvent.objects.exists()


def test_extra_fields_in_a_draft_are_ignored(client, officer, decision_maker, case):
    client.force_login(officer)
    data = grant_post(
        case,
        state=S.PRODUCTION,
        presenter=decision_maker.pk,
        decision_maker=decision_maker.pk,
        decided_at="2026-01-01T00:00:00Z",
        verification_code="AAAA-AAAA-AAAA",
        kind=DecisionKind.REJECT,
    )
    response = client.post(url("decision_draft_grant", case), data)
    assert response.status_code == 302
    draft = Decision.objects.get()
    assert (draft.kind, draft.presenter, draft.decision_maker) == (DecisionKind.GRANT, officer, None)
    assert (draft.decided_at, draft.verification_code) == (None, None)
    assert fresh(case).state == S.TECHNICAL_REVIEW


# -- deciding with four eyes -----------------------------------------------------------------------


def test_presenter_cannot_decide_their_own_draft(client, decision_maker, case):
    draft = draft_grant(case, decision_maker)
    revision = fresh(case).revision
    client.force_login(decision_maker)
    response = client.get(url("officer_case", case))
    assert url("decision_make", case) not in response.content.decode()
    assert "another decision maker must make it" in response.content.decode()
    response = client.post(url("decision_make", case), {"revision": revision})
    assert response.status_code == 403
    assert "You drafted this decision; another decision maker must make it." in response.content.decode()
    permit = fresh(case)
    assert (permit.state, permit.revision, permit.decided_at) == (S.TECHNICAL_REVIEW, revision, None)
    draft.refresh_from_db()
    assert draft.is_pending and draft.decision_maker is None and draft.verification_code is None
    assert not PermitDocument.objects.filter(kind=DocumentKind.DECISION).exists()


def test_database_refuses_a_decision_by_its_presenter(decision_maker, case):
    draft = draft_grant(case, decision_maker)
    with pytest.raises(IntegrityError), transaction.atomic():
        Decision.objects.filter(pk=draft.pk).update(decision_maker=decision_maker)


def test_plain_officer_cannot_decide(client, officer, decision_maker, case):
    draft_grant(case, decision_maker)
    revision = fresh(case).revision
    client.force_login(officer)
    assert url("decision_make", case) not in client.get(url("officer_case", case)).content.decode()
    response = client.post(url("decision_make", case), {"revision": revision})
    assert response.status_code == 403
    assert "Only a decision maker can make the decision." in response.content.decode()
    assert fresh(case).state == S.TECHNICAL_REVIEW
    assert Decision.objects.get().is_pending


def test_another_decision_maker_grants(
    client,
    officer,
    decision_maker,
    case,
    organisation,
    signatory,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    draft = draft_grant(case, officer)
    client.force_login(decision_maker)
    page = client.get(url("officer_case", case)).content.decode()
    assert url("decision_make", case) in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("decision_make", case), {"revision": fresh(case).revision})
    assert response.status_code == 302
    assert response.url == url("officer_case", case) + "#decision"
    permit = fresh(case)
    assert permit.state == S.GRANTED
    assert permit.decided_at is not None and permit.closed_at is None
    assert set(permit.granted_groups.all()) == set(draft.granted_groups.all())
    assert (permit.conditions, permit.valid_from, permit.valid_until) == (
        CONDITIONS,
        date(2026, 3, 1),
        date(2029, 2, 28),
    )
    draft.refresh_from_db()
    assert (draft.decision_maker, draft.decided_at) == (decision_maker, permit.decided_at)
    assert re.fullmatch(r"[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}", draft.verification_code)
    event = permit.events.get(action="decision_granted")
    assert (event.actor, event.from_state, event.to_state) == (decision_maker, S.TECHNICAL_REVIEW, S.GRANTED)
    assert event.visible_to_applicant
    assert AuditEvent.objects.filter(action="case_decision_granted", target_id=str(case.uuid)).exists()
    document = PermitDocument.objects.get(permit=case, kind=DocumentKind.DECISION)
    assert document.sha256 == hashlib.sha256(document.file.read()).hexdigest()
    recipients = {message.to[0] for message in mailoutbox}
    assert {organisation.contact_email, signatory.email} <= recipients
    assert all(case.reference in message.subject for message in mailoutbox)


def test_another_decision_maker_rejects(
    client, officer, decision_maker, case, mailoutbox, django_capture_on_commit_callbacks
):
    draft_reject(case, officer)
    client.force_login(decision_maker)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("decision_make", case), {"revision": fresh(case).revision})
    assert response.status_code == 302
    permit = fresh(case)
    assert permit.state == S.REJECTED
    assert permit.closed_at is not None
    assert not permit.granted_groups.exists()
    event = permit.events.get(action="decision_rejected")
    assert event.note == REASONS and event.visible_to_applicant
    assert PermitDocument.objects.filter(permit=case, kind=DocumentKind.DECISION).exists()
    assert any(REASONS in message.body for message in mailoutbox)


def test_deciding_without_a_draft_is_refused(client, decision_maker, case):
    client.force_login(decision_maker)
    response = client.post(url("decision_make", case), {"revision": case.revision})
    assert response.status_code == 409
    assert fresh(case).state == S.TECHNICAL_REVIEW
    assert not PermitEvent.objects.exists()


@pytest.mark.parametrize("state", sorted(set(S) - set(DECIDABLE)))
def test_deciding_outside_the_decidable_states_is_refused(
    client, officer, decision_maker, organisation, state
):
    permit = PermitFactory(application__organisation=organisation, state=state)
    draft = Decision.objects.create(
        permit=permit, kind=DecisionKind.REJECT, presenter=officer, reasons=REASONS
    )
    client.force_login(decision_maker)
    response = client.post(url("decision_make", permit), {"revision": permit.revision})
    assert response.status_code == 409
    assert fresh(permit).state == state
    assert fresh(permit).revision == permit.revision
    draft.refresh_from_db()
    assert draft.is_pending


def test_a_stale_decide_form_is_refused(client, officer, decision_maker, second_decision_maker, case):
    draft_grant(case, officer)
    shown = fresh(case).revision
    # Meanwhile another decision maker replaces the draft with a rejection.
    draft_reject(case, second_decision_maker)
    client.force_login(decision_maker)
    response = client.post(url("decision_make", case), {"revision": shown})
    assert response.status_code == 409
    assert "The case changed meanwhile" in response.content.decode()
    assert fresh(case).state == S.TECHNICAL_REVIEW
    assert Decision.objects.filter(decided_at__isnull=False).count() == 0


def test_a_decision_is_made_once(decision_maker, second_decision_maker, officer, case):
    draft_grant(case, officer)
    decisions.decision_make(permit=case, decision_maker=decision_maker, revision=fresh(case).revision)
    with pytest.raises(PortalError) as refused:
        decisions.decision_make(
            permit=case, decision_maker=second_decision_maker, revision=fresh(case).revision
        )
    assert refused.value.status == 409
    assert Decision.objects.filter(decided_at__isnull=False).count() == 1


def test_decision_without_revision_is_refused_as_bad_input(client, officer, decision_maker, case):
    draft_grant(case, officer)
    client.force_login(decision_maker)
    response = client.post(url("decision_make", case), {})
    assert response.status_code == 400
    assert fresh(case).state == S.TECHNICAL_REVIEW


# -- discarding -----------------------------------------------------------------------------------


def test_decision_maker_discards_a_draft(client, officer, decision_maker, case):
    draft = draft_grant(case, officer)
    client.force_login(decision_maker)
    response = client.post(
        url("decision_discard", case), {"revision": fresh(case).revision, "note": "Ehdot puutteelliset."}
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.discarded_at is not None and draft.decided_at is None
    event = PermitEvent.objects.filter(permit=case).last()
    assert (event.action, event.note, event.visible_to_applicant) == (
        "draft_discarded",
        "Ehdot puutteelliset.",
        False,
    )
    assert fresh(case).state == S.TECHNICAL_REVIEW


def test_discarding_without_a_draft_is_refused(client, decision_maker, case):
    client.force_login(decision_maker)
    response = client.post(url("decision_discard", case), {"revision": case.revision})
    assert response.status_code == 409


# -- who may use the decision URLs -----------------------------------------------------------------

OFFICER_ACTIONS = ["decision_draft_grant", "decision_draft_reject", "decision_discard", "decision_make"]


@pytest.mark.parametrize("name", OFFICER_ACTIONS)
@pytest.mark.parametrize(
    ("persona", "status"),
    [("outsider", 404), ("member", 403), ("signatory", 403), ("org_admin", 403), ("registry_admin", 404)],
)
def test_decision_ladder(client, request, officer, case, name, persona, status):
    draft = draft_grant(case, officer)
    revision = fresh(case).revision
    client.force_login(request.getfixturevalue(persona))
    data = {**grant_post(case), "reasons": REASONS}
    response = client.post(url(name, case), data)
    assert response.status_code == status
    permit = fresh(case)
    assert (permit.state, permit.revision) == (S.TECHNICAL_REVIEW, revision)
    draft.refresh_from_db()
    assert draft.is_pending
    assert Decision.objects.count() == 1


@pytest.mark.parametrize("name", OFFICER_ACTIONS)
def test_anonymous_decision_action_goes_to_sign_in(client, case, name):
    response = client.post(url(name, case), {"revision": 0})
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


@pytest.mark.parametrize("name", OFFICER_ACTIONS)
def test_decision_actions_take_post_only(client, decision_maker, case, name):
    client.force_login(decision_maker)
    assert client.get(url(name, case)).status_code == 405


# -- the decision PDF ------------------------------------------------------------------------------


def made(case: Permit, presenter, decider, *, kind: str = DecisionKind.GRANT) -> Decision:
    if kind == DecisionKind.GRANT:
        draft_grant(case, presenter)
    else:
        draft_reject(case, presenter)
    return decisions.decision_make(permit=case, decision_maker=decider, revision=fresh(case).revision)


def test_grant_pdf_carries_every_item_in_the_applicants_language(officer, decision_maker, organisation):
    licensee = OrganisationFactory(name="Raamiluvan Palvelu Oy")
    applicant = UserFactory(language="sv")
    permit = PermitFactory(
        application__organisation=organisation,
        application__filed_by=licensee,
        application__created_by=applicant,
        state=S.NEGOTIATION,
    )
    officer.full_name, decision_maker.full_name = "Esko Esittelijä", "Raili Ratkaisija"
    officer.save()
    decision_maker.save()
    decision = made(permit, officer, decision_maker)
    document = decisions.decision_pdf_create(Decision.objects.get(pk=decision.pk))
    data = document.file.read()
    assert document.sha256 == hashlib.sha256(data).hexdigest()
    assert document.language == "sv"
    text = pdf_text(data)
    application = permit.application
    with translation.override("sv"):
        expected = [
            permit.reference,
            formats.date_format(local_date(decision.decided_at), "DATE_FORMAT"),
            organisation.name,
            organisation.business_id,
            licensee.name,
            licensee.business_id,
            application.product.name,
            application.purpose.name,
            application.purpose_description,
            application.purpose.legal_basis,
            application.legal_basis,
            *[group.name_sv for group in requested(permit)],
            *CONDITIONS.splitlines(),
            formats.date_format(date(2026, 3, 1), "DATE_FORMAT"),
            formats.date_format(date(2029, 2, 28), "DATE_FORMAT"),
            "Esko Esittelijä",
            "Raili Ratkaisija",
            decision.verification_code,
            decisions_selectors.verify_url(decision.verification_code),
        ]
    for item in expected:
        assert item and squash(item) in text, item
    # Appeal instructions (a model text until the agency's lawyers confirm it): court and time limit.
    assert re.search(r"(administrativecourt|förvaltningsdomstol).*30", text)


def test_pdf_without_a_licensee_names_no_service_provider(officer, decision_maker, case):
    document = decisions.decision_pdf_create(made(case, officer, decision_maker))
    text = pdf_text(document.file.read())
    assert squash("Service provider") not in text
    assert squash(case.application.organisation.name) in text


def test_rejection_pdf_carries_the_reasons_and_no_grant(officer, decision_maker, case):
    decision = made(case, officer, decision_maker, kind=DecisionKind.REJECT)
    document = decisions.decision_pdf_create(decision)
    text = pdf_text(document.file.read())
    assert squash(REASONS) in text
    assert squash("Data groups granted") not in text
    for group in requested(case):
        assert squash(group.name) not in text
    assert decision.verification_code in text


def test_decision_pdf_is_stored_once(officer, decision_maker, case):
    decision = made(case, officer, decision_maker)
    first = decisions.decision_pdf_create(decision)
    again = decisions.decision_pdf_create(decision)
    assert first.pk == again.pk
    assert PermitDocument.objects.filter(permit=case, kind=DocumentKind.DECISION).count() == 1


def test_user_text_is_escaped_in_the_pdf(officer, decision_maker, case, monkeypatch):
    from permits import pdf

    seen = {}
    original = pdf.render_pdf

    def spy(template, context, *, language):
        from django.template.loader import render_to_string

        seen["html"] = render_to_string(template, {**context, "LANGUAGE_CODE": language})
        return original(template, context, language=language)

    monkeypatch.setattr(decisions, "render_pdf", spy)
    draft_grant(case, officer, conditions='<img src="file:///etc/passwd"> ehto')
    decisions.decision_make(permit=case, decision_maker=decision_maker, revision=fresh(case).revision)
    decision = Decision.objects.get(decided_at__isnull=False)
    decisions.decision_pdf_create(decision)
    assert "&lt;img" in seen["html"]
    assert '<img src="file' not in seen["html"]


# -- two people at once ---------------------------------------------------------------------------


def race(*actions: Callable[[], object]) -> list[object]:
    """Run the actions at the same moment, each on its own database connection; return result or error."""
    barrier = threading.Barrier(len(actions))
    results: list[object] = [None] * len(actions)

    def run(index: int, action: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=10)
            with translation.override("en"):
                results[index] = action()
        except Exception as exc:  # the refused one, inspected by the test
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results


@pytest.mark.django_db(transaction=True)
def test_two_decision_makers_deciding_at_once_make_one_decision(organisation, officer, decision_maker):
    other = with_authenticator(StaffFactory(groups=["officer", "decision_maker"]))
    permit = PermitFactory(application__organisation=organisation, state=S.NEGOTIATION)
    draft_grant(permit, officer)
    shown = fresh(permit).revision

    results = race(
        lambda: decisions.decision_make(permit=permit, decision_maker=decision_maker, revision=shown),
        lambda: decisions.decision_make(permit=permit, decision_maker=other, revision=shown),
    )

    made = [r for r in results if isinstance(r, Decision)]
    refused = [r for r in results if isinstance(r, PortalError)]
    assert len(made) == 1 and len(refused) == 1, results
    assert refused[0].status == 409
    assert fresh(permit).state == S.GRANTED
    assert Decision.objects.filter(decided_at__isnull=False).count() == 1
    assert PermitEvent.objects.filter(action="decision_granted").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_redraft_racing_a_decision_never_decides_an_unseen_draft(organisation, officer, decision_maker):
    permit = PermitFactory(application__organisation=organisation, state=S.SUBMITTED)
    first = draft_grant(permit, officer)
    shown = fresh(permit).revision

    results = race(
        lambda: decisions.decision_make(permit=permit, decision_maker=decision_maker, revision=shown),
        lambda: decisions.decision_draft_reject(
            permit=permit, presenter=officer, revision=shown, reasons=REASONS
        ),
    )

    winner = next(r for r in results if not isinstance(r, Exception))
    refused = next(r for r in results if isinstance(r, Exception))
    assert isinstance(refused, PortalError) and refused.status == 409, results
    if winner.kind == DecisionKind.GRANT:  # the decision came first: the grant seen was made
        assert winner.pk == first.pk
        assert fresh(permit).state == S.GRANTED
    else:  # the redraft came first: nothing was decided
        assert fresh(permit).state == S.SUBMITTED
        assert not Decision.objects.filter(decided_at__isnull=False).exists()
