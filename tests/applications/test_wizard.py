import pytest
from django.urls import reverse

from applications.catalogue import SECTION_SLUGS
from applications.models import (
    Application,
    ApplicationStatus,
    DataGroup,
    Product,
    Purpose,
    RequestedDataGroup,
)
from tests.factories import ApplicationFactory, MembershipFactory


def step_url(application, section):
    return reverse("applications:step", args=[application.uuid, section])


@pytest.fixture
def draft(organisation, member):
    return ApplicationFactory(organisation=organisation, created_by=member)


PURPOSE = {
    "purpose_description": "Perintä",
    "legal_basis": "Laki saatavien perinnästä (513/1999)",
}


def purpose_data(**extra):
    return {
        "product": Product.objects.get(code="KYSELYRAJAPINTA").pk,
        "purpose": Purpose.objects.get(code="PERINTA").pk,
        **PURPOSE,
        **extra,
    }


def test_member_starts_a_draft_and_lands_on_the_first_step(client, member, organisation):
    client.force_login(member)
    response = client.post(reverse("applications:create"))
    application = Application.objects.get()
    assert response.status_code == 302
    assert response.url == step_url(application, "purpose")
    assert application.organisation == organisation and application.status == ApplicationStatus.DRAFT


def test_staff_cannot_start_an_application(client, officer):
    client.force_login(officer)
    assert client.post(reverse("applications:create")).status_code == 403
    assert not Application.objects.exists()


@pytest.mark.parametrize("section", SECTION_SLUGS)
@pytest.mark.parametrize(
    ("persona", "status"), [("outsider", 404), ("officer", 404), ("member", 200), ("signatory", 200)]
)
def test_every_step_ladder(client, request, draft, section, persona, status):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(step_url(draft, section)).status_code == status


def test_anonymous_is_sent_to_sign_in(client, draft):
    response = client.get(step_url(draft, "purpose"))
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))


def test_unknown_step_is_404(client, member, draft):
    client.force_login(member)
    assert client.get(step_url(draft, "nonsense")).status_code == 404


def test_saving_a_step_and_continuing(client, member, draft):
    client.force_login(member)
    response = client.post(step_url(draft, "purpose"), {**purpose_data(), "continue": "1"})
    assert response.status_code == 302 and response.url == step_url(draft, "data-groups")
    draft.refresh_from_db()
    assert draft.product.code == "KYSELYRAJAPINTA" and draft.purpose_description == "Perintä"


def test_another_member_resumes_the_draft(client, member, organisation, draft):
    colleague = MembershipFactory(organisation=organisation).user
    client.force_login(colleague)
    assert client.post(step_url(draft, "purpose"), purpose_data()).status_code == 302
    draft.refresh_from_db()
    assert draft.legal_basis == PURPOSE["legal_basis"]


def test_retired_product_cannot_be_chosen(client, member, draft):
    product = Product.objects.get(code="POIMINTAPALVELU")
    product.is_active = False
    product.save()
    client.force_login(member)
    response = client.post(step_url(draft, "purpose"), purpose_data(product=product.pk))
    assert response.status_code == 400
    draft.refresh_from_db()
    assert draft.product is None


def test_retired_item_on_a_draft_is_reported_at_review(client, member, organisation):
    application = ApplicationFactory(organisation=organisation, complete=True)
    Product.objects.filter(pk=application.product_id).update(is_active=False)
    client.force_login(member)
    page = client.get(step_url(application, "review")).content.decode()
    assert "is no longer offered" in page or "ei ole enää" in page


def test_extra_fields_are_ignored(client, member, draft, organisation):
    other = MembershipFactory().organisation
    client.force_login(member)
    client.post(
        step_url(draft, "purpose"),
        {
            **purpose_data(),
            "organisation": other.pk,
            "status": "submitted",
            "created_by": 999,
            "filed_by": other.pk,
        },
    )
    draft.refresh_from_db()
    assert (
        draft.organisation == organisation
        and draft.status == ApplicationStatus.DRAFT
        and draft.filed_by is None
    )


def data_groups_post(**groups):
    data = {}
    for code, justification in groups.items():
        if justification is not None:
            data[f"group_{code}"] = "on"
        data[f"justification_{code}"] = justification or ""
    return data


