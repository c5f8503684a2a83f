"""Processing before the decision: supplement requests and answers, negotiation, technical review, notes.

Each action: what it does when allowed, and that a wrong state, a wrong person, a stale form, bad input
or extra fields change nothing.
"""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from accounts.models import AuditEvent
from accounts.services import PortalError
from applications.models import Application, ApplicationVersion
from permits.deadlines import local_date
from permits.models import (
    InternalNote,
    Meeting,
    NegotiationMessage,
    Permit,
    PermitEvent,
    PermitState,
    ReviewItem,
    SupplementRequest,
    SupplementState,
)
from permits.review import CHECKLIST_CODES
from permits.services import processing
from tests.factories import MembershipFactory, PermitFactory

S = PermitState
ALL_STATES = list(S.values)


def today():
    return local_date(timezone.now())


def in_days(days: int) -> str:
    return (today() + timedelta(days=days)).isoformat()


def fresh(permit: Permit) -> Permit:
    return Permit.objects.get(pk=permit.pk)


def snapshot_of(permit: Permit) -> tuple:
    """Everything an action could change, to compare before and after a refused one."""
    permit = fresh(permit)
    return (
        permit.state,
        permit.revision,
        permit.resume_state,
        PermitEvent.objects.filter(permit=permit).count(),
        SupplementRequest.objects.filter(permit=permit).count(),
        NegotiationMessage.objects.filter(permit=permit).count(),
        Meeting.objects.filter(permit=permit).count(),
        ReviewItem.objects.filter(permit=permit).count(),
        InternalNote.objects.filter(permit=permit).count(),
        ApplicationVersion.objects.filter(application=permit.application).count(),
        list(Application.objects.get(pk=permit.application_id).reopened_sections),
    )


@pytest.fixture
def permit(organisation):
    return PermitFactory(application__organisation=organisation)


def url(name: str, permit: Permit, *args: str) -> str:
    return reverse(f"permits:{name}", args=[permit.uuid, *args])


def supplement_data(permit: Permit, **overrides) -> dict:
    return {
        "message": "Justify the permanent address in more detail.",
        "sections": ["data-groups", "attachments"],
        "respond_by": in_days(30),
        "revision": fresh(permit).revision,
        **overrides,
    }


def request_supplement(permit: Permit, officer, **overrides) -> SupplementRequest:
    data = supplement_data(permit, **overrides)
    data["respond_by"] = today() + timedelta(days=30)
    return processing.permit_request_supplement(permit=permit, officer=officer, **data)


# Supplement requests ---------------------------------------------------------------------------------


@pytest.mark.parametrize("state", [S.SUBMITTED, S.NEGOTIATION, S.TECHNICAL_REVIEW])
def test_officer_requests_a_supplement(
    client, officer, organisation, signatory, state, mailoutbox, django_capture_on_commit_callbacks
):
    permit = PermitFactory(application__organisation=organisation, state=state)
    client.force_login(officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("request_supplement", permit), supplement_data(permit))
    assert response.status_code == 302
    assert response.url == url("officer_case", permit)
    permit = fresh(permit)
    assert permit.state == S.SUPPLEMENT_REQUESTED
    assert permit.resume_state == state
    assert permit.revision == 1
    supplement = permit.supplements.get()
    assert supplement.state == SupplementState.OPEN
    assert supplement.officer == officer
    assert supplement.sections == ["data-groups", "attachments"]
    assert supplement.respond_by == today() + timedelta(days=30)
    assert permit.application.reopened_sections == ["data-groups", "attachments"]
    event = permit.events.get()
    assert (event.action, event.actor, event.from_state, event.to_state, event.visible_to_applicant) == (
        "supplement_requested",
        officer,
        state,
        S.SUPPLEMENT_REQUESTED,
        True,
    )
    assert event.note == "Justify the permanent address in more detail."
    assert AuditEvent.objects.filter(action="case_supplement_requested", actor=officer).exists()
    recipients = sorted(m.to[0] for m in mailoutbox)
    assert recipients == sorted([organisation.contact_email, signatory.email])
    assert all("Justify the permanent address" in m.body for m in mailoutbox)


def test_sections_are_stored_in_wizard_order(officer, permit):
    supplement = request_supplement(permit, officer, sections=["contacts", "purpose", "security"])
    assert supplement.sections == ["purpose", "security", "contacts"]


def test_a_supplement_may_reopen_no_section(officer, permit):
    supplement = request_supplement(permit, officer, sections=[])
    assert supplement.sections == []
    assert fresh(permit).application.reopened_sections == []


