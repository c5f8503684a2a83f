import time

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time
from django.urls import reverse

from accounts.middleware import StaffIdleTimeoutMiddleware
from tests.conftest import with_authenticator
from tests.factories import MembershipFactory, UserFactory


def test_staff_without_authenticator_reaches_only_enrolment(client, staff_without_mfa, organisation):
    client.post(
        reverse("account_login"),
        {"login": staff_without_mfa.email, "password": "correct-horse-battery-staple"},
    )
    for url in [
        reverse("accounts:home"),
        reverse("accounts:profile"),
        reverse("accounts:organisation", args=[organisation.uuid]),
        reverse("admin:index"),
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url == reverse("mfa_activate_totp"), url
    # allauth asks for the password again before enrolment; that step is reachable too.
    response = client.get(reverse("mfa_activate_totp"))
    assert response.url.startswith(reverse("account_reauthenticate"))
    response = client.post(response.url, {"password": "correct-horse-battery-staple"})
    assert response.url == reverse("mfa_activate_totp")
    assert client.get(reverse("mfa_activate_totp")).status_code == 200
    # Enrolling with a code from the authenticator app opens the rest of the portal.
    secret = client.session["mfa.totp.secret"]
    counters = list(yield_hotp_counters_from_time())
    code = format_hotp_value(hotp_value(secret, counters[len(counters) // 2]))
    response = client.post(reverse("mfa_activate_totp"), {"code": code})
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert Authenticator.objects.filter(user=staff_without_mfa).exists()
    assert client.get(reverse("accounts:home")).status_code == 200


def test_staff_with_authenticator_gets_in(client, officer):
    client.force_login(officer)
    assert client.get(reverse("accounts:home")).status_code == 200


def test_organisation_can_require_mfa_of_its_members(client, member, organisation):
    client.force_login(member)
    assert client.get(reverse("accounts:profile")).status_code == 200
    organisation.require_mfa = True
    organisation.save()
    assert client.get(reverse("accounts:profile")).url == reverse("mfa_activate_totp")
    with_authenticator(member)
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_sign_in_with_mfa_asks_for_the_code(client, db):
    user = with_authenticator(UserFactory(email="two@example.test"))
    response = client.post(
        reverse("account_login"), {"login": "two@example.test", "password": "correct-horse-battery-staple"}
    )
    assert response.status_code == 302
    assert response.url == reverse("mfa_authenticate")
    # Not signed in until the code is given.
    assert client.get(reverse("accounts:profile")).status_code == 302
    assert Authenticator.objects.filter(user=user).exists()


def test_staff_idle_for_30_minutes_is_signed_out(client, officer, settings):
    client.force_login(officer)
    assert client.get(reverse("accounts:home")).status_code == 200
    session = client.session
    session[StaffIdleTimeoutMiddleware.SESSION_KEY] = int(time.time()) - 31 * 60
    session.save()
    response = client.get(reverse("accounts:home"))
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))
    assert client.get(reverse("accounts:home")).status_code == 302


def test_staff_active_within_30_minutes_stays_signed_in(client, officer):
    client.force_login(officer)
    client.get(reverse("accounts:home"))
    session = client.session
    session[StaffIdleTimeoutMiddleware.SESSION_KEY] = int(time.time()) - 29 * 60
    session.save()
    assert client.get(reverse("accounts:home")).status_code == 200


def test_organisation_members_are_not_subject_to_staff_idle_timeout(client, member):
    client.force_login(member)
    session = client.session
    session[StaffIdleTimeoutMiddleware.SESSION_KEY] = int(time.time()) - 3 * 60 * 60
    session.save()
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_admin_is_only_for_staff(client, registry_admin, member):
    assert client.get(reverse("admin:index")).status_code == 302
    login = client.get(reverse("admin:login"))
    assert login.url.startswith(reverse("account_login"))
    client.force_login(member)
    assert client.get(reverse("admin:login")).status_code == 403
    assert client.get(reverse("admin:index")).status_code == 302  # the admin's own refusal
    client.force_login(registry_admin)
    assert client.get(reverse("admin:index")).status_code == 200


def test_registry_admin_sees_organisations_in_admin(client, registry_admin, organisation):
    client.force_login(registry_admin)
    response = client.get(reverse("admin:accounts_organisation_changelist"))
    assert response.status_code == 200
    assert organisation.name in response.content.decode()


def test_officer_cannot_change_users_in_admin(client, officer):
    client.force_login(officer)
    assert client.get(reverse("admin:accounts_user_add")).status_code == 403


def test_signup_requires_email_verification(client, db):
    from django.core import mail

    response = client.post(
        reverse("account_signup"),
        {
            "full_name": "Uusi Käyttäjä",
            "email": "uusi@example.test",
            "password1": "a-long-enough-passphrase",
            "password2": "a-long-enough-passphrase",
        },
    )
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert len(mail.outbox) == 1
    assert client.get(reverse("accounts:home")).status_code == 302  # not signed in before verifying
    from accounts.models import User

    user = User.objects.get(email="uusi@example.test")
    assert user.full_name == "Uusi Käyttäjä"
    assert user.language == "fi"


def test_signing_in_rotates_the_session_key(client, db):
    UserFactory(email="rotate@example.test")
    client.get(reverse("account_login"))
    before = client.cookies["sessionid"].value if "sessionid" in client.cookies else None
    client.post(
        reverse("account_login"), {"login": "rotate@example.test", "password": "correct-horse-battery-staple"}
    )
    assert client.cookies["sessionid"].value != before


def test_member_of_several_organisations_sees_the_switcher(client, member):
    MembershipFactory(user=member)
    client.force_login(member)
    assert 'name="organisation"' in client.get(reverse("accounts:profile")).content.decode()


def test_totp_secrets_are_stored_encrypted(officer):
    from allauth.mfa.utils import decrypt

    stored = Authenticator.objects.get(user=officer).data["secret"]
    secret = decrypt(stored)
    assert secret not in stored
    assert len(secret) == 32  # base32 of 20 random bytes


def test_staff_cannot_delete_their_authenticator(officer, member):
    from allauth.mfa.adapter import get_adapter

    assert not get_adapter().can_delete_authenticator(Authenticator.objects.get(user=officer))
    with_authenticator(member)
    assert get_adapter().can_delete_authenticator(Authenticator.objects.get(user=member))
