"""The framework licensee's side: the licence in the admin and on the organisation page, starting an
application for a client, and the licensee's dashboard of its clients and what waits for whom."""

import hashlib
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import escape

from accounts.models import (
    AuditEvent,
    ClientMandate,
    FrameworkLicence,
    Invitation,
    MembershipRole,
    Organisation,
)
from applications.models import Application, ApplicationStatus, DataGroup, Product, Purpose
from applications.services.licensing import commitment_confirm
from permits.models import PermitState, SupplementRequest
from tests.factories import (
    ApplicationFactory,
    ClientMandateFactory,
    FrameworkLicenceFactory,
    MembershipFactory,
    OrganisationFactory,
    PermitFactory,
    UserFactory,
    business_id_for,
)

START = "/licensee/applications/new/"
DASHBOARD = "/licensee/"
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def TODAY():
    return timezone.localdate()


# Admin ---------------------------------------------------------------------------------------------------


def test_registry_admin_lists_searches_and_filters_licences(client, registry_admin):
    licence = FrameworkLicenceFactory(licensee__name="Rekisteripalvelu Oy")
    expired = FrameworkLicenceFactory(
        valid_from=TODAY() - timedelta(days=400), valid_until=TODAY() - timedelta(days=1)
    )
    client.force_login(registry_admin)
    url = reverse("admin:accounts_frameworklicence_changelist")
    page = client.get(url)
    assert page.status_code == 200
    assert licence.number in page.content.decode() and expired.number in page.content.decode()
    valid = client.get(url, {"validity": "valid"}).content.decode()
    assert licence.number in valid and expired.number not in valid
    found = client.get(url, {"q": licence.licensee.business_id}).content.decode()
    assert licence.number in found and expired.number not in found
    assert client.get(reverse("admin:accounts_frameworklicence_add")).status_code == 200


def test_registry_admin_adds_a_licence_with_its_scope_audited(client, registry_admin):
    licensee = OrganisationFactory()
    product = Product.objects.filter(is_active=True).first()
    group = DataGroup.objects.filter(is_active=True).first()
    purpose = Purpose.objects.filter(is_active=True).first()
    client.force_login(registry_admin)
    response = client.post(
        reverse("admin:accounts_frameworklicence_add"),
        {
            "licensee": licensee.pk,
            "number": "PL-2026-1",
            "valid_from": TODAY().isoformat(),
            "valid_until": "",
            "products": [product.pk],
            "data_groups": [group.pk],
            "purposes": [purpose.pk],
        },
    )
    assert response.status_code == 302
    licence = FrameworkLicence.objects.get(number="PL-2026-1")
    assert list(licence.products.all()) == [product]
    event = AuditEvent.objects.get(action="framework_licence_added")
    assert event.target_id == str(licence.uuid)
    assert event.details["data_groups"] == [group.code]
    assert event.actor == registry_admin


