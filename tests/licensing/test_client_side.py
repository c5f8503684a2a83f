"""The client's side of a licensee's work: confirming the prepared application, ending the mandate, and
who may download the power of attorney.

The client is the `organisation` fixture (its `signatory`, `org_admin` and non-signatory `member`); the
licensee holds a valid framework licence and a mandate in force, and its `seller` prepared the draft.
"""

import re
from datetime import timedelta

import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, ClientMandate, Membership, MembershipRole
from applications.completeness import snapshot
from applications.models import Application, ApplicationStatus, Attachment, ClientCommitment, TermsVersion
from applications.selectors.licensing import content_hash
from applications.services.licensing import CONFIRMATION_REQUEST_SALT
from notifications.models import Notification, NotificationKind
from permits.access import permits_visible_to
from permits.models import DocumentKind, Permit, PermitEvent, PermitState
from tests.factories import (
    ApplicationFactory,
    ClientMandateFactory,
    FrameworkLicenceFactory,
    MembershipFactory,
    OrganisationFactory,
    PermitFactory,
)

POWER_OF_ATTORNEY = b"%PDF-1.4\n% valtakirja\n%%EOF\n"


def licensee_with_member(client_org, *, mandate=True, licence_expired=False, role=MembershipRole.MEMBER):
    licensee = OrganisationFactory()
    today = timezone.localdate()
    if licence_expired:
        FrameworkLicenceFactory(
            licensee=licensee, valid_from=today - timedelta(days=400), valid_until=today - timedelta(days=1)
        )
    else:
        FrameworkLicenceFactory(licensee=licensee)
    found = None
    if mandate:
        found = ClientMandateFactory(
            licensee=licensee,
            client=client_org,
            power_of_attorney=SimpleUploadedFile("x.pdf", POWER_OF_ATTORNEY),
            power_of_attorney_name="Valtakirja Asiakas Oy.pdf",
        )
    return licensee, MembershipFactory(organisation=licensee, role=role).user, found


@pytest.fixture
def world(organisation, signatory, member, org_admin):
    licensee, seller, mandate = licensee_with_member(organisation)
    licensee_admin = MembershipFactory(organisation=licensee, role=MembershipRole.ADMIN).user
    draft = ApplicationFactory(organisation=organisation, filed_by=licensee, complete=True, created_by=seller)
    return {
        "licensee": licensee,
        "seller": seller,
        "licensee_admin": licensee_admin,
        "mandate": mandate,
        "draft": draft,
    }


def confirm_url(application: Application) -> str:
    return reverse("applications:confirm", args=[application.uuid])


def review_url(application: Application) -> str:
    return reverse("applications:step", args=[application.uuid, "review"])


def current_hash(application: Application) -> str:
    return content_hash(snapshot(Application.objects.get(pk=application.pk)))


def confirm(client, application: Application, sha256: str | None = None):
    return client.post(confirm_url(application), {"sha256": sha256 or current_hash(application)})


# -- confirming -------------------------------------------------------------------------------------------


def test_the_signatory_reviews_and_confirms(client, world, signatory):
    draft = world["draft"]
    client.force_login(signatory)
    page = client.get(confirm_url(draft))
    text = page.content.decode()
    assert page.status_code == 200
    assert world["licensee"].name in text and "Not confirmed by the client yet." in text
    assert draft.purpose_description in text  # the whole application, read-only
    assert "Confirm the application" in text
    shown = re.search(r'name="sha256" value="([0-9a-f]{64})"', text).group(1)

    response = client.post(confirm_url(draft), {"sha256": shown})

    assert response.status_code == 302 and response.url == confirm_url(draft)
    commitment = ClientCommitment.objects.get(application=draft)
    assert commitment.confirmed_by == signatory
    assert abs(commitment.confirmed_at - timezone.now()) < timedelta(minutes=1)
    assert commitment.snapshot == snapshot(draft)
    assert commitment.snapshot_sha256 == current_hash(draft) == shown
    assert AuditEvent.objects.filter(action="application_confirmed_by_client", actor=signatory).exists()
    text = client.get(confirm_url(draft)).content.decode()
    assert "Confirmed by the client." in text and signatory.get_full_name() in text
    assert "Confirm the application</button>" not in text


