import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from applications.models import Attachment
from permits.models import DocumentKind, PermitEvent, PermitState
from permits.pdf import receipt_create
from tests.factories import ApplicationFactory, MembershipFactory, PermitFactory, UserFactory


def case_url(permit) -> str:
    return reverse("permits:case", args=[permit.uuid])


@pytest.fixture
def permit(organisation):
    permit = PermitFactory(application__organisation=organisation)
    PermitEvent.objects.create(permit=permit, action="submitted", to_state=PermitState.SUBMITTED)
    return permit


# Dashboard ----------------------------------------------------------------------------------------


def test_dashboard_needs_sign_in(client):
    response = client.get(reverse("permits:dashboard"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_dashboard_lists_the_organisations_drafts_and_cases(client, member, organisation, permit):
    draft = ApplicationFactory(organisation=organisation)
    supplement = PermitFactory(application__organisation=organisation, state=PermitState.SUPPLEMENT_REQUESTED)
    elsewhere = PermitFactory()
    other_draft = ApplicationFactory()
    client.force_login(member)

    response = client.get(reverse("permits:dashboard"))

    assert response.status_code == 200
    page = response.content.decode()
    assert reverse("applications:step", args=[draft.uuid, "purpose"]) in page
    assert reverse("applications:create") in page
    assert reverse("applications:consultations") in page
    assert permit.reference in page and case_url(permit) in page
    assert supplement.reference in page
    assert "Answer the supplement request." in page
    assert "Complete the application and have a signatory submit it." in page
    assert elsewhere.reference not in page
    assert str(other_draft.uuid) not in page


def test_dashboard_shows_only_the_acting_organisation(client, permit):
    # A member of two organisations sees the one chosen in the header switcher.
    other = PermitFactory()
    user = MembershipFactory(organisation=permit.application.organisation).user
    MembershipFactory(organisation=other.application.organisation, user=user)
    client.force_login(user)
    session = client.session
    session["active_organisation"] = str(other.application.organisation.uuid)
    session.save()
    page = client.get(reverse("permits:dashboard")).content.decode()
    assert other.reference in page
    assert permit.reference not in page


@pytest.mark.parametrize("persona", ["officer", "user_without_organisation"])
def test_dashboard_sends_others_home(client, db, request, persona):
    user = UserFactory() if persona == "user_without_organisation" else request.getfixturevalue(persona)
    client.force_login(user)
    response = client.get(reverse("permits:dashboard"))
    assert response.status_code == 302
    assert response.url == reverse("accounts:home")


@pytest.mark.parametrize("size", [2, 20])
def test_dashboard_queries_do_not_grow(client, member, organisation, size, django_assert_max_num_queries):
    for _ in range(size):
        ApplicationFactory(organisation=organisation)
        PermitFactory(application__organisation=organisation)
    client.force_login(member)
    # 6 for the page and 1 for the header's unread notification count.
    with django_assert_max_num_queries(7):
        response = client.get(reverse("permits:dashboard"))
    assert response.status_code == 200
    assert len(response.context["cases"]) == size


# Case page ----------------------------------------------------------------------------------------


def test_case_page_needs_sign_in(client, permit):
    response = client.get(case_url(permit))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_outsider_gets_404(client, outsider, permit):
    client.force_login(outsider)
    assert client.get(case_url(permit)).status_code == 404


def test_member_sees_the_case(client, member, permit):
    receipt_create(permit, "en")
    PermitEvent.objects.create(
        permit=permit, action="internal_note", note="Officers only.", visible_to_applicant=False
    )
    client.force_login(member)

    response = client.get(case_url(permit))

    assert response.status_code == 200
    page = response.content.decode()
    assert permit.reference in page
    assert "Received, waiting for processing" in page
    assert permit.application.purpose_description in page
    assert reverse("permits:document", args=[permit.documents.get().uuid]) in page
    assert "Application submitted" in page
    assert "Officers only." not in page
    # Only a signatory is offered the withdrawal.
    assert reverse("permits:withdraw", args=[permit.uuid]) not in page
    assert not AuditEvent.objects.filter(action="case_viewed").exists()


def test_signatory_is_offered_withdrawal_while_in_processing(client, signatory, permit, organisation):
    client.force_login(signatory)
    assert reverse("permits:withdraw", args=[permit.uuid]) in client.get(case_url(permit)).content.decode()
    granted = PermitFactory(application__organisation=organisation, state=PermitState.GRANTED)
    assert (
        reverse("permits:withdraw", args=[granted.uuid]) not in client.get(case_url(granted)).content.decode()
    )


@pytest.mark.parametrize("persona", ["officer", "decision_maker"])
def test_staff_view_of_a_case_is_audited(client, request, persona, permit):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    response = client.get(case_url(permit))
    assert response.status_code == 200
    assert reverse("permits:withdraw", args=[permit.uuid]) not in response.content.decode()
    event = AuditEvent.objects.get(action="case_viewed")
    assert (event.actor, event.target_id) == (user, str(permit.uuid))


def test_user_text_is_escaped_on_the_case_page(client, member, organisation):
    application = ApplicationFactory(complete=True, status="submitted", organisation=organisation)
    application.purpose_description = "<script>alert(1)</script>"
    application.save()
    permit = PermitFactory(application=application)
    client.force_login(member)
    page = client.get(case_url(permit)).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page


@pytest.mark.parametrize("size", [1, 15])
def test_case_page_queries_do_not_grow(client, member, organisation, size, django_assert_max_num_queries):
    application = ApplicationFactory(complete=True, status="submitted", organisation=organisation)
    for n in range(size):
        Attachment.objects.create(
            application=application,
            display_name=f"liite-{n}.pdf",
            file=f"attachments/x{n}.pdf",
            content_type="application/pdf",
            size=1000,
            sha256="0" * 64,
            uploaded_by=application.created_by,
        )
    permit = PermitFactory(application=application)
    for n in range(size):
        PermitEvent.objects.create(permit=permit, actor=member, action=f"note{n}", note=f"Note {n}")
    for n in range(size):
        permit.documents.create(
            kind=DocumentKind.RECEIPT,
            version_number=n + 1,
            language="fi",
            file=f"documents/{n}.pdf",
            sha256="0" * 64,
        )
    client.force_login(member)
    # The page, its clock, its decision and supplement panels, and the header's unread notification count.
    with django_assert_max_num_queries(19):
        response = client.get(case_url(permit))
    assert response.status_code == 200
    assert len(response.context["events"]) == size
    assert f"liite-{size - 1}.pdf" in response.content.decode()


# Documents ----------------------------------------------------------------------------------------


@pytest.fixture
def receipt(permit):
    return receipt_create(permit, "fi")


def test_document_is_a_download(client, member, receipt):
    client.force_login(member)
    response = client.get(reverse("permits:document", args=[receipt.uuid]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_document_ladder(client, outsider, officer, receipt):
    url = reverse("permits:document", args=[receipt.uuid])
    assert client.get(url).url.startswith(reverse("account_login"))
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    client.force_login(officer)
    assert client.get(url).status_code == 200
    assert AuditEvent.objects.filter(action="document_downloaded", actor=officer).exists()


def test_officer_sees_the_consultation_and_attachment_hashes_on_the_case(
    client, officer, organisation, member
):
    from applications.services.consultations import consultation_open

    consultation = consultation_open(
        organisation=organisation, user=member, product=None, subject="Ennen hakemista", question="Kysymys"
    )
    application = ApplicationFactory(
        complete=True, status="submitted", organisation=organisation, consultation=consultation
    )
    Attachment.objects.create(
        application=application,
        display_name="selvitys.pdf",
        file="attachments/x.pdf",
        content_type="application/pdf",
        size=1000,
        sha256="ab" * 32,
        uploaded_by=member,
    )
    permit = PermitFactory(application=application)
    client.force_login(officer)
    page = client.get(case_url(permit)).content.decode()
    assert reverse("applications:consultation", args=[consultation.uuid]) in page
    assert "ab" * 32 in page
    client.force_login(member)
    page = client.get(case_url(permit)).content.decode()
    assert "ab" * 32 not in page.split("attachment-files-heading")[1]
