"""Every page passes axe-core's WCAG 2.1 A and AA rules in Finnish and Swedish, and works by keyboard.

The sign-up journey (test_signup_journey.py) scans the pages on its way; these tests visit the rest:
sign-in and its error, password reset, the organisation pages of an administrator, own details, two-factor
enrolment, staff sign-in with an authenticator, the error pages and the statements.
"""

import time
from urllib.parse import quote

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from django.core import mail
from django.urls import reverse
from playwright.sync_api import Page, expect

from accounts import services
from accounts.models import MembershipRole, Organisation, User
from tests.e2e.helpers import (
    FACTORY_PASSWORD,
    assert_accessible,
    emails_to,
    link_in,
    sign_in,
    switch_language,
    t,
)
from tests.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.e2e

LANGUAGES = ["fi", "sv"]


def visit(page: Page, url: str, language: str, *, status: int = 200) -> None:
    response = page.goto(url)
    assert response is not None
    assert response.status == status, f"{url} answered {response.status}"
    assert_accessible(page, language)


def totp_code(user: User) -> str:
    """The code the user's authenticator app shows now; waits out the last second of a period."""
    secret = decrypt(Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP).data["secret"])
    return code_for_secret(secret)


def code_for_secret(secret: str) -> str:
    if time.time() % 30 > 28:
        time.sleep(30 - time.time() % 30 + 0.1)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


@pytest.mark.parametrize("language", LANGUAGES)
def test_public_pages_are_accessible(page: Page, language: str, org_admin: User, mailoutbox: list):
    page.goto("/")
    switch_language(page, language)
    expect(page).to_have_url("/")
    assert_accessible(page, language)

    for name in ("accessibility", "privacy", "account_reset_password"):
        visit(page, reverse(name), language)
    visit(page, "/no-such-page/", language, status=404)
    visit(page, reverse("accounts:invitation", args=["no-such-token"]), language, status=404)

    # Sign-up with mismatched passwords shows its errors accessibly.
    page.goto(reverse("account_signup"))
    page.locator("input[name=full_name]").fill("Testi Henkilö")
    page.locator("input[name=email]").fill("uusi@example.test")
    page.locator("input[name=password1]").fill("Kanervikko-2026-syksy")
    page.locator("input[name=password2]").fill("Kanervikko-2026-talvi")
    page.get_by_role("button", name=t(language, "Sign Up"), exact=True).click()
    expect(page.locator("input[name=password2]")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page, language)

    # A wrong password on the sign-in form.
    sign_in(page, language, org_admin.email, "wrong-password-entirely")
    expect(page).to_have_url(reverse("account_login"))
    expect(page.locator(".errorlist")).to_be_visible()
    assert_accessible(page, language)

    # Password reset: request, the page after it, and the form the emailed link opens.
    page.goto(reverse("account_reset_password"))
    page.locator("input[name=email]").fill(org_admin.email)
    page.get_by_role("main").get_by_role("button").click()
    expect(page).to_have_url(reverse("account_reset_password_done"))
    assert_accessible(page, language)
    (reset_email,) = emails_to(mailoutbox, org_admin.email)
    page.goto(link_in(reset_email, "/accounts/password/reset/key/"))
    expect(page.locator("input[name=password1]")).to_be_visible()
    assert_accessible(page, language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_administrator_pages_are_accessible(
    page: Page, language: str, organisation: Organisation, org_admin: User
):
    # A colleague and a pending invitation fill the tables; a second organisation, where the administrator
    # is an ordinary member, shows the header's organisation switcher and a refused edit.
    MembershipFactory(organisation=organisation, role=MembershipRole.MEMBER)
    services.invitation_create(
        organisation=organisation,
        inviter=org_admin,
        email="kutsuttu@example.test",
        role="member",
        is_signatory=True,
    )
    other = OrganisationFactory(name="Toinen Organisaatio ry")
    MembershipFactory(organisation=other, user=org_admin)
    mail.outbox.clear()

    page.goto("/")
    switch_language(page, language)
    sign_in(page, language, org_admin.email)
    expect(page).to_have_url(reverse("permits:dashboard"))
    page.goto(reverse("accounts:organisation", args=[organisation.uuid]))
    # The account's own language (English) wins at sign-in; the switcher changes it for good.
    switch_language(page, language)
    assert User.objects.get(pk=org_admin.pk).language == language
    expect(page.locator("select[name=organisation]")).to_be_visible()
    assert_accessible(page, language)

    visit(page, reverse("accounts:organisation_edit", args=[organisation.uuid]), language)
    visit(page, reverse("accounts:organisation_edit", args=[other.uuid]), language, status=403)
    for name in ("accounts:profile", "account_email", "account_change_password", "mfa_index"):
        visit(page, reverse(name), language)

    # Two-factor enrolment: the activation page, then the recovery codes shown after it.
    # allauth asks for the password again before an authenticator is added.
    page.goto(reverse("mfa_activate_totp"))
    expect(page).to_have_url(
        f"{reverse('account_reauthenticate')}?next={quote(reverse('mfa_activate_totp'), safe='')}"
    )
    assert_accessible(page, language)
    page.locator("input[name=password]").fill(FACTORY_PASSWORD)
    page.get_by_role("main").get_by_role("button", name=t(language, "Confirm"), exact=True).click()
    expect(page).to_have_url(reverse("mfa_activate_totp"))
    assert_accessible(page, language)
    secret = page.locator("#authenticator_secret").input_value()
    page.locator("input[name=code]").fill(code_for_secret(secret))
    page.get_by_role("main").get_by_role("button", name=t(language, "Activate"), exact=True).click()
    expect(page).to_have_url(reverse("mfa_view_recovery_codes"))
    assert Authenticator.objects.filter(user=org_admin, type=Authenticator.Type.TOTP).exists()
    assert_accessible(page, language)
    visit(page, reverse("mfa_index"), language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_staff_sign_in_with_authenticator_is_accessible(page: Page, language: str, officer: User):
    page.goto("/")
    switch_language(page, language)
    sign_in(page, language, officer.email)
    expect(page).to_have_url(reverse("mfa_authenticate"))
    assert_accessible(page, language)
    page.locator("input[name=code]").fill(totp_code(officer))
    page.get_by_role("main").get_by_role("button", name=t(language, "Sign In"), exact=True).click()
    expect(page).to_have_url(reverse("accounts:home"))
    switch_language(page, language)
    assert_accessible(page, language)


def test_skip_link_is_the_first_stop_and_moves_focus_to_main(page: Page):
    page.goto("/")
    page.keyboard.press("Tab")
    skip_link = page.locator(".skip-link")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    expect(page).to_have_url("/#main")