@pytest.mark.parametrize("person", ["member", "seller"])
def test_the_client_member_and_the_licensee_read_without_a_button(client, world, request, person):
    user = world["seller"] if person == "seller" else request.getfixturevalue(person)
    client.force_login(user)
    page = client.get(confirm_url(world["draft"]))
    assert page.status_code == 200
    text = page.content.decode()
    assert world["draft"].purpose_description in text
    assert 'name="sha256"' not in text and "Only a signatory of" in text


@pytest.mark.parametrize("person", ["outsider", "officer", "second licensee"])
def test_others_do_not_find_the_confirmation_page(client, world, request, person, organisation):
    if person == "second licensee":
        _licensee, user, _mandate = licensee_with_member(organisation, mandate=False)
    else:
        user = request.getfixturevalue(person)
    client.force_login(user)
    assert client.get(confirm_url(world["draft"])).status_code == 404
    assert confirm(client, world["draft"]).status_code == 404
    assert not ClientCommitment.objects.exists()


def test_anonymous_goes_to_sign_in(client, world):
    response = client.get(confirm_url(world["draft"]))
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))


@pytest.mark.parametrize("person", ["member", "seller"])
def test_only_a_signatory_of_the_client_confirms(client, world, request, person):
    user = world["seller"] if person == "seller" else request.getfixturevalue(person)
    client.force_login(user)
    response = confirm(client, world["draft"])
    assert response.status_code == 403
    assert "Only a signatory of the client organisation" in response.content.decode()
    assert not ClientCommitment.objects.exists()


def test_an_incomplete_application_is_not_confirmed(client, world, signatory):
    draft = world["draft"]
    Application.objects.filter(pk=draft.pk).update(legal_basis="")
    client.force_login(signatory)
    page = client.get(confirm_url(draft)).content.decode()
    assert "The licensee has not completed the application yet" in page and 'name="sha256"' not in page
    assert confirm(client, draft).status_code == 409
    assert not ClientCommitment.objects.exists()


def test_a_submitted_application_is_not_confirmed(client, world, signatory, organisation):
    permit = PermitFactory(application__organisation=organisation, application__filed_by=world["licensee"])
    client.force_login(signatory)
    assert confirm(client, permit.application).status_code == 409
    assert not ClientCommitment.objects.exists()


def test_an_application_nobody_prepared_for_the_client_is_not_confirmed(client, signatory, organisation):
    own = ApplicationFactory(organisation=organisation, complete=True)
    client.force_login(signatory)
    assert client.get(confirm_url(own)).status_code == 404
    assert confirm(client, own).status_code == 409
    assert not ClientCommitment.objects.exists()


def test_a_change_while_the_signatory_reviews_is_not_confirmed(client, world, signatory):
    draft = world["draft"]
    shown = current_hash(draft)
    Application.objects.filter(pk=draft.pk).update(purpose_description="Changed behind the reviewer's back.")
    client.force_login(signatory)
    response = confirm(client, draft, sha256=shown)
    assert response.status_code == 409
    assert "changed while you were reviewing" in response.content.decode()
    assert not ClientCommitment.objects.exists()


def test_a_confirmation_without_the_reviewed_content_is_refused(client, world, signatory):
    client.force_login(signatory)
    assert client.post(confirm_url(world["draft"]), {"sha256": "nope"}).status_code == 400
    assert not ClientCommitment.objects.exists()


def edit_purpose(client, user, draft: Application, text: str) -> None:
    client.force_login(user)
    data = {
        "product": draft.product_id,
        "purpose": draft.purpose_id,
        "purpose_description": text,
        "legal_basis": draft.legal_basis,
    }
    response = client.post(reverse("applications:step", args=[draft.uuid, "purpose"]), data)
    assert response.status_code == 302


def test_the_client_dashboard_points_to_the_confirmation(client, world, member):
    client.force_login(member)
    page = client.get(reverse("permits:dashboard")).content.decode()
    assert confirm_url(world["draft"]) in page


