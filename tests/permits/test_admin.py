from django.urls import reverse

from accounts.models import AuditEvent
from permits.models import Permit, PermitEvent, PermitState
from tests.factories import PermitFactory


def test_officer_lists_and_searches_cases(client, officer):
    permits = [PermitFactory() for _ in range(3)]
    client.force_login(officer)
    response = client.get(reverse("admin:permits_permit_changelist"))
    assert response.status_code == 200
    assert all(p.reference in response.content.decode() for p in permits)

    wanted = permits[1].application.organisation
    response = client.get(reverse("admin:permits_permit_changelist"), {"q": wanted.business_id})
    page = response.content.decode()
    assert permits[1].reference in page
    assert permits[0].reference not in page


def test_cases_cannot_be_added_changed_or_deleted_in_the_admin(client, officer):
    permit = PermitFactory()
    client.force_login(officer)
    assert client.get(reverse("admin:permits_permit_add")).status_code == 403
    response = client.post(
        reverse("admin:permits_permit_change", args=[permit.pk]), {"state": PermitState.GRANTED}
    )
    assert response.status_code == 403
    assert (
        client.post(reverse("admin:permits_permit_delete", args=[permit.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert Permit.objects.get(pk=permit.pk).state == PermitState.SUBMITTED


def test_viewing_a_case_in_the_admin_is_audited(client, officer):
    permit = PermitFactory()
    event = PermitEvent.objects.create(permit=permit, action="submitted", to_state=PermitState.SUBMITTED)
    client.force_login(officer)
    assert client.get(reverse("admin:permits_permit_change", args=[permit.pk])).status_code == 200
    assert client.get(reverse("admin:permits_permitevent_change", args=[event.pk])).status_code == 200
    assert (
        AuditEvent.objects.filter(action="case_viewed", actor=officer, target_id=str(permit.uuid)).count()
        == 2
    )
