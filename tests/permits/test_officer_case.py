"""The officers' case page: who may open it, what it shows, and which actions it offers."""

import hashlib

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from accounts.models import AuditEvent
from applications.completeness import snapshot
from applications.models import (
    Application,
    ApplicationVersion,
    Attachment,
    Consultation,
    DataGroup,
    RequestedDataGroup,
)
from applications.summary import build_summary
from permits.deadlines import local_date
from permits.models import PermitEvent, PermitState, ReviewResult
from permits.selectors import versions as processing_selectors
from permits.services import processing
from tests.factories import OrganisationFactory, PermitFactory

S = PermitState


def page_url(permit) -> str:
    return reverse("permits:officer_case", args=[permit.uuid])


@pytest.fixture
def permit(organisation):
    return PermitFactory(application__organisation=organisation)


# The ladder ---------------------------------------------------------------------------------------------


def test_anonymous_goes_to_sign_in(client, permit):
    response = client.get(page_url(permit))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("outsider", 404),
        ("member", 403),
        ("signatory", 403),
        ("org_admin", 403),
        ("registry_admin", 404),
        ("officer", 200),
        ("decision_maker", 200),
    ],
)
def test_page_ladder(client, request, permit, persona, status):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    response = client.get(page_url(permit))
    assert response.status_code == status
    viewed = AuditEvent.objects.filter(action="case_viewed", actor=user, target_id=str(permit.uuid))
    assert viewed.count() == (1 if status == 200 else 0)


def test_an_unknown_case_is_404(client, officer):
    import uuid

    client.force_login(officer)
    assert client.get(reverse("permits:officer_case", args=[uuid.uuid4()])).status_code == 404


def test_every_view_is_audited(client, officer, permit):
    client.force_login(officer)
    client.get(page_url(permit))
    client.get(page_url(permit))
    events = AuditEvent.objects.filter(action="case_viewed", actor=officer, target_id=str(permit.uuid))
    assert events.count() == 2
    assert events.first().details["page"] == "officer"
    assert events.first().organisation == permit.application.organisation


def test_a_refused_action_page_is_audited_too(client, officer, permit):
    client.force_login(officer)
    client.post(reverse("permits:add_note", args=[permit.uuid]), {"body": ""})
    assert AuditEvent.objects.filter(action="case_viewed", actor=officer).count() == 1


# What it shows -------------------------------------------------------------------------------------------


def test_shows_the_application_attachments_with_hashes_and_the_consultation(
    client, officer, member, organisation
):
    consultation = Consultation.objects.create(
        organisation=organisation, subject="Address checks", created_by=member
    )
    permit = PermitFactory(application__organisation=organisation, application__consultation=consultation)
    content = b"%PDF-1.4 security report"
    Attachment.objects.create(
        application=permit.application,
        display_name="security.pdf",
        file=ContentFile(content, name="x.pdf"),
        content_type="application/pdf",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=member,
    )
    client.force_login(officer)
    page = client.get(page_url(permit)).content.decode()
    assert permit.reference in page
    assert organisation.name in page and organisation.business_id in page
    assert "Saatavien perintä asiakkailta" in page  # from the summary of the latest version
    assert "security.pdf" in page and hashlib.sha256(content).hexdigest() in page
    assert reverse("applications:consultation", args=[consultation.uuid]) in page
    assert "Address checks" in page
    assert reverse("permits:case", args=[permit.uuid]) in page


def test_shows_who_filed_for_whom(client, officer, organisation):
    licensee = OrganisationFactory(name="Licensee Services Oy")
    permit = PermitFactory(application__organisation=organisation, application__filed_by=licensee)
    client.force_login(officer)
    page = client.get(page_url(permit)).content.decode()
    assert "Licensee Services Oy, a framework licensee, for its client" in page


def test_timeline_shows_every_event_and_marks_the_internal_ones(client, officer, permit):
    PermitEvent.objects.create(permit=permit, action="submitted", to_state=S.SUBMITTED)
    processing.internal_note_add(permit=permit, officer=officer, body="Check the logs.")
    client.force_login(officer)
    response = client.get(page_url(permit))
    timeline = response.content.decode().split('id="timeline-heading"')[1].split("</section>")[0]
    assert "Application submitted" in timeline
    assert "Internal note added" in timeline
    assert "No, internal" in timeline
    assert "Check the logs." in response.content.decode()