def test_data_groups_are_chosen_with_justifications(client, member, draft):
    client.force_login(member)
    response = client.post(
        step_url(draft, "data-groups"),
        data_groups_post(
            HENKILON_NIMI="Nimi tarvitaan kirjeen osoittamiseen.", KOTIKUNTA="Kotikunta tarvitaan."
        ),
    )
    assert response.status_code == 302
    assert set(draft.requested_groups.values_list("data_group__code", flat=True)) == {
        "HENKILON_NIMI",
        "KOTIKUNTA",
    }
    # Unchecking a group removes it.
    client.post(
        step_url(draft, "data-groups"),
        data_groups_post(HENKILON_NIMI="Nimi tarvitaan kirjeen osoittamiseen."),
    )
    assert list(draft.requested_groups.values_list("data_group__code", flat=True)) == ["HENKILON_NIMI"]


def test_missing_justification_is_refused(client, member, draft):
    client.force_login(member)
    response = client.post(step_url(draft, "data-groups"), {"group_HENKILOTUNNUS": "on"})
    assert response.status_code == 400
    assert "HENKILOTUNNUS" not in str(list(draft.requested_groups.values_list("data_group__code", flat=True)))
    assert "justification_HENKILOTUNNUS_error" in response.content.decode()


def test_justification_for_a_group_not_chosen_is_refused(client, member, draft):
    client.force_login(member)
    response = client.post(step_url(draft, "data-groups"), {"justification_KOTIKUNTA": "Tarvitaan."})
    assert response.status_code == 400
    assert not draft.requested_groups.exists()


def test_sensitive_group_needs_a_longer_justification(client, member, organisation):
    application = ApplicationFactory(organisation=organisation, complete=True)
    RequestedDataGroup.objects.create(
        application=application,
        data_group=DataGroup.objects.get(code="HENKILOTUNNUS"),
        justification="Tarvitaan.",
    )
    client.force_login(member)
    page = client.get(step_url(application, "review")).content.decode()
    assert f'href="{step_url(application, "data-groups")}"' in page
    assert "150" in page


def test_security_report_becomes_mandatory_with_a_sensitive_group(client, member, organisation):
    application = ApplicationFactory(organisation=organisation, complete=True)
    application.product = Product.objects.get(code="VTJKYSELY")  # not a technical interface
    application.security_report = {}
    application.save()
    from applications.completeness import missing_items

    assert not [m for m in missing_items(application) if m.section == "security"]
    RequestedDataGroup.objects.create(
        application=application, data_group=DataGroup.objects.get(code="TURVAKIELTO"), justification="x" * 200
    )
    assert [m for m in missing_items(application) if m.section == "security"]


