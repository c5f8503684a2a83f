import pytest
from django.urls import reverse

from accounts.models import AuditEvent, Membership, MembershipRole
from tests.factories import MembershipFactory


def update(client, membership, role, signatory=False):
    data = {"role": role, **({"is_signatory": "on"} if signatory else {})}
    return client.post(reverse("accounts:membership_update", args=[membership.uuid]), data)


def test_admin_changes_role_and_signatory(client, org_admin, member, organisation):
    membership = Membership.objects.get(user=member)
    client.force_login(org_admin)
    response = update(client, membership, "admin", signatory=True)
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == MembershipRole.ADMIN and membership.is_signatory
    event = AuditEvent.objects.get(action="membership_changed")
    assert event.actor == org_admin and event.details["changes"]["role"] == ["member", "admin"]


def test_last_admin_cannot_be_demoted(client, org_admin, organisation):
    membership = Membership.objects.get(user=org_admin)
    client.force_login(org_admin)
    response = update(client, membership, "member", signatory=True)
    assert response.status_code == 409
    membership.refresh_from_db()
    assert membership.role == MembershipRole.ADMIN
    assert not AuditEvent.objects.filter(action="membership_changed").exists()


def test_last_admin_cannot_be_removed_or_leave(client, org_admin, organisation):
    membership = Membership.objects.get(user=org_admin)
    client.force_login(org_admin)
    response = client.post(reverse("accounts:membership_remove", args=[membership.uuid]))
    assert response.status_code == 409
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_admin_can_step_down_when_another_admin_remains(client, org_admin, organisation):
    MembershipFactory(organisation=organisation, role=MembershipRole.ADMIN)
    membership = Membership.objects.get(user=org_admin)
    client.force_login(org_admin)
    assert update(client, membership, "member").status_code == 302
    membership.refresh_from_db()
    assert membership.role == MembershipRole.MEMBER


def test_admin_removes_member(client, org_admin, member, organisation):
    membership = Membership.objects.get(user=member)
    client.force_login(org_admin)
    assert client.post(reverse("accounts:membership_remove", args=[membership.uuid])).status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert AuditEvent.objects.filter(action="membership_removed", details__user=member.email).exists()


def test_member_can_leave(client, member, org_admin, organisation):
    membership = Membership.objects.get(user=member)
    client.force_login(member)
    response = client.post(reverse("accounts:membership_remove", args=[membership.uuid]))
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()


@pytest.mark.parametrize(("persona", "status"), [("outsider", 404), ("member", 403), ("signatory", 403)])
def test_non_admins_cannot_manage_members(client, request, org_admin, organisation, persona, status):
    target = Membership.objects.get(user=org_admin)
    client.force_login(request.getfixturevalue(persona))
    assert update(client, target, "member").status_code == status
    assert client.post(reverse("accounts:membership_remove", args=[target.uuid])).status_code == status
    target.refresh_from_db()
    assert target.role == MembershipRole.ADMIN


def test_invalid_role_is_a_400(client, org_admin, member):
    membership = Membership.objects.get(user=member)
    client.force_login(org_admin)
    assert update(client, membership, "owner").status_code == 400
    membership.refresh_from_db()
    assert membership.role == MembershipRole.MEMBER


def test_two_admins_demoting_each_other_at_once_leave_one_admin(organisation, transactional_db):
    """The organisation row is locked: whatever the interleaving, an administrator remains."""
    import threading

    from django.db import connection

    from accounts import services
    from accounts.services import PortalError

    first = MembershipFactory(organisation=organisation, role=MembershipRole.ADMIN)
    second = MembershipFactory(organisation=organisation, role=MembershipRole.ADMIN)
    barrier = threading.Barrier(2)
    errors = []

    def demote(actor_membership, target):
        barrier.wait()
        try:
            services.membership_update(
                membership=target, actor=actor_membership.user, role="member", is_signatory=False
            )
        except PortalError as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=demote, args=(first, second)),
        threading.Thread(target=demote, args=(second, first)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Membership.objects.admins().filter(organisation=organisation).count() == 1
    assert len(errors) == 1
