"""The portal reminds a permit holder's signatories to notify a change that it saw itself."""

import pytest
from django.db import transaction

from accounts import services
from accounts.models import Membership, MembershipRole
from notifications.models import Notification, NotificationKind
from permits.models import PermitState
from tests.changes.conftest import in_force_permit
from tests.factories import MembershipFactory, PermitFactory

S = PermitState


def reminders():
    return Notification.objects.filter(idempotency_key__startswith="change_reminder:")


@pytest.fixture
def signatories(organisation, org_admin, signatory, member):
    """The organisation's signatories: its admin and the signatory (the member is not one)."""
    return {org_admin, signatory}


def rename(organisation, org_admin, **fields):
    current = {"name": organisation.name, "business_id": organisation.business_id}
    services.organisation_update(
        organisation=organisation, actor=org_admin, require_mfa=False, **{**current, **fields}
    )


def test_a_new_name_reminds_every_signatory_once(organisation, org_admin, signatories):
    permit = in_force_permit(organisation)
    rename(organisation, org_admin, name="Yhdistynyt Oy")
    sent = list(reminders())
    assert {n.recipient for n in sent} == signatories
    assert len(sent) == len(signatories)
    assert all(n.kind == NotificationKind.CASE_EVENT for n in sent)
    assert all(permit.reference in n.body_text and "Yhdistynyt Oy" in n.subject for n in sent)


def test_a_new_business_id_reminds(organisation, org_admin, signatories):
    in_force_permit(organisation, state=S.GRANTED)
    rename(organisation, org_admin, business_id="0245437-2")
    assert reminders().count() == len(signatories)


def test_other_edits_do_not_remind(organisation, org_admin, signatories):
    in_force_permit(organisation)
    services.organisation_update(
        organisation=organisation,
        actor=org_admin,
        require_mfa=True,
        name=organisation.name,
        city="Tampere",
    )
    assert not reminders().exists()


@pytest.mark.parametrize("state", [S.SUBMITTED, S.REJECTED, S.REVOKED, S.EXPIRED])
def test_no_reminder_without_a_permit_in_force(organisation, org_admin, signatories, state):
    PermitFactory(application__organisation=organisation, state=state)
    rename(organisation, org_admin, name="Yhdistynyt Oy")
    assert not reminders().exists()


def test_removing_the_technical_contact_reminds(organisation, org_admin, signatories):
    permit = in_force_permit(organisation)
    technical = MembershipFactory(organisation=organisation, user__email=permit.application.technical_email)
    services.membership_remove(membership=technical, actor=org_admin)
    sent = list(reminders())
    assert {n.recipient for n in sent} == signatories
    assert all(permit.reference in n.body_text for n in sent)


def test_removing_another_member_does_not_remind(organisation, org_admin, signatories, member):
    in_force_permit(organisation)
    services.membership_remove(membership=Membership.objects.get(user=member), actor=org_admin)
    assert not reminders().exists()


def test_removing_the_technical_contact_of_a_closed_permit_does_not_remind(
    organisation, org_admin, signatories
):
    permit = PermitFactory(application__organisation=organisation, state=S.REVOKED)
    technical = MembershipFactory(
        organisation=organisation, user__email=permit.application.technical_email, role=MembershipRole.MEMBER
    )
    services.membership_remove(membership=technical, actor=org_admin)
    assert not reminders().exists()


def test_the_reminder_is_written_in_the_transaction_of_the_change(organisation, org_admin, signatories):
    """Rolled back with the edit: no reminder of a change that did not happen."""
    in_force_permit(organisation)

    class Undone(Exception):
        pass

    with pytest.raises(Undone), transaction.atomic():
        rename(organisation, org_admin, name="Yhdistynyt Oy")
        assert reminders().count() == len(signatories)
        raise Undone
    assert not reminders().exists()
