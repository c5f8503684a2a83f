import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import AuditEvent, Invitation, Membership, MembershipRole
from tests.factories import StaffFactory, UserFactory


@pytest.fixture
def send_invitation(django_capture_on_commit_callbacks):
    """Invite through the service and return the accept URL from the email, as the invitee gets it."""

    def send(inviter, organisation, email, **extra) -> str:
        with django_capture_on_commit_callbacks(execute=True):
            services.invitation_create(
                organisation=organisation,
                inviter=inviter,
                email=email,
                role=extra.get("role", "member"),
                is_signatory=extra.get("is_signatory", False),
            )
        url = re.search(r"https?://\S+/invitations/accept/\S+/", mail.outbox[-1].body).group(0)
        return "/" + url.split("://", 1)[1].split("/", 1)[1]

    return send


def test_admin_invites_and_invitee_accepts(
    client, org_admin, organisation, django_capture_on_commit_callbacks
):
    client.force_login(org_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:invitation_create", args=[organisation.uuid]),
            {"email": "New.Person@example.test", "role": "member", "is_signatory": "on"},
        )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.person@example.test"]
    assert organisation.name in message.subject
    assert message.alternatives[0][1] == "text/html"
    url = "/" + re.search(r"https?://[^/]+/(\S+/)", message.body).group(1)

    invitee = UserFactory(email="new.person@example.test")
    client.force_login(invitee)
    assert client.get(url).status_code == 200
    response = client.post(url)
    assert response.status_code == 302
    membership = Membership.objects.get(user=invitee, organisation=organisation)
    assert membership.role == MembershipRole.MEMBER and membership.is_signatory
    assert AuditEvent.objects.filter(action="invitation_accepted", actor=invitee).exists()


def test_invitation_email_is_in_the_invitees_language(org_admin, organisation, send_invitation):
    UserFactory(email="ruotsi@example.test", language="sv")
    send_invitation(org_admin, organisation, "ruotsi@example.test")
    assert "Inbjudan" in mail.outbox[0].subject


def test_anonymous_visitor_is_brought_back_to_the_invitation_after_sign_in(
    client, org_admin, organisation, send_invitation
):
    url = send_invitation(org_admin, organisation, "later@example.test")
    response = client.get(url)
    assert response.status_code == 200
    assert organisation.name in response.content.decode()
    client.force_login(UserFactory(email="later@example.test"))
    assert client.get(reverse("accounts:home")).url == url


def test_reused_invitation_is_refused(client, org_admin, organisation, send_invitation):
    url = send_invitation(org_admin, organisation, "once@example.test")
    client.force_login(UserFactory(email="once@example.test"))
    assert client.post(url).status_code == 302
    response = client.post(url)
    assert response.status_code == 410
    assert Membership.objects.filter(organisation=organisation, user__email="once@example.test").count() == 1


def test_expired_invitation_is_refused(client, org_admin, organisation, send_invitation):
    url = send_invitation(org_admin, organisation, "late@example.test")
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    user = UserFactory(email="late@example.test", language="fi")
    client.force_login(user)
    response = client.post(url)
    assert response.status_code == 410
    assert "vanhentunut" in response.content.decode()  # Finnish: "has expired"
    assert not Membership.objects.filter(user=user).exists()


def test_invitation_expires_after_seven_days(org_admin, organisation, send_invitation):
    send_invitation(org_admin, organisation, "week@example.test")
    invitation = Invitation.objects.get()
    assert invitation.expires_at - invitation.created_at == pytest.approx(
        timedelta(days=7), abs=timedelta(seconds=5)
    )


def test_invitation_for_another_address_is_refused(client, org_admin, organisation, send_invitation):
    url = send_invitation(org_admin, organisation, "right@example.test")
    wrong = UserFactory(email="wrong@example.test")
    client.force_login(wrong)
    assert client.post(url).status_code == 403
    assert not Membership.objects.filter(user=wrong).exists()
    assert Invitation.objects.get().accepted_at is None


def test_unknown_token_is_404(client, member):
    client.force_login(member)
    response = client.post(reverse("accounts:invitation", args=["not-a-real-token"]))
    assert response.status_code == 404


def test_revoked_invitation_cannot_be_used(client, org_admin, organisation, send_invitation):
    url = send_invitation(org_admin, organisation, "revoked@example.test")
    invitation = Invitation.objects.get()
    client.force_login(org_admin)
    assert client.post(reverse("accounts:invitation_revoke", args=[invitation.uuid])).status_code == 302
    client.force_login(UserFactory(email="revoked@example.test"))
    assert client.post(url).status_code == 410


def test_new_invitation_replaces_the_pending_one(client, org_admin, organisation, send_invitation):
    first = send_invitation(org_admin, organisation, "twice@example.test")
    second = send_invitation(org_admin, organisation, "twice@example.test")
    assert Invitation.objects.pending().count() == 1
    client.force_login(UserFactory(email="twice@example.test"))
    assert client.post(first).status_code == 410
    assert client.post(second).status_code == 302


@pytest.mark.parametrize(("persona", "status"), [("outsider", 404), ("member", 403), ("signatory", 403)])
def test_only_admins_invite(client, request, organisation, persona, status):
    client.force_login(request.getfixturevalue(persona))
    response = client.post(
        reverse("accounts:invitation_create", args=[organisation.uuid]),
        {"email": "x@example.test", "role": "admin"},
    )
    assert response.status_code == status
    assert not Invitation.objects.exists()
    assert not mail.outbox


def test_inviting_an_existing_member_is_refused(client, org_admin, member, organisation):
    client.force_login(org_admin)
    response = client.post(
        reverse("accounts:invitation_create", args=[organisation.uuid]),
        {"email": member.email, "role": "member"},
    )
    assert response.status_code == 409
    assert not Invitation.objects.exists()


def test_staff_cannot_be_invited(client, org_admin, organisation):
    staff = StaffFactory()
    client.force_login(org_admin)
    response = client.post(
        reverse("accounts:invitation_create", args=[organisation.uuid]),
        {"email": staff.email, "role": "member"},
    )
    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_invalid_email_is_a_400(client, org_admin, organisation):
    client.force_login(org_admin)
    response = client.post(
        reverse("accounts:invitation_create", args=[organisation.uuid]),
        {"email": "not an email", "role": "member"},
    )
    assert response.status_code == 400
    assert not Invitation.objects.exists()