SUPPLEMENT_SOURCES = [S.SUBMITTED, S.NEGOTIATION, S.TECHNICAL_REVIEW]
NEGOTIATION_SOURCES = [S.SUBMITTED, S.TECHNICAL_REVIEW]
REVIEW_SOURCES = [S.SUBMITTED, S.NEGOTIATION]


@pytest.mark.parametrize(
    ("name", "state", "data"),
    [("request_supplement", s, "supplement") for s in ALL_STATES if s not in SUPPLEMENT_SOURCES]
    + [("start_negotiation", s, "transition") for s in ALL_STATES if s not in NEGOTIATION_SOURCES]
    + [("start_technical_review", s, "transition") for s in ALL_STATES if s not in REVIEW_SOURCES],
)
def test_transitions_from_a_wrong_state_change_nothing(client, officer, organisation, name, state, data):
    permit = PermitFactory(application__organisation=organisation, state=state)
    before = snapshot_of(permit)
    client.force_login(officer)
    payload = supplement_data(permit) if data == "supplement" else {"revision": 0}
    response = client.post(url(name, permit), payload)
    assert response.status_code == 409
    assert "cannot be done while the case is in the state" in response.content.decode()
    assert snapshot_of(permit) == before


ACTIONS = [
    ("request_supplement", lambda p: supplement_data(p)),
    ("start_negotiation", lambda p: {"revision": 0}),
    ("start_technical_review", lambda p: {"revision": 0}),
    ("officer_message", lambda p: {"body": "Hello."}),
    ("record_meeting", lambda p: {"held_on": in_days(0), "participants": "A, B", "summary": "Agreed."}),
    ("add_note", lambda p: {"body": "Note."}),
]


@pytest.mark.parametrize(("name", "payload"), ACTIONS, ids=[a[0] for a in ACTIONS])
@pytest.mark.parametrize(
    ("persona", "status"),
    [("member", 403), ("signatory", 403), ("org_admin", 403), ("outsider", 404), ("registry_admin", 404)],
)
def test_officer_actions_refuse_everyone_else(client, request, organisation, name, payload, persona, status):
    # Negotiation is open so that the messages and meetings would otherwise be accepted.
    state = S.NEGOTIATION if name in ("officer_message", "record_meeting") else S.SUBMITTED
    permit = PermitFactory(application__organisation=organisation, state=state)
    before = snapshot_of(permit)
    client.force_login(request.getfixturevalue(persona))
    response = client.post(url(name, permit), payload(permit))
    assert response.status_code == status
    assert snapshot_of(permit) == before


@pytest.mark.parametrize("persona", ["member", "outsider", "registry_admin"])
def test_review_item_refuses_everyone_else(client, request, organisation, persona):
    permit = PermitFactory(application__organisation=organisation, state=S.TECHNICAL_REVIEW)
    before = snapshot_of(permit)
    client.force_login(request.getfixturevalue(persona))
    response = client.post(
        url("review_item", permit, "tls"), {"tls-result": "pass", "tls-note": "", "tls-revision": 0}
    )
    assert response.status_code in (403, 404)
    assert snapshot_of(permit) == before


@pytest.mark.parametrize("name", [a[0] for a in ACTIONS] + ["negotiation_reply"])
def test_anonymous_actions_go_to_sign_in(client, permit, name):
    before = snapshot_of(permit)
    response = client.post(url(name, permit), {})
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert snapshot_of(permit) == before


def test_stale_supplement_form_is_refused(client, officer, permit):
    client.force_login(officer)
    processing.internal_note_add(permit=permit, officer=officer, body="Someone acted meanwhile.")
    before = snapshot_of(permit)
    response = client.post(url("request_supplement", permit), supplement_data(permit, revision=0))
    assert response.status_code == 409
    page = response.content.decode()
    assert "The case changed meanwhile" in page
    # The form comes back filled in, now carrying the current revision.
    assert "Justify the permanent address in more detail." in page
    assert f'name="revision" value="{fresh(permit).revision}"' in page
    assert snapshot_of(permit) == before


