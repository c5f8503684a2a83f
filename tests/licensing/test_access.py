"""Who reaches a client's application and case that a framework licensee filed.

Six people against every URL of the client's draft and case: the licensee's member acting under the
mandate, a member of a second licensee, a member of a licensee whose mandate ended, a member of a licensee
whose licence expired, a (non-signatory) member of the client, and an outsider. Hidden is 404, visible but
not allowed is 403; a refused write changes nothing.
"""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from applications.models import Application, Attachment, TermsVersion
from permits.models import DocumentKind, Permit, PermitState, SupplementRequest
from tests.factories import (
    ApplicationFactory,
    ClientMandateFactory,
    FrameworkLicenceFactory,
    MembershipFactory,
    OrganisationFactory,
    PermitFactory,
)

S = PermitState
OK, HIDDEN, FORBIDDEN = 200, 404, 403


def licensee_member(client_org, *, mandate_ended=False, licence_expired=False, mandate=True):
    licensee = OrganisationFactory()
    today = timezone.localdate()
    if licence_expired:
        FrameworkLicenceFactory(
            licensee=licensee, valid_from=today - timedelta(days=400), valid_until=today - timedelta(days=1)
        )
    else:
        FrameworkLicenceFactory(licensee=licensee)
    if mandate:
        ClientMandateFactory(
            licensee=licensee,
            client=client_org,
            ended_at=timezone.now() if mandate_ended else None,
        )
    return MembershipFactory(organisation=licensee).user, licensee


@pytest.fixture
def world(organisation, outsider):
    """One client with a draft and a case filed by the acting licensee, and the six people."""
    acting, licensee = licensee_member(organisation)
    second, _ = licensee_member(organisation, mandate=False)
    ended, ended_licensee = licensee_member(organisation, mandate_ended=True)
    expired, expired_licensee = licensee_member(organisation, licence_expired=True)
    draft = ApplicationFactory(organisation=organisation, filed_by=licensee, complete=True)
    attachment = Attachment.objects.create(
        application=draft,
        display_name="liite.pdf",
        file=SimpleUploadedFile("x.pdf", b"%PDF-1.4\n%%EOF\n"),
        content_type="application/pdf",
        size=15,
        sha256="0" * 64,
        uploaded_by=acting,
    )
    permit = PermitFactory(
        application__organisation=organisation, application__filed_by=licensee, state=S.NEGOTIATION
    )
    document = permit.documents.create(
        kind=DocumentKind.RECEIPT,
        version_number=1,
        language="fi",
        file=SimpleUploadedFile("r.pdf", b"%PDF-1.4\n%%EOF\n"),
        sha256="0" * 64,
    )
    # The licensees whose access ended filed cases for the same client too: they see none of them either.
    PermitFactory(application__organisation=organisation, application__filed_by=ended_licensee)
    PermitFactory(application__organisation=organisation, application__filed_by=expired_licensee)
    return {
        "people": {
            "acting licensee": acting,
            "second licensee": second,
            "mandate ended": ended,
            "licence expired": expired,
            "client member": MembershipFactory(organisation=organisation).user,
            "outsider": outsider,
        },
        "draft": draft,
        "attachment": attachment,
        "permit": permit,
        "document": document,
    }


# What each person gets: reads, and the writes a member of the applicant may make.
ACCESS = {
    "acting licensee": OK,
    "second licensee": HIDDEN,
    "mandate ended": HIDDEN,
    "licence expired": HIDDEN,
    "client member": OK,
    "outsider": HIDDEN,
}
PEOPLE = list(ACCESS)

READS = [
    ("wizard step", lambda w: reverse("applications:step", args=[w["draft"].uuid, "purpose"])),
    ("review", lambda w: reverse("applications:step", args=[w["draft"].uuid, "review"])),
    ("attachment", lambda w: reverse("applications:attachment_download", args=[w["attachment"].uuid])),
    ("case", lambda w: reverse("permits:case", args=[w["permit"].uuid])),
    ("document", lambda w: reverse("permits:document", args=[w["document"].uuid])),
]


@pytest.mark.parametrize("person", PEOPLE)
@pytest.mark.parametrize(("page", "url"), READS, ids=[r[0] for r in READS])
def test_reads(client, world, person, page, url):
    client.force_login(world["people"][person])
    assert client.get(url(world)).status_code == ACCESS[person]


def draft_state(world) -> tuple:
    draft = Application.objects.get(pk=world["draft"].pk)
    return (draft.purpose_description, draft.attachments.count(), draft.updated_at)


