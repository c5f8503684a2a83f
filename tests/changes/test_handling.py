"""Officers handling a change notification: each action, its refusals, and the holder's answers."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from accounts.services import PortalError
from applications.models import Application, ApplicationKind, ApplicationStatus
from notifications.models import Notification
from permits.deadlines import local_date
from permits.models import ChangeKind, ChangeNotification, ChangeState, Permit, PermitEvent, PermitState
from permits.services import changes
from tests.changes.conftest import file_change
from tests.conftest import with_authenticator
from tests.factories import StaffFactory

C = ChangeState
S = PermitState


def fresh(change: ChangeNotification) -> ChangeNotification:
    return ChangeNotification.objects.get(pk=change.pk)


def act(client, name: str, change: ChangeNotification, **data):
    data.setdefault("revision", fresh(change).revision)
    return client.post(reverse(f"permits:{name}", args=[change.uuid]), data)


def future(days: int = 7) -> str:
    return (local_date(timezone.now()) + timedelta(days=days)).isoformat()


@pytest.fixture
def other_decision_maker(db):
    return with_authenticator(StaffFactory(groups=["officer", "decision_maker"]))


# -- the page ----------------------------------------------------------------------------------------------


def test_the_officers_page_shows_everything(client, change, officer):
    client.force_login(officer)
    response = client.get(reverse("permits:officer_change", args=[change.uuid]))
    page = response.content.decode()
    assert response.status_code == 200
    assert change.reference in page and change.description in page
    assert reverse("permits:change_acknowledge", args=[change.uuid]) in page
    assert AuditEvent.objects.filter(action="change_viewed", actor=officer).exists()


@pytest.mark.parametrize(("persona", "status"), [("outsider", 404), ("signatory", 403), ("member", 403)])
def test_others_cannot_open_the_officers_page(client, request, change, persona, status):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("permits:officer_change", args=[change.uuid])).status_code == status


def test_anonymous_goes_to_sign_in(client, change):
    response = client.get(reverse("permits:officer_change", args=[change.uuid]))
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))


# -- acknowledge ------------------------------------------------------------------------------------------


def test_officer_acknowledges(client, change, officer, signatory):
    client.force_login(officer)
    response = act(client, "change_acknowledge", change, note="Ei vaikutusta lupaan.")
    assert response.status_code == 302
    change = fresh(change)
    assert change.state == C.ACKNOWLEDGED
    assert (change.handled_by, change.assigned_to, change.handling_note) == (
        officer,
        officer,
        "Ei vaikutusta lupaan.",
    )
    event = PermitEvent.objects.get(action="change_acknowledged")
    assert event.visible_to_applicant and event.note.startswith(change.reference)
    assert Notification.objects.filter(
        recipient=signatory, idempotency_key__contains=f":{event.pk}:"
    ).exists()
    assert AuditEvent.objects.filter(
        action="case_change_acknowledged", details__change=change.reference
    ).exists()


def test_acknowledging_a_change_of_contacts_applies_them_to_the_permit(client, permit, signatory, officer):
    contacts = {
        "technical": {"name": "Uusi Tekninen", "email": "uusi.tekninen@example.test", "phone": "+358 40 999"},
        "deputy": {"name": "Uusi Vara", "email": "uusi.vara@example.test", "phone": "+358 50 999"},
    }
    change = file_change(permit, signatory, kind=ChangeKind.CONTACTS, contacts=contacts)
    client.force_login(officer)
    assert act(client, "change_acknowledge", change).status_code == 302
    application = Application.objects.get(pk=permit.application_id)
    assert (application.technical_name, application.technical_email, application.technical_phone) == (
        "Uusi Tekninen",
        "uusi.tekninen@example.test",
        "+358 40 999",
    )
    assert application.deputy_email == "uusi.vara@example.test"
    assert application.responsible_email == "vastuu@example.test"  # not notified: unchanged
    event = PermitEvent.objects.get(action="change_acknowledged")
    assert "uusi.tekninen@example.test" in event.note
    audit = AuditEvent.objects.get(action="permit_contacts_changed")
    assert audit.details["changes"]["technical_email"] == [
        "tekninen@example.test",
        "uusi.tekninen@example.test",
    ]


def test_acknowledging_another_kind_leaves_the_contacts(client, change, officer):
    client.force_login(officer)
    act(client, "change_acknowledge", change)
    assert Application.objects.get(pk=change.permit.application_id).technical_email == "tekninen@example.test"


# -- refusals common to every action -----------------------------------------------------------------------


def test_a_stale_form_is_refused(client, change, officer):
    client.force_login(officer)
    stale = change.revision
    act(client, "change_request_info", change, message="Kuka on uusi palveluntarjoaja?", respond_by=future())
    response = act(client, "change_acknowledge", change, revision=stale)
    assert response.status_code == 409
    assert fresh(change).state == C.INFO_REQUESTED


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("change_acknowledge", {}),
        ("change_request_info", {"message": "Lisätietoja.", "respond_by": future()}),
        ("change_require_amendment", {"note": "Muuta lupaa."}),
        ("change_propose_revocation", {"reasons": "Perusteet."}),
    ],
)
def test_an_action_from_the_wrong_state_changes_nothing(client, change, officer, name, data):
    client.force_login(officer)
    act(client, "change_acknowledge", change)
    before = fresh(change)
    response = act(client, name, change, **data)
    assert response.status_code == 409
    after = fresh(change)
    assert (after.state, after.revision) == (before.state, before.revision)


@pytest.mark.parametrize(("persona", "status"), [("signatory", 403), ("member", 403), ("outsider", 404)])
@pytest.mark.parametrize(
    "name",
    ["change_acknowledge", "change_request_info", "change_require_amendment", "change_propose_revocation"],
)
def test_only_officers_act(client, request, change, persona, status, name):
    client.force_login(request.getfixturevalue(persona))
    response = act(client, name, change, note="x", message="x", reasons="x", respond_by=future())
    assert response.status_code == status
    assert fresh(change).state == C.RECEIVED


def test_the_service_checks_the_right_itself(change, signatory):
    with pytest.raises(PortalError) as refused:
        changes.change_acknowledge(change=change, officer=signatory, revision=change.revision)
    assert refused.value.status == 403


# -- more information ------------------------------------------------------------------------------------------


def test_the_information_cycle(client, change, officer, member):
    client.force_login(officer)
    response = act(
        client,
        "change_request_info",
        change,
        message="Missä maassa palvelimet sijaitsevat?",
        respond_by=future(14),
    )
    assert response.status_code == 302
    change = fresh(change)
    assert change.state == C.INFO_REQUESTED and change.info_respond_by == local_date(
        timezone.now()
    ) + timedelta(14)
    assert PermitEvent.objects.get(action="change_info_requested").visible_to_applicant
    client.force_login(member)
    page = client.get(reverse("permits:change", args=[change.uuid])).content.decode()
    assert "Missä maassa palvelimet sijaitsevat?" in page
    assert reverse("permits:change_answer", args=[change.uuid]) in page
    response = client.post(reverse("permits:change_answer", args=[change.uuid]), {"response": "Suomessa."})
    assert response.status_code == 302
    change = fresh(change)
    assert (change.state, change.info_response) == (C.RECEIVED, "Suomessa.")
    answered = PermitEvent.objects.get(action="change_info_answered")
    assert answered.actor == member
    assert Notification.objects.filter(
        recipient=officer, idempotency_key__contains=f":{answered.pk}:"
    ).exists()


def test_the_reply_by_date_defaults_to_14_days(client, change, officer):
    client.force_login(officer)
    page = client.get(reverse("permits:officer_change", args=[change.uuid])).content.decode()
    assert future(14) in page


def test_the_reply_by_date_must_be_in_the_future(client, change, officer):
    client.force_login(officer)
    today = local_date(timezone.now()).isoformat()
    assert act(client, "change_request_info", change, message="x", respond_by=today).status_code == 400
    assert fresh(change).state == C.RECEIVED


def test_answering_when_nothing_was_asked_is_refused(client, change, member):
    client.force_login(member)
    response = client.post(reverse("permits:change_answer", args=[change.uuid]), {"response": "Vastaus."})
    assert response.status_code == 409
    assert fresh(change).info_response == ""


def test_an_outsider_cannot_answer(client, change, officer, outsider):
    changes.change_request_info(
        change=change,
        officer=officer,
        revision=0,
        message="?",
        respond_by=timezone.localdate() + timedelta(days=3),
    )
    client.force_login(outsider)
    response = client.post(reverse("permits:change_answer", args=[change.uuid]), {"response": "Vastaus."})
    assert response.status_code == 404
    assert fresh(change).state == C.INFO_REQUESTED


def test_an_empty_answer_is_refused(client, change, officer, member):
    changes.change_request_info(
        change=change,
        officer=officer,
        revision=0,
        message="?",
        respond_by=timezone.localdate() + timedelta(days=3),
    )
    client.force_login(member)
    response = client.post(reverse("permits:change_answer", args=[change.uuid]), {"response": "  "})
    assert response.status_code == 400
    assert fresh(change).state == C.INFO_REQUESTED


# -- amendment required ------------------------------------------------------------------------------------------


def test_requiring_an_amendment_opens_one_for_the_holder(client, change, officer, signatory):
    client.force_login(officer)
    response = act(client, "change_require_amendment", change, note="Päivitä tekninen kuvaus.")
    assert response.status_code == 302
    change = fresh(change)
    assert change.state == C.AMENDMENT_REQUIRED and change.handled_by == officer
    draft = change.amendment
    assert (draft.kind, draft.amends_id, draft.created_by, draft.status) == (
        ApplicationKind.AMENDMENT,
        change.permit_id,
        signatory,
        ApplicationStatus.DRAFT,
    )
    assert PermitEvent.objects.filter(action="change_amendment_required", visible_to_applicant=True).exists()
    assert Permit.objects.get(pk=change.permit_id).state == S.PRODUCTION  # stays in force meanwhile


def test_no_second_amendment_while_one_is_open(client, permit, signatory, officer):
    first = file_change(permit, signatory)
    second = file_change(permit, signatory)
    client.force_login(officer)
    act(client, "change_require_amendment", first, note="Muuta.")
    response = act(client, "change_require_amendment", second, note="Muuta taas.")
    assert response.status_code == 409
    second = fresh(second)
    assert (second.state, second.amendment) == (C.RECEIVED, None)
    assert Application.objects.filter(amends=permit).count() == 1


def test_requiring_an_amendment_needs_a_note(client, change, officer):
    client.force_login(officer)
    assert act(client, "change_require_amendment", change, note=" ").status_code == 400
    assert fresh(change).state == C.RECEIVED


# -- revocation, four eyes ------------------------------------------------------------------------------------------


def test_propose_and_revoke(client, change, officer, decision_maker, signatory):
    client.force_login(officer)
    assert (
        act(client, "change_propose_revocation", change, reasons="Toiminta on lakannut.").status_code == 302
    )
    change = fresh(change)
    assert change.state == C.REVOCATION_PROPOSED
    proposed = PermitEvent.objects.get(action="change_revocation_proposed")
    assert not proposed.visible_to_applicant
    assert Notification.objects.filter(
        recipient=decision_maker, idempotency_key__contains=f":{proposed.pk}:"
    ).exists()
    assert not Notification.objects.filter(
        recipient=signatory, idempotency_key__contains=f":{proposed.pk}:"
    ).exists()
    client.force_login(decision_maker)
    response = act(client, "change_revoke", change, reasons="Lupa peruutetaan, koska toiminta on lakannut.")
    assert response.status_code == 302
    change = fresh(change)
    assert change.state == C.PERMIT_REVOKED and change.handled_by == decision_maker
    permit = Permit.objects.get(pk=change.permit_id)
    assert permit.state == S.REVOKED
    revoked = PermitEvent.objects.get(action="permit_revoked")
    assert revoked.visible_to_applicant
    assert Notification.objects.filter(
        recipient=signatory, idempotency_key__contains=f":{revoked.pk}:"
    ).exists()


def test_the_proposer_cannot_decide(client, change, decision_maker, other_decision_maker):
    client.force_login(decision_maker)
    act(client, "change_propose_revocation", change, reasons="Perusteet.")
    for name, data in [
        ("change_revoke", {"reasons": "Peruutus."}),
        ("change_decline_revocation", {"note": "Ei."}),
    ]:
        response = act(client, name, change, **data)
        assert response.status_code == 403
    assert fresh(change).state == C.REVOCATION_PROPOSED
    assert Permit.objects.get(pk=change.permit_id).state == S.PRODUCTION
    client.force_login(other_decision_maker)
    assert act(client, "change_revoke", change, reasons="Peruutus.").status_code == 302
    assert Permit.objects.get(pk=change.permit_id).state == S.REVOKED


def test_an_officer_cannot_revoke(client, change, officer):
    client.force_login(officer)
    act(client, "change_propose_revocation", change, reasons="Perusteet.")
    officer_two = with_authenticator(StaffFactory(groups=["officer"]))
    client.force_login(officer_two)
    assert act(client, "change_revoke", change, reasons="Peruutus.").status_code == 403
    assert act(client, "change_decline_revocation", change, note="Ei.").status_code == 403
    assert fresh(change).state == C.REVOCATION_PROPOSED
    assert Permit.objects.get(pk=change.permit_id).state == S.PRODUCTION


def test_a_decision_maker_declines_the_proposal(client, change, officer, decision_maker):
    client.force_login(officer)
    act(client, "change_propose_revocation", change, reasons="Perusteet.")
    client.force_login(decision_maker)
    response = act(client, "change_decline_revocation", change, note="Muutos ei vaadi peruuttamista.")
    assert response.status_code == 302
    change = fresh(change)
    assert (change.state, change.handling_note) == (C.RECEIVED, "Muutos ei vaadi peruuttamista.")
    declined = PermitEvent.objects.get(action="change_revocation_declined")
    assert not declined.visible_to_applicant
    assert Notification.objects.filter(
        recipient=officer, idempotency_key__contains=f":{declined.pk}:"
    ).exists()
    assert Permit.objects.get(pk=change.permit_id).state == S.PRODUCTION


def test_revoking_without_a_proposal_is_refused(client, change, decision_maker):
    client.force_login(decision_maker)
    assert act(client, "change_revoke", change, reasons="Peruutus.").status_code == 409
    assert Permit.objects.get(pk=change.permit_id).state == S.PRODUCTION


def test_the_decision_makers_page_offers_the_decision_only_to_another(
    client, change, decision_maker, other_decision_maker
):
    client.force_login(decision_maker)
    act(client, "change_propose_revocation", change, reasons="Perusteet.")
    revoke_url = reverse("permits:change_revoke", args=[change.uuid])
    assert (
        revoke_url not in client.get(reverse("permits:officer_change", args=[change.uuid])).content.decode()
    )
    client.force_login(other_decision_maker)
    assert revoke_url in client.get(reverse("permits:officer_change", args=[change.uuid])).content.decode()


def test_the_officers_case_page_lists_the_change(client, change, officer):
    client.force_login(officer)
    page = client.get(reverse("permits:officer_case", args=[change.permit.uuid])).content.decode()
    assert reverse("permits:officer_change", args=[change.uuid]) in page