@pytest.mark.parametrize("name", ["start_negotiation", "start_technical_review"])
def test_stale_transition_is_refused(client, officer, permit, name):
    client.force_login(officer)
    processing.internal_note_add(permit=permit, officer=officer, body="Someone acted meanwhile.")
    before = snapshot_of(permit)
    response = client.post(url(name, permit), {"revision": 0})
    assert response.status_code == 409
    assert snapshot_of(permit) == before


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"respond_by": in_days(-1)}, "must be in the future"),
        ({"respond_by": in_days(0)}, "must be in the future"),
        ({"respond_by": "31.12.2026x"}, "Enter a valid date"),
        ({"message": ""}, "This field is required"),
        ({"message": "   "}, "This field is required"),
        ({"sections": ["review"]}, "Select a valid choice"),
        ({"sections": ["nonsense"]}, "Select a valid choice"),
        ({"revision": ""}, ""),
        ({"revision": "-1"}, ""),
        ({"message": "x" * 4001}, "at most 4000 characters"),
    ],
)
def test_bad_supplement_input_is_400(client, officer, permit, overrides, error):
    client.force_login(officer)
    before = snapshot_of(permit)
    response = client.post(url("request_supplement", permit), supplement_data(permit, **overrides))
    assert response.status_code == 400
    assert error in response.content.decode()
    assert snapshot_of(permit) == before


def test_the_service_refuses_a_past_reply_by_date_too(officer, permit):
    with pytest.raises(PortalError) as refused:
        processing.permit_request_supplement(
            permit=permit,
            officer=officer,
            message="More.",
            sections=[],
            respond_by=today(),
            revision=0,
        )
    assert refused.value.status == 400


def test_the_service_refuses_unknown_sections(officer, permit):
    with pytest.raises(PortalError) as refused:
        request_supplement(permit, officer, sections=["review"])
    assert refused.value.status == 400
    assert fresh(permit).state == S.SUBMITTED


def test_the_service_checks_the_right_itself(signatory, permit):
    with pytest.raises(PortalError) as refused:
        request_supplement(permit, signatory)
    assert refused.value.status == 403
    assert fresh(permit).state == S.SUBMITTED


def test_reply_by_is_a_helsinki_date(client, officer, permit):
    # 22:30 UTC on 31 Jan is already 1 Feb in Helsinki: 1 Feb is not in the future there.
    with time_machine.travel("2027-01-31 22:30:00+00:00", tick=False):
        client.force_login(officer)
        data = supplement_data(permit, respond_by="2027-02-01")
        assert client.post(url("request_supplement", permit), data).status_code == 400
        page = client.get(url("officer_case", permit)).content.decode()
        # The default reply-by date is 30 days from the Helsinki date.
        assert 'value="2027-03-03"' in page
        data = supplement_data(permit, respond_by="2027-02-02")
        assert client.post(url("request_supplement", permit), data).status_code == 302


def test_extra_fields_are_ignored(client, officer, permit, organisation):
    client.force_login(officer)
    other_officer = MembershipFactory().user
    before = fresh(permit)
    data = supplement_data(permit)
    data.update(
        state=S.GRANTED,
        permit="x",
        officer=other_officer.pk,
        assigned_to=other_officer.pk,
        resume_state=S.NEGOTIATION,
        decision_due="2030-01-01",
        reference="VTJ/2026/999999",
    )
    assert client.post(url("request_supplement", permit), data).status_code == 302
    after = fresh(permit)
    assert after.state == S.SUPPLEMENT_REQUESTED
    assert after.resume_state == S.SUBMITTED
    assert (after.reference, after.decision_due, after.assigned_to) == (
        before.reference,
        before.decision_due,
        None,
    )
    assert after.supplements.get().officer == officer


# Answering a supplement request --------------------------------------------------------------------------


def answer_url(supplement: SupplementRequest) -> str:
    return reverse("permits:supplement_answer", args=[supplement.uuid])


@pytest.fixture
def asked(officer, organisation):
    """A case in negotiation whose officer asked for a supplement reopening the data-use section."""
    permit = PermitFactory(application__organisation=organisation, state=S.NEGOTIATION)
    return request_supplement(permit, officer, sections=["data-use"])


@pytest.mark.parametrize("persona", ["member", "signatory"])
def test_a_member_answers_and_the_case_returns(client, request, asked, persona):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    permit = asked.permit
    step = reverse("applications:step", args=[permit.application.uuid, "data-use"])
    # The reopened section is editable; the others are not.
    assert (
        client.post(step, {**section_data(permit), "use_description": "Tarkennettu kuvaus."}).status_code
        == 302
    )
    technical = reverse("applications:step", args=[permit.application.uuid, "technical"])
    assert client.post(technical, {"hosting_description": "X"}).status_code == 409

    response = client.post(answer_url(asked), {"response": "We clarified the use of the data."})

    assert response.status_code == 302
    assert response.url == reverse("permits:case", args=[permit.uuid])
    permit = fresh(permit)
    assert permit.state == S.NEGOTIATION
    assert permit.resume_state == ""
    supplement = SupplementRequest.objects.get(pk=asked.pk)
    assert (supplement.state, supplement.response, supplement.responded_by) == (
        SupplementState.ANSWERED,
        "We clarified the use of the data.",
        user,
    )
    assert supplement.responded_at is not None
    version = permit.application.versions.get(number=2)
    assert version.submitted_by == user
    assert version.snapshot["use_description"] == "Tarkennettu kuvaus."
    assert permit.application.reopened_sections == []
    assert client.post(step, {**section_data(permit), "use_description": "Again."}).status_code == 409
    event = permit.events.get(action="supplement_answered")
    assert (event.from_state, event.to_state, event.actor) == (S.SUPPLEMENT_REQUESTED, S.NEGOTIATION, user)