@pytest.mark.parametrize("person", PEOPLE)
def test_editing_the_draft(client, world, person):
    client.force_login(world["people"][person])
    before = draft_state(world)
    url = reverse("applications:step", args=[world["draft"].uuid, "purpose"])
    data = {
        "product": world["draft"].product_id,
        "purpose": world["draft"].purpose_id,
        "purpose_description": "Changed by " + person,
        "legal_basis": "Laki.",
    }
    response = client.post(url, data)
    if ACCESS[person] == OK:
        assert response.status_code == 302
        assert Application.objects.get(pk=world["draft"].pk).purpose_description == "Changed by " + person
    else:
        assert response.status_code == HIDDEN
        assert draft_state(world) == before


@pytest.mark.parametrize("person", PEOPLE)
def test_removing_an_attachment(client, world, person):
    client.force_login(world["people"][person])
    response = client.post(reverse("applications:attachment_remove", args=[world["attachment"].uuid]))
    exists = Attachment.objects.filter(pk=world["attachment"].pk).exists()
    if ACCESS[person] == OK:
        assert response.status_code == 302 and not exists
    else:
        assert response.status_code == HIDDEN and exists


@pytest.mark.parametrize("person", PEOPLE)
def test_writing_in_the_negotiation(client, world, person):
    client.force_login(world["people"][person])
    permit = world["permit"]
    response = client.post(reverse("permits:negotiation_reply", args=[permit.uuid]), {"body": "Kysymys."})
    count = permit.negotiation_messages.count()
    if ACCESS[person] == OK:
        assert (response.status_code, count) == (302, 1)
    else:
        assert (response.status_code, count) == (HIDDEN, 0)


@pytest.mark.parametrize("person", PEOPLE)
def test_answering_a_supplement_request(client, world, person, officer):
    from permits.services import processing

    permit = world["permit"]
    supplement = processing.permit_request_supplement(
        permit=permit,
        officer=officer,
        message="Tarkentakaa.",
        sections=[],
        respond_by=timezone.localdate() + timedelta(days=10),
        revision=permit.revision,
    )
    client.force_login(world["people"][person])
    response = client.post(
        reverse("permits:supplement_answer", args=[supplement.uuid]), {"response": "Tässä."}
    )
    answered = SupplementRequest.objects.get(pk=supplement.pk).state == "answered"
    if ACCESS[person] == OK:
        assert response.status_code == 302 and answered
    else:
        assert response.status_code == HIDDEN and not answered


# Signatory acts stay with the client's signatories: the licensee may see the case but not act for them.
SIGNATORY_ACTS = [
    ("withdraw", lambda w: reverse("permits:withdraw", args=[w["permit"].uuid]), {"reason": "Ei tarvita."}),
    ("accept terms", lambda w: reverse("permits:terms_accept", args=[w["permit"].uuid]), "terms"),
]


@pytest.mark.parametrize("person", PEOPLE)
@pytest.mark.parametrize(("act", "url", "data"), SIGNATORY_ACTS, ids=[a[0] for a in SIGNATORY_ACTS])
def test_signatory_acts_are_refused(client, world, person, act, url, data):
    client.force_login(world["people"][person])
    before = Permit.objects.get(pk=world["permit"].pk)
    if data == "terms":
        Permit.objects.filter(pk=before.pk).update(state=S.GRANTED)
        before = Permit.objects.get(pk=before.pk)
        version = TermsVersion.objects.in_force().version
        data = {"revision": before.revision, "terms_version": version, "accept": "on"}
    response = client.post(url(world), data)
    after = Permit.objects.get(pk=world["permit"].pk)
    assert response.status_code == (FORBIDDEN if ACCESS[person] == OK else HIDDEN)
    assert (after.state, after.revision) == (before.state, before.revision)


@pytest.mark.parametrize("person", PEOPLE)
def test_the_dashboard_lists_only_what_the_person_may_see(client, world, person):
    from applications.access import applications_visible_to
    from permits.access import permits_visible_to

    user = world["people"][person]
    cases = set(permits_visible_to(user).values_list("pk", flat=True))
    drafts = set(applications_visible_to(user).drafts().values_list("pk", flat=True))
    if person == "acting licensee":
        assert cases == {world["permit"].pk} and drafts == {world["draft"].pk}
    elif person == "client member":
        assert world["permit"].pk in cases and len(cases) == 3 and drafts == {world["draft"].pk}
    else:
        assert cases == set() and drafts == set()


def test_a_mandate_past_its_end_date_ends_access(client, world):
    from accounts.models import ClientMandate

    acting = world["people"]["acting licensee"]
    ClientMandate.objects.filter(licensee__memberships__user=acting).update(
        ends_on=timezone.localdate() - timedelta(days=1)
    )
    client.force_login(acting)
    assert client.get(reverse("permits:case", args=[world["permit"].uuid])).status_code == HIDDEN


def test_staff_see_the_case_but_not_the_draft(client, world, officer):
    client.force_login(officer)
    assert client.get(reverse("permits:case", args=[world["permit"].uuid])).status_code == OK
    assert (
        client.get(reverse("applications:step", args=[world["draft"].uuid, "purpose"])).status_code == HIDDEN
    )
