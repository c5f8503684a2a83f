"""The public verification page: a decision's code shows its reference, holder, state and date; nothing else."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import formats, translation
from django.utils.translation import gettext

from permits.deadlines import local_date
from permits.display import plain_state
from permits.models import Decision, DecisionKind, Permit, PermitState
from permits.selectors import decisions as decisions_selectors
from permits.services import decisions
from permits.views.decisions import VERIFY_RATE_PER_MINUTE
from tests.factories import PermitFactory

S = PermitState
VERIFY = "/verify/"


def made_grant(permit: Permit, presenter, decider) -> Decision:
    decisions.decision_draft_grant(
        permit=permit,
        presenter=presenter,
        revision=permit.revision,
        granted_groups=list(decisions_selectors.requested_groups(permit)),
        conditions="Salainen ehto: tietoja ei luovuteta.",
        valid_from=date(2026, 3, 1),
        valid_until=date(2028, 12, 31),
    )
    revision = Permit.objects.get(pk=permit.pk).revision
    return decisions.decision_make(permit=permit, decision_maker=decider, revision=revision)


@pytest.fixture
def decision(organisation, officer, decision_maker):
    permit = PermitFactory(application__organisation=organisation, state=S.SUBMITTED)
    return made_grant(permit, officer, decision_maker)


def test_verify_is_at_a_stable_public_address():
    assert reverse("permits:verify") == VERIFY


def test_anyone_can_open_the_form(client, db):
    response = client.get(VERIFY)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="code"' in html
    assert 'name="robots" content="noindex"' in html


def test_a_genuine_code_shows_only_reference_holder_state_and_date(client, decision, officer, decision_maker):
    permit = decision.permit
    response = client.get(VERIFY, {"code": decision.verification_code})
    assert response.status_code == 200
    html = response.content.decode()
    assert permit.reference in html
    assert permit.application.organisation.name in html
    with translation.override("fi"):  # a visitor without a language choice sees Finnish
        assert str(plain_state(S.GRANTED)) in html
        assert formats.date_format(local_date(decision.decided_at), "SHORT_DATE_FORMAT") in html
    # Nothing else about the permit or the people who made it.
    organisation = permit.application.organisation
    for secret in [
        "Salainen ehto",
        organisation.business_id,
        organisation.contact_email,
        officer.get_full_name(),
        decision_maker.get_full_name(),
        permit.application.product.name,
        permit.application.purpose.name,
        *[group.name for group in decisions_selectors.requested_groups(permit)],
        "2028",
    ]:
        assert secret not in html, secret
    assert response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]


def test_the_state_shown_is_the_current_one(client, decision, decision_maker):
    permit = decision.permit
    Permit.objects.filter(pk=permit.pk).update(state=S.REVOKED)
    response = client.get(VERIFY, {"code": decision.verification_code})
    assert response.status_code == 200
    with translation.override("fi"):
        assert str(plain_state(S.REVOKED)) in response.content.decode()


@pytest.mark.parametrize(
    "transform", [str.lower, lambda c: c.replace("-", ""), lambda c: f"  {c[:7]} {c[7:]} "]
)
def test_codes_are_accepted_as_people_type_them(client, decision, transform):
    response = client.get(VERIFY, {"code": transform(decision.verification_code)})
    assert response.status_code == 200
    assert decision.permit.reference in response.content.decode()


@pytest.mark.parametrize("code", ["ABCD-EFGH-JKLM", "ABCD-EFGH-JKL", "0000-1111-OOOO", "'; DROP TABLE --"])
def test_an_unknown_code_is_not_found(client, decision, code):
    response = client.get(VERIFY, {"code": code})
    assert response.status_code == 404
    html = response.content.decode()
    with translation.override("fi"):  # a visitor without a language choice sees Finnish
        assert gettext("No decision has this verification code. Check the code and try again.") in html
    assert decision.permit.reference not in html


def test_a_pending_draft_cannot_be_verified(client, organisation, officer):
    permit = PermitFactory(application__organisation=organisation)
    Decision.objects.create(
        permit=permit,
        kind=DecisionKind.REJECT,
        presenter=officer,
        reasons="x",
        verification_code="ABCD-EFGH-JKLM",
    )
    response = client.get(VERIFY, {"code": "ABCD-EFGH-JKLM"})
    assert response.status_code == 404


@pytest.mark.parametrize("code", ["", "X" * 41])
def test_an_empty_or_overlong_code_is_bad_input(client, db, code):
    response = client.get(VERIFY, {"code": code})
    assert response.status_code == 400
    assert 'name="code"' in response.content.decode()


def test_look_ups_are_rate_limited_per_address(client, decision):
    for _ in range(VERIFY_RATE_PER_MINUTE):
        assert client.get(VERIFY, {"code": "ABCD-EFGH-JKLM"}).status_code == 404
    response = client.get(VERIFY, {"code": decision.verification_code})
    assert response.status_code == 429
    assert decision.permit.reference not in response.content.decode()
    # Another address is not affected.
    other = client.get(VERIFY, {"code": decision.verification_code}, REMOTE_ADDR="192.0.2.77")
    assert other.status_code == 200


def test_signed_in_users_can_verify_too(client, outsider, decision):
    client.force_login(outsider)
    response = client.get(VERIFY, {"code": decision.verification_code})
    assert response.status_code == 200


def test_verify_takes_get_only(client, db):
    assert client.post(VERIFY, {"code": "ABCD-EFGH-JKLM"}).status_code == 405


def test_codes_are_unique_and_well_formed(db):
    codes = {decisions.new_verification_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert decisions_selectors.normalise_verification_code(code) == code
        assert not set(code) & set("IO01")