def section_data(permit: Permit) -> dict:
    application = Application.objects.get(pk=permit.application_id)
    fields = [
        "use_description",
        "access_description",
        "storage_description",
        "retention_description",
        "onward_disclosure",
    ]
    return {name: getattr(application, name) for name in fields}


def test_several_rounds_make_several_versions(client, officer, member, organisation):
    permit = PermitFactory(application__organisation=organisation)
    client.force_login(member)
    for round_number in (1, 2, 3):
        supplement = request_supplement(permit, officer, sections=[])
        response = client.post(answer_url(supplement), {"response": f"Answer {round_number}."})
        assert response.status_code == 302
        assert fresh(permit).state == S.SUBMITTED
    numbers = list(permit.application.versions.values_list("number", flat=True).order_by("number"))
    assert numbers == [1, 2, 3, 4]
    assert permit.supplements.filter(state=SupplementState.ANSWERED).count() == 3


def test_answering_an_answered_request_is_409(client, member, asked):
    client.force_login(member)
    assert client.post(answer_url(asked), {"response": "First."}).status_code == 302
    before = snapshot_of(asked.permit)
    response = client.post(answer_url(asked), {"response": "Second."})
    assert response.status_code == 409
    assert "already been answered" in response.content.decode()
    assert snapshot_of(asked.permit) == before
    assert SupplementRequest.objects.get(pk=asked.pk).response == "First."


def test_answering_an_earlier_round_is_409(client, officer, member, asked):
    client.force_login(member)
    assert client.post(answer_url(asked), {"response": "First."}).status_code == 302
    second = request_supplement(asked.permit, officer, sections=[])
    before = snapshot_of(asked.permit)
    response = client.post(answer_url(asked), {"response": "To the old one."})
    assert response.status_code == 409
    assert snapshot_of(asked.permit) == before
    assert SupplementRequest.objects.get(pk=second.pk).state == SupplementState.OPEN


def test_answering_after_withdrawal_is_409(client, signatory, asked):
    client.force_login(signatory)
    withdraw = reverse("permits:withdraw", args=[asked.permit.uuid])
    assert client.post(withdraw, {"reason": "Not needed."}).status_code == 302
    before = snapshot_of(asked.permit)
    response = client.post(answer_url(asked), {"response": "Too late."})
    assert response.status_code == 409
    assert snapshot_of(asked.permit) == before


@pytest.mark.parametrize(
    ("persona", "status"), [("outsider", 404), ("officer", 403), ("decision_maker", 403)]
)
def test_only_members_answer(client, request, asked, persona, status):
    before = snapshot_of(asked.permit)
    client.force_login(request.getfixturevalue(persona))
    response = client.post(answer_url(asked), {"response": "An answer."})
    assert response.status_code == status
    assert snapshot_of(asked.permit) == before


def test_answering_an_unknown_request_is_404(client, member, asked):
    import uuid

    client.force_login(member)
    response = client.post(reverse("permits:supplement_answer", args=[uuid.uuid4()]), {"response": "x"})
    assert response.status_code == 404


@pytest.mark.parametrize("text", ["", "   "])
def test_an_empty_answer_is_400(client, member, asked, text):
    client.force_login(member)
    before = snapshot_of(asked.permit)
    response = client.post(answer_url(asked), {"response": text})
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    assert snapshot_of(asked.permit) == before


def test_an_answer_leaving_a_reopened_section_incomplete_is_400(client, member, asked):
    Application.objects.filter(pk=asked.permit.application_id).update(use_description="")
    client.force_login(member)
    before = snapshot_of(asked.permit)
    response = client.post(answer_url(asked), {"response": "Done."})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Describe what the data is used for." in page
    assert snapshot_of(asked.permit) == before