# -- submitting only as confirmed ---------------------------------------------------------------------------


def submit(client, user, draft: Application):
    client.force_login(user)
    return client.post(reverse("permits:submit", args=[draft.uuid]))


def nothing_submitted(draft: Application) -> bool:
    return (
        Application.objects.get(pk=draft.pk).status == ApplicationStatus.DRAFT
        and not Permit.objects.filter(application=draft).exists()
    )


def test_submission_before_the_confirmation_is_refused(client, world, signatory):
    draft = world["draft"]
    for user in (world["seller"], signatory):
        client.force_login(user)
        assert "Submit the application</button>" not in client.get(review_url(draft)).content.decode()
        assert submit(client, user, draft).status_code == 409
    assert nothing_submitted(draft)


def test_an_edit_after_the_confirmation_needs_a_new_one(client, world, signatory):
    draft, seller = world["draft"], world["seller"]
    client.force_login(signatory)
    assert confirm(client, draft).status_code == 302
    edit_purpose(client, seller, draft, "The licensee changed the purpose after the confirmation.")

    page = client.get(review_url(draft)).content.decode()
    assert "Changed since the client's confirmation." in page
    assert "<li>Product and purpose of use</li>" in page
    assert "Submit the application</button>" not in page
    assert submit(client, seller, draft).status_code == 409
    assert submit(client, signatory, draft).status_code == 409
    assert nothing_submitted(draft)
    client.force_login(signatory)
    assert "needs a new confirmation" in client.get(confirm_url(draft)).content.decode()

    # Confirmed again, as it now is: the licensee submits it.
    client.force_login(signatory)
    assert confirm(client, draft).status_code == 302
    assert ClientCommitment.objects.filter(application=draft).count() == 2
    client.force_login(seller)
    assert "Submit the application</button>" in client.get(review_url(draft)).content.decode()
    response = submit(client, seller, draft)
    assert response.status_code == 302
    permit = Permit.objects.get(application=draft)
    assert permit.events.get(action="submitted").actor == seller
    version = draft.versions.get()
    assert (
        content_hash(version.snapshot)
        == ClientCommitment.objects.filter(application=draft).first().snapshot_sha256
    )


def test_the_client_signatory_submits_after_confirming(client, world, signatory):
    draft = world["draft"]
    client.force_login(signatory)
    assert confirm(client, draft).status_code == 302
    assert "Submit the application</button>" in client.get(review_url(draft)).content.decode()
    assert submit(client, signatory, draft).status_code == 302
    assert Permit.objects.filter(application=draft).exists()


def test_a_non_signatory_of_the_client_cannot_submit_even_when_confirmed(client, world, signatory, member):
    draft = world["draft"]
    client.force_login(signatory)
    confirm(client, draft)
    client.force_login(member)
    assert "Submit the application</button>" not in client.get(review_url(draft)).content.decode()
    assert submit(client, member, draft).status_code == 403
    assert nothing_submitted(draft)


# -- asking the client to confirm ----------------------------------------------------------------------------


def request_token(client, user, draft: Application) -> str:
    client.force_login(user)
    page = client.get(review_url(draft)).content.decode()
    assert "Ask the client to confirm" in page
    return re.search(r'name="token" value="([^"]+)"', page).group(1)


def ask(client, draft: Application, token: str):
    return client.post(reverse("applications:confirmation_request", args=[draft.uuid]), {"token": token})


