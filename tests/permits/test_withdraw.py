import pytest
from django.urls import reverse

from accounts.models import AuditEvent, MembershipRole
from permits.models import Permit, PermitEvent, PermitState
from tests.factories import MembershipFactory, PermitFactory


def withdraw_url(permit: Permit) -> str:
    return reverse("permits:withdraw", args=[permit.uuid])


def state_of(permit: Permit) -> str:
    return Permit.objects.get(pk=permit.pk).state


@pytest.fixture
def permit(organisation):
    return PermitFactory(application__organisation=organisation)


@pytest.mark.parametrize(
    "state",
    [
        PermitState.SUBMITTED,
        PermitState.SUPPLEMENT_REQUESTED,
        PermitState.NEGOTIATION,
        PermitState.TECHNICAL_REVIEW,
    ],
)
def test_signatory_withdraws_before_a_decision(
    client, signatory, organisation, state, mailoutbox, django_capture_on_commit_callbacks
):
    permit = PermitFactory(application__organisation=organisation, state=state)
    client.force_login(signatory)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(withdraw_url(permit), {"reason": "We chose another service provider."})
    assert response.status_code == 302
    assert response.url == reverse("permits:case", args=[permit.uuid])
    withdrawn = Permit.objects.get(pk=permit.pk)
    assert withdrawn.state == PermitState.WITHDRAWN
    assert withdrawn.closed_at is not None
    event = withdrawn.events.get()
    assert (event.action, event.actor, event.from_state, event.to_state) == (
        "withdrawn",
        signatory,
        state,
        PermitState.WITHDRAWN,
    )
    assert event.note == "We chose another service provider."
    assert event.visible_to_applicant
    assert AuditEvent.objects.filter(action="permit_withdrawn", target_id=str(permit.uuid)).exists()
    assert sorted(m.to[0] for m in mailoutbox) == sorted([organisation.contact_email, signatory.email])
    assert all("We chose another service provider." in m.body for m in mailoutbox)


@pytest.mark.parametrize(
    ("persona", "status"),
    [("member", 403), ("outsider", 404), ("officer", 403), ("decision_maker", 403)],
)
def test_withdraw_ladder(client, request, persona, status, permit):
    client.force_login(request.getfixturevalue(persona))
    response = client.post(withdraw_url(permit), {"reason": "Not needed."})
    assert response.status_code == status
    assert state_of(permit) == PermitState.SUBMITTED
    assert not PermitEvent.objects.exists()


def test_administrator_who_is_not_a_signatory_cannot_withdraw(client, organisation, permit):
    admin = MembershipFactory(organisation=organisation, role=MembershipRole.ADMIN, is_signatory=False).user
    client.force_login(admin)
    response = client.post(withdraw_url(permit), {"reason": "Not needed."})
    assert response.status_code == 403
    assert state_of(permit) == PermitState.SUBMITTED


def test_anonymous_withdrawal_goes_to_sign_in(client, permit):
    response = client.post(withdraw_url(permit), {"reason": "Not needed."})
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert state_of(permit) == PermitState.SUBMITTED


def test_withdrawn_case_cannot_be_withdrawn_again(client, signatory, permit):
    client.force_login(signatory)
    assert client.post(withdraw_url(permit), {"reason": "First."}).status_code == 302
    response = client.post(withdraw_url(permit), {"reason": "Second."})
    assert response.status_code == 409
    assert "cannot be withdrawn any more" in response.content.decode()
    assert PermitEvent.objects.count() == 1


@pytest.mark.parametrize("state", [PermitState.GRANTED, PermitState.REJECTED, PermitState.PRODUCTION])
def test_decided_case_cannot_be_withdrawn(client, signatory, organisation, state):
    permit = PermitFactory(application__organisation=organisation, state=state)
    client.force_login(signatory)
    response = client.post(withdraw_url(permit), {"reason": "Too late."})
    assert response.status_code == 409
    assert state_of(permit) == state
    assert not PermitEvent.objects.exists()


@pytest.mark.parametrize("reason", ["", "   "])
def test_reason_is_required(client, signatory, permit, reason):
    client.force_login(signatory)
    response = client.post(withdraw_url(permit), {"reason": reason})
    assert response.status_code == 400
    assert state_of(permit) == PermitState.SUBMITTED


def test_extra_fields_do_not_change_the_case(client, signatory, permit):
    client.force_login(signatory)
    before = Permit.objects.get(pk=permit.pk)
    response = client.post(
        withdraw_url(permit),
        {
            "reason": "Not needed.",
            "state": PermitState.GRANTED,
            "reference": "VTJ/2026/999999",
            "organisation": "x",
            "decision_due": "2030-01-01",
        },
    )
    assert response.status_code == 302
    after = Permit.objects.get(pk=permit.pk)
    assert after.state == PermitState.WITHDRAWN
    assert (after.reference, after.decision_due, after.application_id) == (
        before.reference,
        before.decision_due,
        before.application_id,
    )


def test_get_is_not_allowed(client, signatory, permit):
    client.force_login(signatory)
    assert client.get(withdraw_url(permit)).status_code == 405