def test_gaps_outside_the_reopened_sections_do_not_block_the_answer(client, member, asked):
    # A retired catalogue entry or a field the applicant could not edit must not trap them.
    Application.objects.filter(pk=asked.permit.application_id).update(hosting_description="")
    client.force_login(member)
    assert client.post(answer_url(asked), {"response": "Done."}).status_code == 302


def test_answer_extra_fields_are_ignored(client, member, asked):
    client.force_login(member)
    response = client.post(
        answer_url(asked),
        {"response": "Done.", "state": S.GRANTED, "responded_by": "1", "sections": "purpose", "permit": "x"},
    )
    assert response.status_code == 302
    assert fresh(asked.permit).state == S.NEGOTIATION
    assert SupplementRequest.objects.get(pk=asked.pk).sections == ["data-use"]


def test_applicant_sees_the_open_request_and_answer_form(client, member, asked):
    client.force_login(member)
    page = client.get(reverse("permits:case", args=[asked.permit.uuid])).content.decode()
    assert "Justify the permanent address in more detail." in page
    assert answer_url(asked) in page
    assert reverse("applications:step", args=[asked.permit.application.uuid, "data-use"]) in page
    assert asked.respond_by.isoformat() in page


def test_officer_on_the_applicants_page_sees_the_request_but_no_form(client, officer, asked):
    client.force_login(officer)
    page = client.get(reverse("permits:case", args=[asked.permit.uuid])).content.decode()
    assert "Justify the permanent address in more detail." in page
    assert answer_url(asked) not in page


def test_the_answer_queues_a_receipt_of_the_new_version(
    member, asked, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr(processing, "enqueue", lambda task, *args: queued.append((task, args)))
    with django_capture_on_commit_callbacks(execute=True):
        processing.supplement_answer(supplement=asked, user=member, response="Done.")
    assert queued == [("permits.tasks.render_receipt", (asked.permit.pk, member.language))]


# Negotiation -------------------------------------------------------------------------------------------


def test_officer_starts_negotiation(client, officer, permit, mailoutbox, django_capture_on_commit_callbacks):
    client.force_login(officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("start_negotiation", permit), {"revision": 0})
    assert response.status_code == 302
    permit = fresh(permit)
    assert permit.state == S.NEGOTIATION
    event = permit.events.get()
    assert (event.action, event.visible_to_applicant) == ("negotiation_started", True)
    assert mailoutbox and all("Negotiation started" in m.subject for m in mailoutbox)


def test_officer_and_applicant_write_in_the_thread(
    client, officer, member, organisation, mailoutbox, django_capture_on_commit_callbacks
):
    permit = PermitFactory(application__organisation=organisation, state=S.NEGOTIATION)
    client.force_login(officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("officer_message", permit), {"body": "Can you use a test register?"})
    assert response.status_code == 302
    assert response.url == url("officer_case", permit) + "#negotiation-heading"
    assert [m.to[0] for m in mailoutbox] == [organisation.contact_email]
    # The email announces the message; its text stays behind sign-in.
    assert "Can you use a test register?" not in mailoutbox[0].body

    client.force_login(member)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("negotiation_reply", permit), {"body": "Yes, we can."})
    assert response.status_code == 302
    assert response.url == reverse("permits:case", args=[permit.uuid])
    # The applicant's own message goes to the officers only, again without its text.
    assert [m.to[0] for m in mailoutbox] == [officer.email]
    assert "Yes, we can." not in mailoutbox[0].body

    thread = list(permit.negotiation_messages.values_list("author", "from_authority", "body"))
    assert thread == [
        (officer.pk, True, "Can you use a test register?"),
        (member.pk, False, "Yes, we can."),
    ]
    actions = list(permit.events.values_list("action", "visible_to_applicant"))
    assert actions == [("authority_message", True), ("applicant_message", True)]
    page = client.get(reverse("permits:case", args=[permit.uuid])).content.decode()
    assert "Can you use a test register?" in page and "Yes, we can." in page


def test_officer_records_a_meeting_the_applicant_sees(client, officer, member, organisation):
    permit = PermitFactory(application__organisation=organisation, state=S.NEGOTIATION)
    client.force_login(officer)
    data = {"held_on": in_days(-2), "participants": "Officer O, Applicant A", "summary": "Logs kept 5 years."}
    assert client.post(url("record_meeting", permit), data).status_code == 302
    meeting = permit.meetings.get()
    assert (meeting.held_on, meeting.recorded_by) == (today() - timedelta(days=2), officer)
    client.force_login(member)
    page = client.get(reverse("permits:case", args=[permit.uuid])).content.decode()
    assert "Logs kept 5 years." in page and "Officer O, Applicant A" in page


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"held_on": in_days(1), "participants": "A", "summary": "B"}, "after it has been held"),
        ({"held_on": "", "participants": "A", "summary": "B"}, "This field is required"),
        ({"held_on": in_days(0), "participants": " ", "summary": "B"}, "This field is required"),
        ({"held_on": in_days(0), "participants": "A", "summary": ""}, "This field is required"),
    ],
)
def test_bad_meeting_input_is_400(client, officer, organisation, data, error):
    permit = PermitFactory(application__organisation=organisation, state=S.NEGOTIATION)
    before = snapshot_of(permit)
    client.force_login(officer)
    response = client.post(url("record_meeting", permit), data)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert snapshot_of(permit) == before