def test_the_licensee_asks_the_signatories_to_confirm(
    client, world, signatory, org_admin, member, mailoutbox, django_capture_on_commit_callbacks
):
    draft, seller = world["draft"], world["seller"]
    token = request_token(client, seller, draft)
    with django_capture_on_commit_callbacks(execute=True):
        response = ask(client, draft, token)
        again = ask(client, draft, token)  # a double click: nobody is told twice
    assert response.status_code == again.status_code == 302
    notifications = Notification.objects.filter(idempotency_key__startswith="confirmation_request:")
    assert sorted(n.recipient_id for n in notifications) == sorted([signatory.pk, org_admin.pk])
    assert {n.kind for n in notifications} == {NotificationKind.SUBMISSION}
    assert all(n.link.endswith(confirm_url(draft)) for n in notifications)
    assert all(world["licensee"].name in n.subject for n in notifications)
    assert sorted(m.to[0] for m in mailoutbox) == sorted([signatory.email, org_admin.email])
    assert confirm_url(draft) in mailoutbox[0].body
    assert AuditEvent.objects.filter(action="client_confirmation_requested").count() == 1

    # Asked again later, from the page shown afresh: told again.
    later = signing.dumps(
        {"a": str(draft.uuid), "t": signing.loads(token, salt=CONFIRMATION_REQUEST_SALT)["t"] + 60_000},
        salt=CONFIRMATION_REQUEST_SALT,
    )
    assert ask(client, draft, later).status_code == 302
    assert Notification.objects.filter(idempotency_key__startswith="confirmation_request:").count() == 4


def test_only_the_licensee_asks(client, world, signatory):
    draft = world["draft"]
    token = request_token(client, world["seller"], draft)
    client.force_login(signatory)
    assert "Ask the client to confirm" not in client.get(review_url(draft)).content.decode()
    assert ask(client, draft, token).status_code == 403
    assert not Notification.objects.exists()


def test_asking_is_refused_when_there_is_nothing_to_confirm(client, world, signatory):
    draft, seller = world["draft"], world["seller"]
    token = request_token(client, seller, draft)
    # Confirmed already as it is.
    client.force_login(signatory)
    confirm(client, draft)
    client.force_login(seller)
    assert "Ask the client to confirm" not in client.get(review_url(draft)).content.decode()
    assert ask(client, draft, token).status_code == 409
    # Incomplete.
    Application.objects.filter(pk=draft.pk).update(legal_basis="")
    assert ask(client, draft, token).status_code == 409
    assert not Notification.objects.filter(idempotency_key__startswith="confirmation_request:").exists()


def test_the_licensee_is_told_when_the_client_has_no_signatory_to_ask_yet(client, world):
    draft, seller = world["draft"], world["seller"]
    token = request_token(client, seller, draft)
    Membership.objects.filter(organisation=draft.organisation).update(is_signatory=False)
    page = client.get(review_url(draft)).content.decode()
    assert "Ask the client to confirm" not in page
    assert f"{draft.organisation.name} has no signatory in the portal yet." in page
    response = ask(client, draft, token)  # from a page shown before
    assert response.status_code == 409
    assert "has no signatory in the portal yet" in response.content.decode()
    assert not Notification.objects.filter(idempotency_key__startswith="confirmation_request:").exists()


def test_a_forged_or_foreign_token_is_refused(client, world, organisation):
    draft = world["draft"]
    other = ApplicationFactory(organisation=organisation, filed_by=world["licensee"], complete=True)
    foreign = request_token(client, world["seller"], other)
    forged = signing.dumps({"a": str(draft.uuid), "t": 1}, salt="something else")
    client.force_login(world["seller"])
    assert ask(client, draft, foreign).status_code == 400
    assert ask(client, draft, forged).status_code == 400
    assert not Notification.objects.exists()


# -- ending the mandate --------------------------------------------------------------------------------------


@pytest.fixture
def cases(world, organisation):
    """Two cases the licensee filed for the client (one with a document and an attachment), the client's
    own case, and a case another licensee filed for it."""
    licensee = world["licensee"]
    filed = [
        PermitFactory(
            application__organisation=organisation,
            application__filed_by=licensee,
            state=PermitState.NEGOTIATION,
        ),
        PermitFactory(application__organisation=organisation, application__filed_by=licensee),
    ]
    own = PermitFactory(application__organisation=organisation)
    other_licensee, _member, _mandate = licensee_with_member(organisation)
    other = PermitFactory(application__organisation=organisation, application__filed_by=other_licensee)
    document = filed[0].documents.create(
        kind=DocumentKind.RECEIPT,
        version_number=1,
        language="fi",
        file=SimpleUploadedFile("r.pdf", b"%PDF-1.4\n%%EOF\n"),
        sha256="0" * 64,
    )
    attachment = Attachment.objects.create(
        application=world["draft"],
        display_name="liite.pdf",
        file=SimpleUploadedFile("x.pdf", b"%PDF-1.4\n%%EOF\n"),
        content_type="application/pdf",
        size=15,
        sha256="0" * 64,
        uploaded_by=world["seller"],
    )
    return {"filed": filed, "own": own, "other": other, "document": document, "attachment": attachment}


