import pytest
from django.urls import reverse

from applications.models import DataGroup, Product, Purpose, TermsVersion


def test_catalogue_is_seeded_from_the_domain_reference(db):
    assert Product.objects.count() == 5
    assert DataGroup.objects.count() == 20
    assert set(DataGroup.objects.filter(is_sensitive=True).values_list("code", flat=True)) == {
        "HENKILOTUNNUS",
        "HUOLTAJUUS",
        "EDUNVALVONTA",
        "USKONTOKUNTA",
        "TURVAKIELTO",
    }
    marketing = Purpose.objects.get(code="SUORAMARKKINOINTI")
    assert list(marketing.prohibitions.values_list("code", flat=True)) == ["SUORAMARKKINOINTI_KIELTO"]
    assert Purpose.objects.get(code="VIRANOMAISTEHTAVA").requires_statute
    assert "661/2009" in Purpose.objects.get(code="PERINTA").legal_basis_fi
    assert TermsVersion.objects.in_force().version == "2026-1"
    assert Product.objects.get(code="VTJKYSELY").name_sv.startswith("BDSförfrågan")


def test_names_follow_the_language(db):
    from django.utils import translation

    group = DataGroup.objects.get(code="TURVAKIELTO")
    for language, name in [
        ("fi", "Turvakielto"),
        ("sv", "Spärrmarkering"),
        ("en", "Non-disclosure for personal safety"),
    ]:
        with translation.override(language):
            assert group.name == name


def test_registry_admin_edits_and_retires_but_cannot_delete(client, registry_admin):
    group = DataGroup.objects.get(code="USKONTOKUNTA")
    client.force_login(registry_admin)
    change = reverse("admin:applications_datagroup_change", args=[group.pk])
    page = client.get(change)
    assert page.status_code == 200
    data = {
        "code": group.code,
        "name_fi": group.name_fi,
        "name_sv": group.name_sv,
        "name_en": "Membership of a religious community",
        "description_fi": "",
        "description_sv": "",
        "description_en": "",
        "sort_order": group.sort_order,
        "is_sensitive": "on",
    }  # "is_active" left out: retired
    assert client.post(change, data).status_code == 302
    group.refresh_from_db()
    assert group.name_en == "Membership of a religious community" and not group.is_active
    delete = reverse("admin:applications_datagroup_delete", args=[group.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert DataGroup.objects.filter(pk=group.pk).exists()


def test_retired_data_group_is_not_offered_in_the_wizard(client, member, organisation):
    from tests.factories import ApplicationFactory

    DataGroup.objects.filter(code="USKONTOKUNTA").update(is_active=False)
    draft = ApplicationFactory(organisation=organisation)
    client.force_login(member)
    page = client.get(reverse("applications:step", args=[draft.uuid, "data-groups"])).content.decode()
    assert "group_USKONTOKUNTA" not in page
    assert "group_HENKILON_NIMI" in page


@pytest.mark.parametrize("persona", ["officer", "member"])
def test_others_cannot_change_the_catalogue(client, db, request, persona):
    group = DataGroup.objects.get(code="KOTIKUNTA")
    client.force_login(request.getfixturevalue(persona))
    response = client.post(
        reverse("admin:applications_datagroup_change", args=[group.pk]), {"code": "X", "name_fi": "X"}
    )
    assert response.status_code in (302, 403)
    group.refresh_from_db()
    assert group.code == "KOTIKUNTA"