@pytest.mark.parametrize("state", [s for s in ALL_STATES if s != S.NEGOTIATION])
def test_messages_and_meetings_only_during_negotiation(client, officer, member, organisation, state):
    permit = PermitFactory(application__organisation=organisation, state=state)
    before = snapshot_of(permit)
    client.force_login(officer)
    assert client.post(url("officer_message", permit), {"body": "Hello."}).status_code == 409
    meeting = {"held_on": in_days(0), "participants": "A", "summary": "B"}
    assert client.post(url("record_meeting", permit), meeting).status_code == 409
    client.force_login(member)
    assert client.post(url("negotiation_reply", permit), {"body": "Hello."}).status_code == 409
    assert snapshot_of(permit) == before


def test_an_officer_posting_on_the_applicants_side_still_writes_as_the_agency(client, officer, organisation):
    permit = PermitFactory(application__organisation=organisation, state=S.NEGOTIATION)
    client.force_login(officer)
    assert client.post(url("negotiation_reply", permit), {"body": "Hello."}).status_code == 302
    assert permit.negotiation_messages.get().from_authority


@pytest.mark.parametrize(("persona", "status"), [("outsider", 404), ("registry_admin", 404)])
def test_only_members_and_officers_write_in_the_thread(client, request, organisation, persona, status):
    permit = PermitFactory(application__organisation=organisation, state=S.NEGOTIATION)
    before = snapshot_of(permit)
    client.force_login(request.getfixturevalue(persona))
    response = client.post(url("negotiation_reply", permit), {"body": "Hello."})
    assert response.status_code == status
    assert snapshot_of(permit) == before


def test_officer_message_through_the_service_is_the_agencys(officer, organisation):
    permit = PermitFactory(application__organisation=organisation, state=S.NEGOTIATION)
    message = processing.negotiation_post(permit=permit, user=officer, body="Hi.")
    assert message.from_authority


@pytest.mark.parametrize("body", ["", "  \n "])
def test_empty_messages_are_400(client, officer, member, organisation, body):
    permit = PermitFactory(application__organisation=organisation, state=S.NEGOTIATION)
    before = snapshot_of(permit)
    client.force_login(officer)
    assert client.post(url("officer_message", permit), {"body": body}).status_code == 400
    client.force_login(member)
    assert client.post(url("negotiation_reply", permit), {"body": body}).status_code == 400
    assert snapshot_of(permit) == before


# Technical review -------------------------------------------------------------------------------------------


def review_data(code: str, result: str, note: str = "", revision: int = 0) -> dict:
    return {f"{code}-result": result, f"{code}-note": note, f"{code}-revision": revision}


def test_officer_starts_technical_review_and_fills_the_checklist(client, officer, member, organisation):
    permit = PermitFactory(application__organisation=organisation)
    client.force_login(officer)
    assert client.post(url("start_technical_review", permit), {"revision": 0}).status_code == 302
    assert fresh(permit).state == S.TECHNICAL_REVIEW
    revision = fresh(permit).revision
    response = client.post(url("review_item", permit, "tls"), review_data("tls", "pass", revision=revision))
    assert response.status_code == 302
    revision = fresh(permit).revision
    response = client.post(
        url("review_item", permit, "hosting"),
        review_data("hosting", "fail", "Servers in a third country.", revision),
    )
    assert response.status_code == 302
    # Saving an item again replaces its result.
    revision = fresh(permit).revision
    client.post(url("review_item", permit, "tls"), review_data("tls", "na", "Not relevant.", revision))
    items = {i.code: (i.result, i.note, i.reviewed_by) for i in permit.review_items.all()}
    assert items == {
        "tls": ("na", "Not relevant.", officer),
        "hosting": ("fail", "Servers in a third country.", officer),
    }
    saved = permit.events.filter(action="review_item_saved")
    assert saved.count() == 3 and not saved.filter(visible_to_applicant=True).exists()
    audited = AuditEvent.objects.filter(action="case_review_item_saved", target_id=str(permit.uuid))
    assert [e.details["code"] for e in audited.order_by("id")] == ["tls", "hosting", "tls"]

    applicant = Client()
    applicant.force_login(member)
    page = applicant.get(reverse("permits:case", args=[permit.uuid])).content.decode()
    assert "Servers in a third country." not in page
    assert "checklist" not in page.lower()