def test_security_answers_are_saved(client, member, draft):
    client.force_login(member)
    response = client.post(
        step_url(draft, "security"), {"governance": "Tietoturvapäällikkö vastaa.", "physical": ""}
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.security_report["governance"] == "Tietoturvapäällikkö vastaa."


def test_contacts_reject_a_bad_email(client, member, draft):
    client.force_login(member)
    response = client.post(step_url(draft, "contacts"), {"responsible_email": "not-an-email"})
    assert response.status_code == 400
    draft.refresh_from_db()
    assert draft.responsible_email == ""


def test_autosave_answers_json(client, member, draft):
    client.force_login(member)
    response = client.post(
        step_url(draft, "data-use"), {"use_description": "Perintäkirjeet"}, headers={"X-Autosave": "1"}
    )
    assert response.status_code == 200 and response.json()["saved"] is True
    draft.refresh_from_db()
    assert draft.use_description == "Perintäkirjeet"
    response = client.post(
        step_url(draft, "contacts"), {"technical_email": "bad"}, headers={"X-Autosave": "1"}
    )
    assert response.status_code == 400 and response.json()["saved"] is False


def test_review_lists_missing_items_with_links(client, member, draft):
    client.force_login(member)
    page = client.get(step_url(draft, "review")).content.decode()
    for section in ["purpose", "data-groups", "data-use", "technical", "contacts"]:
        assert f'href="{step_url(draft, section)}"' in page


def test_complete_application_has_nothing_missing_and_signatory_sees_submit(client, signatory, organisation):
    application = ApplicationFactory(organisation=organisation, complete=True)
    client.force_login(signatory)
    page = client.get(step_url(application, "review")).content.decode()
    assert reverse("permits:submit", args=[application.uuid]) in page
    assert 'role="alert"' not in page


def test_member_who_is_not_signatory_is_told_who_submits(client, member, organisation):
    application = ApplicationFactory(organisation=organisation, complete=True)
    client.force_login(member)
    page = client.get(step_url(application, "review")).content.decode()
    assert reverse("permits:submit", args=[application.uuid]) not in page


def test_submitted_application_cannot_be_edited(client, member, organisation):
    application = ApplicationFactory(
        organisation=organisation, complete=True, status=ApplicationStatus.SUBMITTED
    )
    client.force_login(member)
    response = client.post(step_url(application, "purpose"), purpose_data(purpose_description="Muutettu"))
    assert response.status_code == 409
    application.refresh_from_db()
    assert application.purpose_description != "Muutettu"
    assert client.get(step_url(application, "purpose")).url == step_url(application, "review")


def test_copy_makes_a_new_draft_without_attachments(client, member, organisation):
    original = ApplicationFactory(
        organisation=organisation, complete=True, status=ApplicationStatus.SUBMITTED
    )
    client.force_login(member)
    response = client.post(reverse("applications:copy", args=[original.uuid]))
    copy = Application.objects.exclude(pk=original.pk).get()
    assert response.url == step_url(copy, "purpose")
    assert copy.is_draft and copy.renewal_of == original and copy.created_by == member
    assert copy.purpose_description == original.purpose_description
    assert sorted(copy.requested_groups.values_list("data_group__code", flat=True)) == sorted(
        original.requested_groups.values_list("data_group__code", flat=True)
    )
    assert not copy.attachments.exists()


def test_outsider_cannot_copy(client, outsider, organisation):
    original = ApplicationFactory(organisation=organisation, complete=True)
    client.force_login(outsider)
    assert client.post(reverse("applications:copy", args=[original.uuid])).status_code == 404
    assert Application.objects.count() == 1


def test_attachments_step_offers_the_upload_form(client, member, draft):
    client.force_login(member)
    page = client.get(step_url(draft, "attachments")).content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert reverse("applications:attachment_upload", args=[draft.uuid]) in page


def test_application_started_from_a_consultation_refers_to_it(client, member, organisation):
    from applications.services.consultations import consultation_open

    consultation = consultation_open(
        organisation=organisation,
        user=member,
        product=None,
        subject="Mikä tuote?",
        question="Tarvitsemme osoitteita.",
    )
    client.force_login(member)
    page = client.get(reverse("applications:consultation", args=[consultation.uuid])).content.decode()
    assert reverse("applications:create") in page
    client.post(reverse("applications:create"), {"consultation": str(consultation.uuid)})
    application = Application.objects.get()
    assert application.consultation == consultation
    page = client.get(reverse("applications:consultation", args=[consultation.uuid])).content.decode()
    assert step_url(application, "review") in page


def test_a_foreign_consultation_cannot_be_referred_to(client, member, outsider):
    from applications.services.consultations import consultation_open

    other_org = outsider.memberships.get().organisation
    consultation = consultation_open(
        organisation=other_org, user=outsider, product=None, subject="Kysymys", question="Kysymys"
    )
    client.force_login(member)
    assert (
        client.post(reverse("applications:create"), {"consultation": str(consultation.uuid)}).status_code
        == 404
    )
    assert not Application.objects.exists()


def test_a_malformed_consultation_reference_is_404(client, member):
    client.force_login(member)
    assert client.post(reverse("applications:create"), {"consultation": "not-a-uuid"}).status_code == 404


def test_a_supplement_reopens_only_its_sections(client, member, organisation):
    application = ApplicationFactory(
        organisation=organisation, complete=True, status=ApplicationStatus.SUBMITTED
    )
    application.reopened_sections = ["data-use"]
    application.save()
    client.force_login(member)
    assert client.get(step_url(application, "data-use")).status_code == 200
    response = client.post(step_url(application, "data-use"), {"use_description": "Tarkennettu kuvaus"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.use_description == "Tarkennettu kuvaus"
    assert client.post(step_url(application, "technical"), {"hosting_description": "X"}).status_code == 409
