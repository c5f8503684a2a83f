"""A licensee's application must stay inside its framework licence's scope while the licence is valid."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.services import PortalError
from applications.completeness import missing_items
from applications.models import Application
from applications.services.licensing import commitment_confirm
from permits.services import submission as services
from tests.factories import (
    ApplicationFactory,
    ClientMandateFactory,
    FrameworkLicenceFactory,
    MembershipFactory,
    OrganisationFactory,
)


@pytest.fixture
def setup(organisation, signatory):
    licensee = OrganisationFactory()
    licence = FrameworkLicenceFactory(licensee=licensee)
    ClientMandateFactory(licensee=licensee, client=organisation)
    seller = MembershipFactory(organisation=licensee).user
    draft = ApplicationFactory(organisation=organisation, filed_by=licensee, complete=True)
    return licence, seller, draft


def messages_of(draft: Application) -> list[str]:
    return [str(item.message) for item in missing_items(Application.objects.get(pk=draft.pk))]


def test_inside_the_scope_nothing_is_missing(setup):
    _licence, _seller, draft = setup
    assert messages_of(draft) == []


def test_a_product_purpose_or_group_outside_the_scope_is_named(client, setup):
    licence, seller, draft = setup
    licence.products.remove(draft.product)
    licence.purposes.remove(draft.purpose)
    group = draft.requested_groups.first().data_group
    licence.data_groups.remove(group)
    problems = messages_of(draft)
    assert any(draft.product.name in p and licence.number in p for p in problems)
    assert any(draft.purpose.name in p and licence.number in p for p in problems)
    assert any(group.name in p and licence.number in p for p in problems)
    # The wizard's step says so where it can be fixed.
    client.force_login(seller)
    page = client.get(reverse("applications:step", args=[draft.uuid, "purpose"])).content.decode()
    assert "Not covered by the framework licence" in page and draft.product.name in page


def test_an_expired_licence_stops_the_application(setup, signatory):
    licence, _seller, draft = setup
    licence.valid_until = timezone.localdate() - timedelta(days=1)
    licence.save()
    assert any("no framework licence valid today" in p for p in messages_of(draft))


def test_outside_the_scope_the_client_cannot_confirm_nor_anyone_submit(setup, signatory):
    licence, seller, draft = setup
    licence.products.clear()
    with pytest.raises(PortalError) as refused:
        commitment_confirm(application=draft, user=signatory)
    assert refused.value.status == 409
    with pytest.raises(PortalError) as refused:
        services.application_submit(application=draft, user=seller)
    assert refused.value.status == 400
    assert Application.objects.get(pk=draft.pk).status == "draft"