@pytest.mark.parametrize(
    ("code", "data", "status"),
    [
        ("tls", review_data("tls", "fail", ""), 400),
        ("tls", review_data("tls", "maybe"), 400),
        ("tls", review_data("tls", ""), 400),
        ("tls", {"tls-result": "pass"}, 400),
        ("nonsense", review_data("nonsense", "pass"), 404),
    ],
)
def test_bad_review_input(client, officer, organisation, code, data, status):
    permit = PermitFactory(application__organisation=organisation, state=S.TECHNICAL_REVIEW)
    before = snapshot_of(permit)
    client.force_login(officer)
    assert client.post(url("review_item", permit, code), data).status_code == status
    assert snapshot_of(permit) == before


@pytest.mark.parametrize("state", [s for s in ALL_STATES if s != S.TECHNICAL_REVIEW])
def test_checklist_only_during_technical_review(client, officer, organisation, state):
    permit = PermitFactory(application__organisation=organisation, state=state)
    before = snapshot_of(permit)
    client.force_login(officer)
    response = client.post(url("review_item", permit, "tls"), review_data("tls", "pass"))
    assert response.status_code == 409
    assert snapshot_of(permit) == before


def test_stale_review_item_is_refused(client, officer, organisation):
    permit = PermitFactory(application__organisation=organisation, state=S.TECHNICAL_REVIEW)
    processing.internal_note_add(permit=permit, officer=officer, body="Meanwhile.")
    before = snapshot_of(permit)
    client.force_login(officer)
    response = client.post(url("review_item", permit, "tls"), review_data("tls", "pass", revision=0))
    assert response.status_code == 409
    assert snapshot_of(permit) == before


def test_every_checklist_item_has_a_label():
    from permits.review import CHECKLIST

    assert len(CHECKLIST_CODES) == len(set(CHECKLIST_CODES)) == 9
    assert all(str(label) for _code, label in CHECKLIST)


# Internal notes -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("state", ALL_STATES)
def test_officer_adds_an_internal_note_in_any_state(client, officer, member, organisation, state):
    permit = PermitFactory(application__organisation=organisation, state=state)
    client.force_login(officer)
    response = client.post(url("add_note", permit), {"body": "Called the applicant; waiting for logs."})
    assert response.status_code == 302
    note = permit.internal_notes.get()
    assert (note.author, note.body) == (officer, "Called the applicant; waiting for logs.")
    event = permit.events.get()
    assert (event.action, event.visible_to_applicant, event.to_state) == ("note_added", False, state)
    client.force_login(member)
    page = client.get(reverse("permits:case", args=[permit.uuid])).content.decode()
    assert "waiting for logs" not in page
    assert "Internal note added" not in page


def test_an_empty_note_is_400(client, officer, permit):
    client.force_login(officer)
    before = snapshot_of(permit)
    assert client.post(url("add_note", permit), {"body": "  "}).status_code == 400
    assert snapshot_of(permit) == before


@pytest.mark.parametrize("name", [a[0] for a in ACTIONS] + ["negotiation_reply"])
def test_get_is_not_allowed(client, officer, permit, name):
    client.force_login(officer)
    assert client.get(url(name, permit)).status_code == 405


def test_anonymous_answer_and_review_go_to_sign_in(client, asked, organisation):
    review = PermitFactory(application__organisation=organisation, state=S.TECHNICAL_REVIEW)
    before = snapshot_of(asked.permit), snapshot_of(review)
    for target, data in [
        (answer_url(asked), {"response": "Anonymous."}),
        (url("review_item", review, "tls"), review_data("tls", "pass")),
    ]:
        response = client.post(target, data)
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))
    assert (snapshot_of(asked.permit), snapshot_of(review)) == before


FORGED = {
    "state": S.GRANTED,
    "permit": "x",
    "officer": "1",
    "author": "1",
    "from_authority": "0",
    "revision_x": "9",
}