def end_url(mandate: ClientMandate) -> str:
    return reverse("permits:mandate_end", args=[mandate.uuid])


def licensee_urls(world, cases) -> list[str]:
    draft = world["draft"]
    return [
        reverse("permits:case", args=[cases["filed"][0].uuid]),
        reverse("permits:case", args=[cases["filed"][1].uuid]),
        reverse("permits:document", args=[cases["document"].uuid]),
        reverse("applications:step", args=[draft.uuid, "purpose"]),
        review_url(draft),
        confirm_url(draft),
        reverse("applications:attachment_download", args=[cases["attachment"].uuid]),
        reverse("permits:power_of_attorney", args=[world["mandate"].uuid]),
    ]


def test_the_client_admin_ends_the_mandate(client, world, cases, org_admin, member, mailoutbox):
    mandate, seller = world["mandate"], world["seller"]
    urls = licensee_urls(world, cases)
    client.force_login(seller)
    assert [client.get(url).status_code for url in urls] == [200] * len(urls)

    client.force_login(org_admin)
    page = client.get(end_url(mandate))
    assert page.status_code == 200 and "at once lose access" in page.content.decode()
    response = client.post(end_url(mandate))

    assert response.status_code == 302
    assert response.url == reverse("accounts:organisation", args=[mandate.client.uuid])
    mandate.refresh_from_db()
    assert mandate.ended_by == org_admin
    assert abs(mandate.ended_at - timezone.now()) < timedelta(minutes=1)
    events = PermitEvent.objects.filter(action="mandate_ended")
    assert sorted(e.permit_id for e in events) == sorted(p.pk for p in cases["filed"])
    assert all(e.visible_to_applicant and e.actor == org_admin for e in events)
    assert all(world["licensee"].name in e.note for e in events)
    audit = AuditEvent.objects.get(action="client_mandate_ended")
    assert audit.actor == org_admin and audit.target_id == str(mandate.uuid)
    # The licensee's administrator is told; its other members are not.
    told = Notification.objects.filter(idempotency_key__startswith="mandate_ended:")
    assert [n.recipient for n in told] == [world["licensee_admin"]]
    assert mandate.client.name in told.get().subject

    # From now on the licensee sees nothing of the client's cases; the client still sees everything.
    client.force_login(seller)
    assert [client.get(url).status_code for url in urls] == [404] * len(urls)
    assert not permits_visible_to(seller).exists()
    client.force_login(member)
    case_page = client.get(reverse("permits:case", args=[cases["filed"][0].uuid]))
    assert case_page.status_code == 200 and "Mandate of the licensee ended" in case_page.content.decode()
    assert client.get(reverse("permits:document", args=[cases["document"].uuid])).status_code == 200
    assert client.get(review_url(world["draft"])).status_code == 200
    assert client.get(reverse("permits:power_of_attorney", args=[mandate.uuid])).status_code == 200


def test_ending_it_again_is_refused(client, world, cases, org_admin):
    mandate = world["mandate"]
    client.force_login(org_admin)
    assert client.post(end_url(mandate)).status_code == 302
    ended_at = ClientMandate.objects.get(pk=mandate.pk).ended_at
    response = client.post(end_url(mandate))
    assert response.status_code == 409 and "already ended" in response.content.decode()
    assert ClientMandate.objects.get(pk=mandate.pk).ended_at == ended_at
    assert PermitEvent.objects.filter(action="mandate_ended").count() == len(cases["filed"])


