"""Amendments and renewals: prefilled from the permit, processed as cases of their own, granted into a
new version of the permit that stays in force meanwhile; the permit page shows what each version changed."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.services import PortalError
from applications.completeness import missing_items
from applications.models import Application, ApplicationKind, DataGroup
from applications.services import wizard as application_services
from permits.models import Permit, PermitState, PermitVersion
from permits.selectors import amendments as amendments_selectors
from permits.services import amendments, decisions
from permits.services import submission as services
from tests.factories import (
    ClientMandateFactory,
    FrameworkLicenceFactory,
    MembershipFactory,
    OrganisationFactory,
    PermitFactory,
)
from tests.permits.test_decisions import CONDITIONS

S = PermitState


def fresh(permit: Permit) -> Permit:
    return Permit.objects.get(pk=permit.pk)


def grant(permit: Permit, officer, decision_maker, **overrides) -> Permit:
    """Draft a grant of every requested group and make it, through the services."""
    permit = fresh(permit)
    fields = {
        "granted_groups": [r.data_group for r in permit.application.requested_groups.all()],
        "conditions": CONDITIONS,
        "valid_from": date(2026, 3, 1),
        "valid_until": date(2029, 2, 28),
        **overrides,
    }
    decisions.decision_draft_grant(permit=permit, presenter=officer, revision=permit.revision, **fields)
    decisions.decision_make(permit=permit, decision_maker=decision_maker, revision=fresh(permit).revision)
    return fresh(permit)


@pytest.fixture
def in_force(organisation, officer, decision_maker):
    """A permit granted through a decision (so it has its version 1), then in production."""
    permit = grant(
        PermitFactory(application__organisation=organisation, state=S.TECHNICAL_REVIEW),
        officer,
        decision_maker,
    )
    Permit.objects.filter(pk=permit.pk).update(state=S.PRODUCTION)
    return fresh(permit)


def add_group(draft: Application, user, code: str) -> None:
    justifications = dict(draft.requested_groups.values_list("data_group__code", "justification"))
    justifications[code] = (
        "Tarvitaan uuden palvelun asiakkaiden tunnistamiseen luotettavasti ja yksiselitteisesti."
    )
    application_services.application_save_section(
        application=draft, user=user, section="data-groups", data={"data_groups": justifications}
    )


def test_the_grant_writes_version_1(in_force):
    (version,) = in_force.versions.all()
    assert version.number == 1 and version.decision is not None and version.source_case is None
    assert version.snapshot["conditions"] == CONDITIONS
    assert version.snapshot["data_groups"] == sorted(in_force.granted_groups.values_list("code", flat=True))


def test_a_signatory_starts_an_amendment_prefilled_from_the_permit(client, in_force, signatory):
    client.force_login(signatory)
    response = client.post(reverse("permits:amend", args=[in_force.uuid]), {"kind": "amendment"})
    draft = Application.objects.get(amends=in_force)
    assert response.status_code == 302
    assert response.url == reverse("applications:step", args=[draft.uuid, "purpose"])
    assert (draft.kind, draft.status, draft.organisation) == (
        ApplicationKind.AMENDMENT,
        "draft",
        in_force.application.organisation,
    )
    assert set(draft.requested_groups.values_list("data_group", flat=True)) == set(
        in_force.granted_groups.values_list("pk", flat=True)
    )
    assert draft.hosting_description == in_force.application.hosting_description
    assert in_force.events.filter(action="amendment_started").exists()
    # One at a time: a second one is refused with the reason, and nothing more is created.
    response = client.post(reverse("permits:amend", args=[in_force.uuid]), {"kind": "renewal"})
    assert response.status_code == 409
    assert "already open" in response.content.decode()
    assert Application.objects.filter(amends=in_force).count() == 1


@pytest.mark.parametrize(("persona", "status"), [("member", 403), ("outsider", 404), ("officer", 403)])
def test_only_the_holders_signatory_amends(client, request, in_force, persona, status):
    client.force_login(request.getfixturevalue(persona))
    assert (
        client.post(reverse("permits:amend", args=[in_force.uuid]), {"kind": "amendment"}).status_code
        == status
    )
    assert not Application.objects.filter(amends=in_force).exists()


@pytest.mark.parametrize("state", [S.REJECTED, S.WITHDRAWN, S.REVOKED, S.EXPIRED, S.SUBMITTED])
def test_a_permit_not_in_force_cannot_be_amended(client, organisation, signatory, state):
    permit = PermitFactory(application__organisation=organisation, state=state)
    client.force_login(signatory)
    assert client.post(reverse("permits:amend", args=[permit.uuid]), {"kind": "amendment"}).status_code == 409
    assert not Application.objects.filter(amends=permit).exists()


def test_an_unknown_kind_is_400(client, in_force, signatory):
    client.force_login(signatory)
    assert client.post(reverse("permits:amend", args=[in_force.uuid]), {"kind": "new"}).status_code == 400


def test_an_amendment_granted_becomes_version_2_while_the_permit_stays_in_force(
    client, in_force, signatory, officer, decision_maker
):
    draft = amendments.amendment_start(permit=in_force, user=signatory)
    added = (
        DataGroup.objects.filter(is_active=True, is_sensitive=False)
        .exclude(pk__in=in_force.granted_groups.all())
        .first()
    )
    add_group(draft, signatory, added.code)
    application_services.application_save_section(
        application=draft,
        user=signatory,
        section="technical",
        data={"hosting_description": "Uusi palveluntarjoaja Oy, Suomi."},
    )
    case = services.application_submit(application=draft, user=signatory)
    assert case.reference == f"{in_force.reference}/A1"
    assert fresh(in_force).state == S.PRODUCTION

    case = grant(case, officer, decision_maker, valid_until=date(2030, 2, 28))

    assert case.state == S.APPLIED
    permit = fresh(in_force)
    assert permit.state == S.PRODUCTION
    assert added in permit.granted_groups.all()
    assert permit.valid_until == date(2030, 2, 28)
    version = permit.versions.get(number=2)
    assert version.source_case == case and version.decision.permit == case
    (entry_2, entry_1) = amendments_selectors.version_history(permit)
    labels = {change.label: change for change in entry_2.changes}
    assert labels["Data groups"].added == [added.name] and labels["Data groups"].removed == []
    assert labels["Hosting"].after == "Uusi palveluntarjoaja Oy, Suomi."
    assert "Valid until" in labels
    assert entry_1.changes == []
    assert permit.events.filter(action="permit_amended").exists()
    client.force_login(signatory)
    page = client.get(reverse("permits:case", args=[permit.uuid])).content.decode()
    assert "Version 2" in page and added.name in page and "Uusi palveluntarjoaja Oy" in page
    # The amendment is done: another one may start.
    assert amendments.amendment_start(permit=permit, user=signatory).kind == ApplicationKind.AMENDMENT


def test_a_renewal_is_numbered_apart(in_force, signatory):
    draft = amendments.amendment_start(permit=in_force, user=signatory, kind=ApplicationKind.RENEWAL)
    case = services.application_submit(application=draft, user=signatory)
    assert case.reference == f"{in_force.reference}/R1"


def test_an_amendment_of_a_permit_revoked_meanwhile_is_not_submitted(in_force, signatory):
    draft = amendments.amendment_start(permit=in_force, user=signatory)
    Permit.objects.filter(pk=in_force.pk).update(state=S.REVOKED)
    with pytest.raises(PortalError) as refused:
        services.application_submit(application=draft, user=signatory)
    assert refused.value.status == 409
    assert Application.objects.get(pk=draft.pk).status == "draft"


def test_a_licensees_amendment_may_not_leave_the_licence_scope(officer, decision_maker):
    client_org = OrganisationFactory()
    licensee = OrganisationFactory()
    licence = FrameworkLicenceFactory(licensee=licensee)
    ClientMandateFactory(licensee=licensee, client=client_org)
    seller = MembershipFactory(organisation=licensee).user
    permit = PermitFactory(
        application__organisation=client_org, application__filed_by=licensee, state=S.TECHNICAL_REVIEW
    )
    permit = grant(permit, officer, decision_maker)
    Permit.objects.filter(pk=permit.pk).update(state=S.PRODUCTION)
    outside = (
        DataGroup.objects.filter(is_active=True, is_sensitive=False)
        .exclude(pk__in=permit.granted_groups.all())
        .first()
    )
    licence.data_groups.remove(outside)

    draft = amendments.amendment_start(permit=fresh(permit), user=seller)
    add_group(draft, seller, outside.code)

    problems = [str(item.message) for item in missing_items(draft)]
    assert any(outside.name in problem and licence.number in problem for problem in problems)
    with pytest.raises(PortalError) as refused:
        services.application_submit(application=draft, user=seller)
    assert refused.value.status == 400


def test_a_holder_with_a_permit_granted_before_versions_gets_version_1_when_amending(organisation, signatory):
    permit = PermitFactory(
        application__organisation=organisation, state=S.PRODUCTION, decided_at=timezone.now()
    )
    assert not PermitVersion.objects.filter(permit=permit).exists()
    amendments.amendment_start(permit=permit, user=signatory)
    assert permit.versions.get().number == 1


def test_renewal_keeps_the_validity_to_change(in_force, signatory):
    draft = amendments.amendment_start(permit=in_force, user=signatory, kind=ApplicationKind.RENEWAL)
    assert draft.requested_valid_until == in_force.application.requested_valid_until
    assert draft.renewal_of == in_force.application