@pytest.mark.parametrize(
    ("name", "state", "data", "expected_state"),
    [
        ("start_negotiation", S.SUBMITTED, {"revision": 0}, S.NEGOTIATION),
        ("start_technical_review", S.SUBMITTED, {"revision": 0}, S.TECHNICAL_REVIEW),
        ("officer_message", S.NEGOTIATION, {"body": "Hi."}, S.NEGOTIATION),
        ("add_note", S.SUBMITTED, {"body": "Note."}, S.SUBMITTED),
        (
            "record_meeting",
            S.NEGOTIATION,
            {"held_on": in_days(0), "participants": "A", "summary": "B"},
            S.NEGOTIATION,
        ),
    ],
)
def test_forged_fields_on_officer_actions_are_ignored(
    client, officer, organisation, name, state, data, expected_state
):
    permit = PermitFactory(application__organisation=organisation, state=state)
    client.force_login(officer)
    assert client.post(url(name, permit), {**data, **FORGED}).status_code == 302
    after = fresh(permit)
    assert after.state == expected_state
    assert after.events.get().actor == officer
    assert not NegotiationMessage.objects.exclude(author=officer).exists()
    assert all(m.from_authority for m in NegotiationMessage.objects.all())


def test_forged_fields_on_the_applicants_message_are_ignored(client, member, organisation):
    permit = PermitFactory(application__organisation=organisation, state=S.NEGOTIATION)
    client.force_login(member)
    response = client.post(url("negotiation_reply", permit), {"body": "Hi.", **FORGED, "from_authority": "1"})
    assert response.status_code == 302
    message = permit.negotiation_messages.get()
    assert (message.author, message.from_authority) == (member, False)
    assert fresh(permit).state == S.NEGOTIATION


def test_forged_review_fields_are_ignored(client, officer, organisation):
    permit = PermitFactory(application__organisation=organisation, state=S.TECHNICAL_REVIEW)
    client.force_login(officer)
    data = {**review_data("tls", "pass"), "tls-code": "hosting", "code": "hosting", "tls-reviewed_by": "1"}
    assert client.post(url("review_item", permit, "tls"), data).status_code == 302
    item = permit.review_items.get()
    assert (item.code, item.reviewed_by) == ("tls", officer)


def test_withdrawal_closes_the_open_request_and_its_sections(client, signatory, asked):
    client.force_login(signatory)
    withdraw = reverse("permits:withdraw", args=[asked.permit.uuid])
    assert client.post(withdraw, {"reason": "Not needed."}).status_code == 302
    assert SupplementRequest.objects.get(pk=asked.pk).state == SupplementState.CLOSED
    application = Application.objects.get(pk=asked.permit.application_id)
    assert application.reopened_sections == []
    step = reverse("applications:step", args=[application.uuid, "data-use"])
    assert client.post(step, section_data(asked.permit)).status_code == 409
    response = client.post(answer_url(asked), {"response": "Too late."})
    assert "closed without an answer" in response.content.decode()


def test_the_supplement_email_gives_the_reply_by_date(
    officer, organisation, signatory, mailoutbox, django_capture_on_commit_callbacks
):
    permit = PermitFactory(application__organisation=organisation)
    with django_capture_on_commit_callbacks(execute=True):
        supplement = request_supplement(permit, officer)
    signatory_mail = next(m for m in mailoutbox if m.to == [signatory.email])
    with translation.override(signatory.language):
        shown = date_format(supplement.respond_by, "SHORT_DATE_FORMAT")
    assert f"answer by {shown}" in signatory_mail.body


def test_the_assigned_officer_hears_of_the_answer(
    client, officer, member, asked, mailoutbox, django_capture_on_commit_callbacks
):
    Permit.objects.filter(pk=asked.permit_id).update(assigned_to=officer)
    client.force_login(member)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(answer_url(asked), {"response": "Clarified."}).status_code == 302
    to_officer = [m for m in mailoutbox if m.to == [officer.email]]
    assert len(to_officer) == 1
    assert reverse("permits:officer_case", args=[asked.permit.uuid]) in to_officer[0].body
    assert "Clarified." in to_officer[0].body
    assert officer.notifications.filter(link__contains=str(asked.permit.uuid)).count() == 1


def test_every_officer_hears_of_a_message_on_an_unassigned_case(
    client, officer, member, organisation, django_capture_on_commit_callbacks
):
    from tests.factories import StaffFactory

    colleague = StaffFactory(groups=["officer"])
    permit = PermitFactory(application__organisation=organisation, state=S.NEGOTIATION)
    client.force_login(member)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("negotiation_reply", permit), {"body": "A question."})
    assert response.status_code == 302
    for person in (officer, colleague):
        assert person.notifications.filter(link__contains=str(permit.uuid)).count() == 1
    assert not member.notifications.filter(link__contains=str(permit.uuid)).exists()