def test_licences_cannot_be_deleted_in_the_admin(client, registry_admin):
    licence = FrameworkLicenceFactory()
    client.force_login(registry_admin)
    delete = reverse("admin:accounts_frameworklicence_delete", args=[licence.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert FrameworkLicence.objects.filter(pk=licence.pk).exists()


def test_officer_sees_licences_but_may_not_change_them(client, officer):
    licence = FrameworkLicenceFactory()
    client.force_login(officer)
    assert client.get(reverse("admin:accounts_frameworklicence_changelist")).status_code == 200
    assert client.get(reverse("admin:accounts_frameworklicence_add")).status_code == 403
    change = reverse("admin:accounts_frameworklicence_change", args=[licence.pk])
    response = client.post(
        change, {"licensee": licence.licensee.pk, "number": "CHANGED", "valid_from": "2020-01-01"}
    )
    assert response.status_code == 403
    licence.refresh_from_db()
    assert licence.number != "CHANGED"


def test_mandates_are_read_only_in_the_admin(client, registry_admin):
    mandate = ClientMandateFactory()
    client.force_login(registry_admin)
    page = client.get(reverse("admin:accounts_clientmandate_changelist"))
    assert page.status_code == 200
    assert mandate.client.name in page.content.decode()
    assert client.get(reverse("admin:accounts_clientmandate_add")).status_code == 403
    change = reverse("admin:accounts_clientmandate_change", args=[mandate.pk])
    view = client.get(change)
    assert view.status_code == 200
    assert mandate.power_of_attorney.name not in view.content.decode()
    assert client.post(change, {"ends_on": "2020-01-01"}).status_code == 403
    delete = reverse("admin:accounts_clientmandate_delete", args=[mandate.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert ClientMandate.objects.filter(pk=mandate.pk, ends_on=None).exists()


# The organisation page ---------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["member", "officer"])
def test_organisation_page_shows_the_licence_and_its_scope(client, request, organisation, persona):
    licence = FrameworkLicenceFactory(licensee=organisation, valid_until=TODAY() + timedelta(days=30))
    client.force_login(request.getfixturevalue(persona))
    page = client.get(reverse("accounts:organisation", args=[organisation.uuid]))
    assert page.status_code == 200
    text = page.content.decode()
    assert licence.number in text
    assert (TODAY() + timedelta(days=30)).isoformat() in text
    for item in [*licence.products.all(), *licence.data_groups.all(), *licence.purposes.all()]:
        assert escape(item.name) in text


def test_organisation_page_marks_an_expired_licence(client, member, organisation):
    FrameworkLicenceFactory(
        licensee=organisation,
        valid_from=TODAY() - timedelta(days=400),
        valid_until=TODAY() - timedelta(days=1),
    )
    client.force_login(member)
    page = client.get(reverse("accounts:organisation", args=[organisation.uuid]))
    assert "Expired" in page.content.decode()


def test_organisation_page_without_a_licence_says_nothing_of_licences(client, member, organisation):
    client.force_login(member)
    page = client.get(reverse("accounts:organisation", args=[organisation.uuid]))
    assert "Framework licence" not in page.content.decode()


# Starting an application for a client ---------------------------------------------------------------


@pytest.fixture
def licensee(db):
    organisation = OrganisationFactory(name="Neuvonta Oy")
    FrameworkLicenceFactory(licensee=organisation, number="PL-7")
    return organisation


@pytest.fixture
def adviser(licensee):
    """A (non-signatory) member of the licensee."""
    return MembershipFactory(organisation=licensee).user


def power_of_attorney(content: bytes = PDF, name: str = "valtakirja.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def new_client(**overrides) -> dict:
    data = {
        "client": "",
        "business_id": business_id_for(9000),
        "name": "Asiakas Oy",
        "representative_email": "Edustaja@Asiakas.example",
        "power_of_attorney": power_of_attorney(),
        "mandate_ends_on": "",
    }
    data.update(overrides)
    return {name: value for name, value in data.items() if value is not None}


def counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count() for model in (Organisation, ClientMandate, Application, Invitation, AuditEvent)
    )


def test_urls_are_as_documented():
    assert reverse("applications:client_create") == START
    assert reverse("permits:licensee_dashboard") == DASHBOARD


def test_start_page_offers_the_existing_clients(client, adviser, licensee):
    mandate = ClientMandateFactory(licensee=licensee)
    ended = ClientMandateFactory(licensee=licensee, ended_at=timezone.now())
    client.force_login(adviser)
    response = client.get(START)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert escape(mandate.client.name) in page
    assert escape(ended.client.name) not in page


def test_start_for_a_new_client(client, adviser, licensee, mailoutbox, django_capture_on_commit_callbacks):
    client.force_login(adviser)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(START, new_client())
    application = Application.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("applications:step", args=[application.uuid, "purpose"])
    customer = Organisation.objects.get(business_id=business_id_for(9000))
    assert customer.name == "Asiakas Oy"
    assert application.organisation == customer
    assert application.filed_by == licensee
    assert application.status == ApplicationStatus.DRAFT
    mandate = ClientMandate.objects.get()
    assert (mandate.licensee, mandate.client, mandate.created_by) == (licensee, customer, adviser)
    assert mandate.power_of_attorney_sha256 == hashlib.sha256(PDF).hexdigest()
    assert mandate.starts_on == TODAY() and mandate.ends_on is None
    invitation = Invitation.objects.get()
    assert invitation.organisation == customer
    assert invitation.email == "edustaja@asiakas.example"
    assert invitation.role == MembershipRole.ADMIN and invitation.is_signatory
    assert [m.to for m in mailoutbox] == [["edustaja@asiakas.example"]]
    page = client.get(response.url).content.decode()
    assert "A draft application for Asiakas Oy was started." in page
    assert "Prepared by Neuvonta Oy for Asiakas Oy" in page


def test_start_for_an_existing_client(client, adviser, licensee):
    mandate = ClientMandateFactory(licensee=licensee)
    client.force_login(adviser)
    before = ClientMandate.objects.count(), Organisation.objects.count(), Invitation.objects.count()
    response = client.post(START, {"client": mandate.client.pk})
    application = Application.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("applications:step", args=[application.uuid, "purpose"])
    assert (application.organisation, application.filed_by) == (mandate.client, licensee)
    assert (ClientMandate.objects.count(), Organisation.objects.count(), Invitation.objects.count()) == before


def test_client_of_another_licensee_cannot_be_picked(client, adviser, licensee):
    other = ClientMandateFactory()
    client.force_login(adviser)
    before = counts()
    response = client.post(START, {"client": other.client.pk})
    assert response.status_code == 400
    assert counts() == before


def expired_licensee_member():
    organisation = OrganisationFactory()
    FrameworkLicenceFactory(
        licensee=organisation,
        valid_from=TODAY() - timedelta(days=400),
        valid_until=TODAY() - timedelta(days=1),
    )
    return MembershipFactory(organisation=organisation).user


@pytest.mark.parametrize(
    "who",
    ["member without a licence", "expired licence", "no organisation", "officer", "acting for another"],
)
def test_only_members_of_a_valid_licensee_may_start(client, request, licensee, who):
    user = {
        "member without a licence": lambda: request.getfixturevalue("member"),
        "expired licence": expired_licensee_member,
        "no organisation": UserFactory,
        "officer": lambda: request.getfixturevalue("officer"),
        "acting for another": lambda: request.getfixturevalue("adviser"),
    }[who]()
    client.force_login(user)
    if who == "acting for another":
        other = MembershipFactory(user=user).organisation
        session = client.session
        session["active_organisation"] = str(other.uuid)
        session.save()
    before = counts()
    assert client.get(START).status_code == 403
    assert client.post(START, new_client()).status_code == 403
    assert counts() == before


@pytest.mark.parametrize(
    ("overrides", "status", "message"),
    [
        ({"power_of_attorney": None}, 400, "Attach the client&#x27;s power of attorney."),
        ({"business_id": "own"}, 400, "A licensee cannot be its own client."),
        (
            {
                "power_of_attorney": SimpleUploadedFile(
                    "valtakirja.pdf", b"GIF89a\x01\x00\x01\x00", "application/pdf"
                )
            },
            415,
            "Allowed file types are",
        ),
        ({"business_id": "1234567-8"}, 400, "Business ID"),
        ({"name": ""}, 400, "Enter the client&#x27;s name."),
        ({"representative_email": "not an address"}, 400, "email address"),
        ({"mandate_ends_on": "2000-01-01"}, 400, "The mandate must be valid after today."),
    ],
    ids=[
        "no power of attorney",
        "own business id",
        "file type",
        "bad business id",
        "no name",
        "bad email",
        "past end",
    ],
)
def test_refused_start_saves_nothing(client, adviser, licensee, overrides, status, message):
    if overrides.get("business_id") == "own":
        overrides = {"business_id": licensee.business_id}
    client.force_login(adviser)
    before = counts()
    response = client.post(START, new_client(**overrides))
    assert response.status_code == status
    assert message in response.content.decode()
    assert counts() == before


def test_open_mandate_for_the_new_client_is_a_conflict(client, adviser, licensee):
    existing = ClientMandateFactory(licensee=licensee, client__business_id=business_id_for(9000))
    client.force_login(adviser)
    before = counts()
    response = client.post(START, new_client())
    assert response.status_code == 409
    assert "choose it from your clients" in response.content.decode()
    assert counts() == before
    assert ClientMandate.objects.get() == existing


def test_existing_organisation_becomes_a_client_without_an_invitation(
    client, adviser, licensee, organisation, org_admin
):
    client.force_login(adviser)
    response = client.post(START, new_client(business_id=organisation.business_id, name="ignored"))
    assert response.status_code == 302
    assert ClientMandate.objects.get().client == organisation
    assert not Invitation.objects.exists()
    organisation.refresh_from_db()
    assert organisation.name != "ignored"


# The licensee's dashboard ----------------------------------------------------------------------------


def short(day) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def client_signatory(organisation):
    return MembershipFactory(organisation=organisation, is_signatory=True).user


def test_dashboard_shows_the_licence_clients_and_what_waits_for_whom(client, adviser, licensee, officer):
    active = ClientMandateFactory(
        licensee=licensee, client__name="Aktiivi Oy", ends_on=TODAY() + timedelta(days=90)
    )
    ended = ClientMandateFactory(
        licensee=licensee,
        client__name="Päättynyt Oy",
        starts_on=TODAY() - timedelta(days=50),
        ended_at=timezone.now() - timedelta(days=3),
    )
    customer = active.client
    signer = client_signatory(customer)
    incomplete = ApplicationFactory(organisation=customer, filed_by=licensee)
    unconfirmed = ApplicationFactory(organisation=customer, filed_by=licensee, complete=True)
    confirmed = ApplicationFactory(organisation=customer, filed_by=licensee, complete=True)
    commitment_confirm(application=confirmed, user=signer)
    changed = ApplicationFactory(organisation=customer, filed_by=licensee, complete=True)
    commitment_confirm(application=changed, user=signer)
    Application.objects.filter(pk=changed.pk).update(legal_basis="Laki 123/2026, muutettu")
    supplement = PermitFactory(
        application__organisation=customer,
        application__filed_by=licensee,
        state=PermitState.SUPPLEMENT_REQUESTED,
    )
    reply_by = TODAY() + timedelta(days=12)
    SupplementRequest.objects.create(
        permit=supplement, officer=officer, message="Lisää.", respond_by=reply_by
    )
    granted = PermitFactory(
        application__organisation=customer, application__filed_by=licensee, state=PermitState.GRANTED
    )
    processing = PermitFactory(
        application__organisation=customer, application__filed_by=licensee, state=PermitState.NEGOTIATION
    )
    # Not the licensee's: the client's own case, and the ended client's case.
    own = PermitFactory(application__organisation=customer)
    hidden = PermitFactory(application__organisation=ended.client, application__filed_by=licensee)
    client.force_login(adviser)

    response = client.get(DASHBOARD)

    assert response.status_code == 200
    page = response.content.decode()
    assert "PL-7" in page
    assert escape(formats.date_format(TODAY() + timedelta(days=365), "SHORT_DATE_FORMAT")) in page
    assert reverse("applications:client_create") in page
    entries = response.context["clients"]
    assert [entry.client for entry in entries] == [customer, ended.client]
    assert entries[0].in_force and not entries[1].in_force
    assert "Mandate in force" in page and "Mandate ended" in page
    assert "you no longer see this client" in page
    waiting = {item.url: item.waiting for item in entries[0].items}
    review = lambda a: reverse("applications:step", args=[a.uuid, "review"])  # noqa: E731
    case = lambda p: reverse("permits:case", args=[p.uuid])  # noqa: E731
    assert waiting == {
        review(incomplete): "The licensee completes the application.",
        review(unconfirmed): "Waiting for the client's confirmation.",
        review(confirmed): "Ready to submit: confirmed by the client.",
        review(
            changed
        ): "Changed after the client confirmed it: waiting for the client's confirmation again.",
        case(supplement): f"Answer the supplement request (reply by {short(reply_by)}).",
        case(granted): "The client's signatory accepts the terms.",
        case(processing): "Nothing for now: the agency is processing the application.",
    }
    assert supplement.reference in page and processing.reference in page
    assert escape(formats.date_format(processing.decision_due, "SHORT_DATE_FORMAT")) in page
    assert own.reference not in page
    assert hidden.reference not in page
    assert escape("Waiting for the client's confirmation.") in page


def test_draft_outside_the_licence_scope_waits_for_the_licensee(client, db):
    licensee = OrganisationFactory()
    FrameworkLicenceFactory(licensee=licensee, scope=False)
    mandate = ClientMandateFactory(licensee=licensee)
    ApplicationFactory(organisation=mandate.client, filed_by=licensee, complete=True)
    client.force_login(MembershipFactory(organisation=licensee).user)
    response = client.get(DASHBOARD)
    [item] = response.context["clients"][0].items
    assert item.waiting == "The licensee completes the application."


def test_dashboard_needs_sign_in(client, db):
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


@pytest.mark.parametrize("who", ["member without a licence", "expired licence", "no organisation", "officer"])
def test_dashboard_is_only_for_members_of_a_valid_licensee(client, request, db, who):
    user = {
        "member without a licence": lambda: request.getfixturevalue("member"),
        "expired licence": expired_licensee_member,
        "no organisation": UserFactory,
        "officer": lambda: request.getfixturevalue("officer"),
    }[who]()
    client.force_login(user)
    assert client.get(DASHBOARD).status_code == 403


@pytest.mark.parametrize("size", [2, 10])
def test_dashboard_queries_do_not_grow(
    client, adviser, licensee, size, django_assert_max_num_queries, officer
):
    for n in range(size):
        mandate = ClientMandateFactory(licensee=licensee, ended_at=timezone.now() if n % 4 == 3 else None)
        draft = ApplicationFactory(organisation=mandate.client, filed_by=licensee, complete=n % 2 == 0)
        if n % 3 == 0 and n % 2 == 0:
            commitment_confirm(application=draft, user=client_signatory(mandate.client))
        permit = PermitFactory(
            application__organisation=mandate.client,
            application__filed_by=licensee,
            state=PermitState.SUPPLEMENT_REQUESTED if n % 2 else PermitState.GRANTED,
        )
        if n % 2:
            SupplementRequest.objects.create(permit=permit, officer=officer, message="?", respond_by=TODAY())
    client.force_login(adviser)
    # 4 for every signed-in page (session, user, two-factor facts, unread count) and 12 for the dashboard.
    with django_assert_max_num_queries(16):
        response = client.get(DASHBOARD)
    assert response.status_code == 200
    assert sum(len(entry.items) for entry in response.context["clients"]) == 2 * (size - size // 4)


# The menu, and "Prepared by" on the pages of a licensee-filed application -----------------------------


def test_menu_links_to_the_clients_only_for_a_valid_licensee(client, adviser, member):
    client.force_login(adviser)
    assert DASHBOARD in client.get(reverse("permits:dashboard")).content.decode()
    client.force_login(member)
    assert DASHBOARD not in client.get(reverse("permits:dashboard")).content.decode()
    client.force_login(expired_licensee_member())
    assert DASHBOARD not in client.get(reverse("permits:dashboard")).content.decode()


def test_case_and_review_pages_say_who_prepared_the_application(client, adviser, licensee):
    mandate = ClientMandateFactory(licensee=licensee, client__name="Asiakas Oy")
    draft = ApplicationFactory(organisation=mandate.client, filed_by=licensee, complete=True)
    permit = PermitFactory(application__organisation=mandate.client, application__filed_by=licensee)
    client.force_login(adviser)
    for url in [
        reverse("applications:step", args=[draft.uuid, "review"]),
        reverse("permits:case", args=[permit.uuid]),
    ]:
        assert "Prepared by Neuvonta Oy for Asiakas Oy" in client.get(url).content.decode()


def test_own_application_says_nothing_of_a_licensee(client, member, organisation):
    draft = ApplicationFactory(organisation=organisation)
    client.force_login(member)
    assert (
        "Prepared by"
        not in client.get(reverse("applications:step", args=[draft.uuid, "review"])).content.decode()
    )