def test_version_history_shows_what_changed_field_by_field(client, officer, member, organisation):
    permit = PermitFactory(application__organisation=organisation)
    application = Application.objects.get(pk=permit.application_id)
    application.use_description = "Osoitteita käytetään vain kirjeisiin."
    application.hosting_description = "Pilvipalvelu Ruotsissa."
    application.save()
    application.requested_groups.filter(data_group__code="VAKINAINEN_OSOITE").delete()
    application.requested_groups.filter(data_group__code="HENKILON_NIMI").update(
        justification="Nimi tarvitaan kirjeen osoittamiseen oikealle henkilölle."
    )
    added = DataGroup.objects.exclude(code__in=["HENKILON_NIMI", "VAKINAINEN_OSOITE"]).first()
    RequestedDataGroup.objects.create(
        application=application, data_group=added, justification="Uusi perustelu tälle ryhmälle."
    )
    ApplicationVersion.objects.create(
        application=application,
        number=2,
        submitted_at=permit.submitted_at,
        submitted_by=member,
        snapshot=snapshot(application),
    )
    client.force_login(officer)
    page = client.get(page_url(permit)).content.decode()
    history = page.split('id="versions-heading"')[1].split("</section>")[0]
    assert "Changes since version 1" in history
    assert "What the data is used for" in history
    assert "Osoitteita käytetään vain kirjeisiin." in history
    assert "Hosting" in history and "Pilvipalvelu Ruotsissa." in history
    assert DataGroup.objects.get(code="VAKINAINEN_OSOITE").name in history
    assert "removed" in history and "added" in history
    assert added.name in history
    assert "Nimi tarvitaan kirjeen osoittamiseen" in history
    # Unchanged fields are not listed.
    assert "Test environment" not in history
    assert "The first submission." in history


def test_snapshot_changes_lists_only_differences(permit):
    old = permit.application.versions.get().snapshot
    new = {
        **old,
        "legal_basis": "Uusi peruste.",
        "attachments": [{"name": "a.pdf", "sha256": "ab", "size": 10}],
    }
    summaries = [build_summary(old), build_summary(new)]
    changes = processing_selectors.snapshot_changes(old, new, *summaries)
    assert [(c.kind, str(c.label), c.after) for c in changes] == [
        ("changed", "Legal basis or statute relied on", "Uusi peruste."),
        ("added", "a.pdf", "1 kB · SHA-256 ab"),
    ]
    assert processing_selectors.snapshot_changes(old, old, summaries[0], summaries[0]) == []


def test_supplement_rounds_and_notes_are_shown(client, officer, member, organisation):
    permit = PermitFactory(application__organisation=organisation)
    supplement = processing.permit_request_supplement(
        permit=permit,
        officer=officer,
        message="Please describe the log retention.",
        sections=["security"],
        respond_by=processing.default_respond_by(),
        revision=0,
    )
    processing.supplement_answer(supplement=supplement, user=member, response="Logs kept five years.")
    client.force_login(officer)
    page = client.get(page_url(permit)).content.decode()
    assert "Please describe the log retention." in page
    assert "Logs kept five years." in page
    assert "Information security report" in page  # the reopened section, by title
    assert "Version 2, submitted by" in page


def test_checklist_is_shown_read_only_after_the_review(client, officer, organisation):
    permit = PermitFactory(application__organisation=organisation, state=S.TECHNICAL_REVIEW)
    processing.review_item_save(
        permit=permit, officer=officer, code="hosting", result=ReviewResult.PASS, note="Finland.", revision=0
    )
    processing.permit_start_negotiation(permit=permit, officer=officer, revision=1)
    client.force_login(officer)
    page = client.get(page_url(permit)).content.decode()
    review = page.split('id="review-heading"')[1].split("</section>")[0]
    assert "Finland." in review and "Pass" in review
    assert "<form" not in review