@pytest.mark.parametrize(
    ("person", "status"),
    [("member", 403), ("signatory", 403), ("seller", 403), ("officer", 403), ("outsider", 404)],
)
def test_others_cannot_end_the_mandate(client, world, cases, request, person, status):
    user = world["seller"] if person == "seller" else request.getfixturevalue(person)
    client.force_login(user)
    assert client.get(end_url(world["mandate"])).status_code == status
    assert client.post(end_url(world["mandate"])).status_code == status
    assert ClientMandate.objects.get(pk=world["mandate"].pk).ended_at is None
    assert not PermitEvent.objects.filter(action="mandate_ended").exists()


def test_the_organisation_page_lists_the_mandates(client, world, org_admin, member):
    mandate = world["mandate"]
    client.force_login(member)
    page = client.get(reverse("accounts:organisation", args=[mandate.client.uuid])).content.decode()
    assert world["licensee"].name in page and "In force" in page
    assert reverse("permits:power_of_attorney", args=[mandate.uuid]) in page
    assert end_url(mandate) not in page
    client.force_login(org_admin)
    page = client.get(reverse("accounts:organisation", args=[mandate.client.uuid])).content.decode()
    assert end_url(mandate) in page
    client.post(end_url(mandate))
    page = client.get(reverse("accounts:organisation", args=[mandate.client.uuid])).content.decode()
    assert "Ended" in page and end_url(mandate) not in page


# -- the power of attorney -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("person", "status"),
    [
        ("member", 200),
        ("org_admin", 200),
        ("seller", 200),
        ("officer", 200),
        ("decision_maker", 200),
        ("registry_admin", 404),
        ("outsider", 404),
        ("second licensee", 404),
        ("licensee with an expired licence", 404),
    ],
)
def test_who_downloads_the_power_of_attorney(client, world, request, organisation, person, status):
    mandate = world["mandate"]
    if person == "seller":
        user = world["seller"]
    elif person == "second licensee":
        _licensee, user, _mandate = licensee_with_member(organisation, mandate=False)
    elif person == "licensee with an expired licence":
        _licensee, user, mandate = licensee_with_member(organisation, licence_expired=True)
    else:
        user = request.getfixturevalue(person)
    client.force_login(user)
    response = client.get(reverse("permits:power_of_attorney", args=[mandate.uuid]))
    assert response.status_code == status
    viewed = AuditEvent.objects.filter(action="power_of_attorney_viewed", actor=user)
    if status == 200:
        assert b"".join(response.streaming_content) == POWER_OF_ATTORNEY
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
        assert "Valtakirja" in response["Content-Disposition"]
        assert response["X-Content-Type-Options"] == "nosniff"
        assert viewed.exists() == user.is_staff
    else:
        assert not viewed.exists()


def test_the_licensee_loses_the_power_of_attorney_with_the_mandate(client, world):
    mandate = world["mandate"]
    ClientMandate.objects.filter(pk=mandate.pk).update(ends_on=timezone.localdate() - timedelta(days=1))
    client.force_login(world["seller"])
    assert client.get(reverse("permits:power_of_attorney", args=[mandate.uuid])).status_code == 404


def test_anonymous_power_of_attorney_goes_to_sign_in(client, world):
    response = client.get(reverse("permits:power_of_attorney", args=[world["mandate"].uuid]))
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))


# -- after the grant -----------------------------------------------------------------------------------------


def test_the_licensee_does_not_accept_the_terms(client, world, organisation):
    permit = PermitFactory(
        application__organisation=organisation,
        application__filed_by=world["licensee"],
        state=PermitState.GRANTED,
    )
    data = {
        "revision": permit.revision,
        "terms_version": TermsVersion.objects.in_force().version,
        "accept": "on",
    }
    client.force_login(world["seller"])
    assert client.get(reverse("permits:case", args=[permit.uuid])).status_code == 200
    response = client.post(reverse("permits:terms_accept", args=[permit.uuid]), data)
    assert response.status_code == 403
    after = Permit.objects.get(pk=permit.pk)
    assert (after.state, after.revision) == (PermitState.GRANTED, permit.revision)
    assert not after.events.filter(action="terms_accepted").exists()
