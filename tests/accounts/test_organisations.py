import pytest
from django.urls import reverse

from accounts.models import AuditEvent, Membership, MembershipRole, Organisation

VALID = {
    "name": "Testiperintä Oy",
    "business_id": "02012566",
    "kind": "company",
    "street_address": "Katu 1",
    "postal_code": "00100",
    "city": "Helsinki",
    "contact_email": "office@testi.example",
}


def test_new_user_creates_organisation_and_becomes_admin_signatory(client, django_user_model, db):
    from tests.factories import UserFactory

    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("accounts:organisation_create"), VALID)
    organisation = Organisation.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("accounts:organisation", args=[organisation.uuid])
    assert organisation.business_id == "0201256-6"  # normalised
    membership = Membership.objects.get(user=user)
    assert membership.role == MembershipRole.ADMIN and membership.is_signatory
    assert AuditEvent.objects.filter(action="organisation_created", actor=user).exists()


def test_user_without_organisation_is_offered_to_create_one(client, db):
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    response = client.get(reverse("accounts:home"))
    assert response.status_code == 200
    assert reverse("accounts:organisation_create") in response.content.decode()


def test_invalid_business_id_is_refused_with_translated_message(client, outsider):
    client.force_login(outsider)
    outsider.language = "fi"
    outsider.save()
    before = Organisation.objects.count()
    response = client.post(reverse("accounts:organisation_create"), {**VALID, "business_id": "0201256-7"})
    assert response.status_code == 400
    assert Organisation.objects.count() == before
    assert "tarkistusmerkki" in response.content.decode()  # Finnish: the check digit does not match


def test_duplicate_organisation_is_refused(client, outsider, organisation):
    client.force_login(outsider)
    count = Organisation.objects.count()
    response = client.post(
        reverse("accounts:organisation_create"), {**VALID, "business_id": organisation.business_id}
    )
    assert response.status_code == 400
    assert Organisation.objects.count() == count
    assert not Membership.objects.filter(user=outsider, organisation=organisation).exists()


def test_staff_cannot_create_an_organisation(client, officer):
    client.force_login(officer)
    response = client.post(reverse("accounts:organisation_create"), VALID)
    assert response.status_code == 403
    assert not Organisation.objects.filter(business_id="0201256-6").exists()


def test_extra_fields_in_the_form_are_ignored(client, outsider):
    client.force_login(outsider)
    client.post(
        reverse("accounts:organisation_create"), {**VALID, "require_mfa": "on", "uuid": "x", "id": "999"}
    )
    organisation = Organisation.objects.get(business_id="0201256-6")
    assert organisation.require_mfa is False
    assert organisation.id != 999


@pytest.mark.parametrize(
    ("persona", "status"),
    [("anonymous", 302), ("outsider", 404), ("member", 200), ("org_admin", 200), ("officer", 200)],
)
def test_organisation_page_ladder(client, request, organisation, persona, status):
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("accounts:organisation", args=[organisation.uuid]))
    assert response.status_code == status


@pytest.mark.parametrize(
    ("persona", "status"), [("anonymous", 302), ("outsider", 404), ("member", 403), ("signatory", 403)]
)
def test_only_admin_edits_organisation(client, request, organisation, persona, status):
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    response = client.post(
        reverse("accounts:organisation_edit", args=[organisation.uuid]), {**VALID, "name": "Hijacked"}
    )
    assert response.status_code == status
    organisation.refresh_from_db()
    assert organisation.name != "Hijacked"


def test_admin_edits_details_and_requires_mfa(client, org_admin, organisation):
    client.force_login(org_admin)
    data = {**VALID, "business_id": organisation.business_id, "name": "Uusi nimi Oy", "require_mfa": "on"}
    response = client.post(reverse("accounts:organisation_edit", args=[organisation.uuid]), data)
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.name == "Uusi nimi Oy"
    assert organisation.require_mfa is True
    event = AuditEvent.objects.get(action="organisation_updated")
    assert event.details["changes"]["name"][1] == "Uusi nimi Oy"


def test_switching_active_organisation(client, member, organisation):
    from tests.factories import MembershipFactory

    other = MembershipFactory(user=member, organisation__name="Toinen Oy").organisation
    client.force_login(member)
    response = client.post(reverse("accounts:switch_organisation"), {"organisation": str(other.uuid)})
    assert response.status_code == 302
    assert client.get(reverse("accounts:home")).url == reverse("permits:dashboard")
    selected = f'<option value="{other.uuid}" selected>'
    assert selected in client.get(reverse("permits:dashboard")).content.decode()
    # An organisation the user does not belong to cannot be chosen.
    client.post(
        reverse("accounts:switch_organisation"), {"organisation": "00000000-0000-0000-0000-000000000000"}
    )
    assert selected in client.get(reverse("permits:dashboard")).content.decode()