# Actions offered ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (S.SUBMITTED, {"request_supplement", "start_negotiation", "start_technical_review", "add_note"}),
        (
            S.NEGOTIATION,
            {"request_supplement", "start_technical_review", "officer_message", "record_meeting", "add_note"},
        ),
        (S.TECHNICAL_REVIEW, {"request_supplement", "start_negotiation", "review_item", "add_note"}),
        (S.SUPPLEMENT_REQUESTED, {"add_note"}),
        (S.GRANTED, {"add_note"}),
        (S.REJECTED, {"add_note"}),
        (S.WITHDRAWN, {"add_note"}),
        (S.PRODUCTION, {"add_note"}),
    ],
)
def test_only_the_actions_allowed_in_the_state_are_offered(client, officer, organisation, state, expected):
    permit = PermitFactory(application__organisation=organisation, state=state)
    client.force_login(officer)
    page = client.get(page_url(permit)).content.decode()
    actions = {
        name
        for name in [
            "request_supplement",
            "start_negotiation",
            "start_technical_review",
            "officer_message",
            "record_meeting",
            "add_note",
        ]
        if f'action="{reverse(f"permits:{name}", args=[permit.uuid])}"' in page
    }
    if f'action="{reverse("permits:review_item", args=[permit.uuid, "tls"])}"' in page:
        actions.add("review_item")
    assert actions == expected


def test_forms_carry_the_current_revision(client, officer, permit):
    processing.internal_note_add(permit=permit, officer=officer, body="One.")
    client.force_login(officer)
    page = client.get(page_url(permit)).content.decode()
    assert 'name="revision" value="1"' in page
    assert 'name="revision" value="0"' not in page


def test_ids_on_the_page_are_unique(client, officer, organisation):
    import re

    permit = PermitFactory(application__organisation=organisation, state=S.TECHNICAL_REVIEW)
    client.force_login(officer)
    page = client.get(page_url(permit)).content.decode()
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


def test_internal_notes_never_reach_the_applicant(client, officer, member, organisation):
    permit = PermitFactory(application__organisation=organisation, state=S.NEGOTIATION)
    processing.internal_note_add(permit=permit, officer=officer, body="Applicant seems unsure.")
    client.force_login(member)
    page = client.get(reverse("permits:case", args=[permit.uuid])).content.decode()
    assert "Applicant seems unsure." not in page
    assert "Internal notes" not in page


def test_query_count_does_not_grow_with_the_case(client, officer, member, organisation):
    """Notes, messages, meetings and submitted versions (each with its summary and its changes)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(size: int) -> int:
        permit = PermitFactory(application__organisation=organisation, state=S.NEGOTIATION)
        for n in range(size):
            content = snapshot(permit.application)
            content["purpose_description"] = f"Version {n + 2}"
            ApplicationVersion.objects.create(
                application=permit.application,
                number=n + 2,
                submitted_at=permit.submitted_at,
                submitted_by=member,
                snapshot=content,
            )
            processing.internal_note_add(permit=permit, officer=officer, body=f"Note {n}")
            processing.negotiation_post(permit=permit, user=member, body=f"Message {n}")
            processing.meeting_record(
                permit=permit,
                officer=officer,
                held_on=local_date(permit.submitted_at),
                participants="A, B",
                summary=f"Meeting {n}",
            )
        client.force_login(officer)
        client.get(reverse("accounts:profile"))  # the session's idle-timeout stamp is written once a minute
        with CaptureQueriesContext(connection) as captured:
            assert client.get(page_url(permit)).status_code == 200
        return len(captured)

    assert queries(1) == queries(8)


@pytest.mark.parametrize(("state", "offered"), [(S.SUBMITTED, True), (S.GRANTED, True), (S.REJECTED, False)])
def test_the_work_queues_assignment_form_is_on_the_page(client, officer, organisation, state, offered):
    permit = PermitFactory(application__organisation=organisation, state=state)
    client.force_login(officer)
    page = client.get(page_url(permit)).content.decode()
    assign = reverse("permits:assign", args=[permit.uuid])
    assert (f'action="{assign}"' in page) is offered
    if offered:
        assert f'name="next" value="{page_url(permit)}"' in page


def test_a_refused_form_says_at_the_top_that_nothing_was_saved(client, officer, permit):
    client.force_login(officer)
    response = client.post(reverse("permits:add_note", args=[permit.uuid]), {"body": ""})
    assert response.status_code == 400
    assert "Nothing was saved. Correct the marked fields" in response.content.decode()
