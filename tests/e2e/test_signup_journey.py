"""A new organisation's first steps, in the browser: sign up, register the organisation, invite a colleague.

Every page reached is scanned with axe-core, once in Finnish (the browser's language) and once in Swedish
(chosen with the header's language switcher).
"""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import Page, expect

from accounts.models import Invitation, Membership, MembershipRole, Organisation, User
from accounts.validators import normalise_business_id
from tests.e2e.helpers import PageFactory, assert_accessible, emails_to, link_in, sign_in, switch_language, t
from tests.factories import UserFactory

pytestmark = pytest.mark.e2e

PASSWORD = "Kanervikko-2026-syksy"
ORGANISATION = "Äänekosken Tietopalvelu Oy"
BUSINESS_ID = "0245437-2"
BAD_BUSINESS_ID = "0245437-3"
ADMIN = ("Aino Ylläpitäjä", "aino@tietopalvelu.example")
INVITEE = ("Ville Jäsen", "ville@tietopalvelu.example")

CONFIRM_EMAIL_PATH = reverse("account_confirm_email", args=["key"]).removesuffix("key/")
INVITATION_PATH = reverse("accounts:invitation", args=["token"]).removesuffix("token/")


def sign_up_and_verify(page: Page, language: str, outbox: list, *, name: str, email: str, scan: bool) -> None:
    """From the sign-up form to a verified, signed-in account, scanning each page on the way if `scan`."""
    expect(page).to_have_url(reverse("account_signup"))
    if scan:
        assert_accessible(page, language)
    page.locator("input[name=full_name]").fill(name)
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password1]").fill(PASSWORD)
    page.locator("input[name=password2]").fill(PASSWORD)
    page.get_by_role("button", name=t(language, "Sign Up"), exact=True).click()

    expect(page).to_have_url(reverse("account_email_verification_sent"))
    if scan:
        assert_accessible(page, language)
    verification = emails_to(outbox, email)[-1]
    page.goto(link_in(verification, CONFIRM_EMAIL_PATH))
    if scan:
        assert_accessible(page, language)
    page.get_by_role("button", name=t(language, "Confirm"), exact=True).click()


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_new_organisation_invites_a_colleague_who_joins(
    new_page: PageFactory, mailoutbox: list, language: str
):
    admin = new_page()
    admin.goto("/")
    if language != "fi":
        switch_language(admin, language)
    assert_accessible(admin, language)

    # The founder signs up and verifies their address.
    admin.get_by_role("main").get_by_role("link", name=t(language, "Create an account"), exact=True).click()
    sign_up_and_verify(admin, language, mailoutbox, name=ADMIN[0], email=ADMIN[1], scan=True)
    expect(admin).to_have_url(reverse("accounts:home"))
    expect(admin.get_by_role("button", name=t(language, "Sign out"), exact=True)).to_be_visible()
    assert_accessible(admin, language)

    # An invalid Business ID is refused with a message next to the field, and nothing is created.
    admin.get_by_role("link", name=t(language, "Register an organisation"), exact=True).click()
    expect(admin).to_have_url(reverse("accounts:organisation_create"))
    assert_accessible(admin, language)
    admin.locator("input[name=name]").fill(ORGANISATION)
    admin.locator("input[name=business_id]").fill(BAD_BUSINESS_ID)
    admin.locator("select[name=kind]").select_option("company")
    admin.locator("input[name=street_address]").fill("Keskuskatu 1")
    admin.locator("input[name=postal_code]").fill("44100")
    admin.locator("input[name=city]").fill("Äänekoski")
    admin.locator("input[name=contact_email]").fill("toimisto@tietopalvelu.example")
    admin.get_by_role("button", name=t(language, "Register"), exact=True).click()
    expect(admin).to_have_url(reverse("accounts:organisation_create"))
    expect(admin.get_by_role("heading", level=1)).to_have_text(t(language, "Register an organisation"))
    business_id = admin.locator("input[name=business_id]")
    expect(business_id).to_have_attribute("aria-invalid", "true")
    expect(admin.locator("#id_business_id_error")).to_have_text(business_id_error(language, BAD_BUSINESS_ID))
    assert not Organisation.objects.exists()
    assert_accessible(admin, language)

    # With a valid one the organisation is registered and its page opens.
    business_id.fill(BUSINESS_ID)
    admin.get_by_role("button", name=t(language, "Register"), exact=True).click()
    organisation = Organisation.objects.get()
    expect(admin).to_have_url(reverse("accounts:organisation", args=[organisation.uuid]))
    expect(admin.get_by_role("heading", level=1)).to_have_text(ORGANISATION)
    assert_accessible(admin, language)

    # They invite a colleague as an ordinary member.
    invite = admin.locator(
        f"form[action='{reverse('accounts:invitation_create', args=[organisation.uuid])}']"
    )
    invite.locator("input[name=email]").fill(INVITEE[1])
    invite.locator("select[name=role]").select_option(MembershipRole.MEMBER)
    expect(invite.locator("input[name=is_signatory]")).not_to_be_checked()
    invite.get_by_role("button", name=t(language, "Send invitation"), exact=True).click()
    pending = admin.get_by_role("table", name=t(language, "Pending invitations"), exact=True)
    expect(pending.get_by_role("rowheader", name=INVITEE[1])).to_be_visible()
    assert_accessible(admin, language)
    admin.get_by_role("button", name=t(language, "Sign out"), exact=True).click()
    expect(admin).to_have_url("/")
    expect(
        admin.get_by_role("main").get_by_role("link", name=t(language, "Sign in"), exact=True)
    ).to_be_visible()

    # The colleague opens the link in their email on their own computer, signs up and is brought back.
    (invitation_email,) = emails_to(mailoutbox, INVITEE[1])
    invitation_path = link_in(invitation_email, INVITATION_PATH)
    invitee = new_page()
    invitee.goto(invitation_path)
    if language != "fi":
        switch_language(invitee, language)
        expect(invitee).to_have_url(invitation_path)
    assert_accessible(invitee, language)
    invitee.get_by_role("main").get_by_role("link", name=t(language, "Create an account"), exact=True).click()
    sign_up_and_verify(invitee, language, mailoutbox, name=INVITEE[0], email=INVITEE[1], scan=False)
    expect(invitee).to_have_url(invitation_path)
    assert_accessible(invitee, language)

    invitee.get_by_role("button", name=t(language, "Join %(org)s", org=ORGANISATION), exact=True).click()
    expect(invitee).to_have_url(reverse("accounts:organisation", args=[organisation.uuid]))
    members = invitee.get_by_role("table", name=t(language, "Members"), exact=True)
    expect(members.get_by_role("row", name=INVITEE[0])).to_contain_text(INVITEE[1])
    assert_accessible(invitee, language)
    membership = Membership.objects.get(organisation=organisation, user__email=INVITEE[1])
    assert (membership.role, membership.is_signatory) == (MembershipRole.MEMBER, False)
    assert Invitation.objects.get().accepted_by == membership.user
    assert User.objects.get(email=INVITEE[1]).language == language

    # The founder signs in again and sees the new member; the invitation is no longer pending.
    admin.get_by_role("main").get_by_role("link", name=t(language, "Sign in"), exact=True).click()
    expect(admin).to_have_url(reverse("account_login"))
    assert_accessible(admin, language)
    admin.locator("input[name=login]").fill(ADMIN[1])
    admin.locator("input[name=password]").fill(PASSWORD)
    admin.get_by_role("main").get_by_role("button", name=t(language, "Sign In"), exact=True).click()
    # Signing in lands on the organisation's applications; the organisation page is in the menu.
    expect(admin).to_have_url(reverse("permits:dashboard"))
    admin.get_by_role("navigation", name=t(language, "Main menu")).get_by_role(
        "link", name=t(language, "Organisation"), exact=True
    ).click()
    expect(admin).to_have_url(reverse("accounts:organisation", args=[organisation.uuid]))
    members = admin.get_by_role("table", name=t(language, "Members"), exact=True)
    expect(members.get_by_role("row", name=INVITEE[0])).to_contain_text(INVITEE[1])
    expect(admin.get_by_text(t(language, "No pending invitations."))).to_be_visible()
    assert_accessible(admin, language)


def business_id_error(language: str, value: str) -> str:
    """The validator's own message for `value`, translated to `language`."""
    with translation.override(language):
        try:
            normalise_business_id(value)
        except ValidationError as exc:
            return exc.messages[0]
    raise AssertionError(f"{value} should not be a valid Business ID")


def test_registering_and_inviting_work_without_javascript(new_page: PageFactory, mailoutbox: list):
    """The core forms are plain HTML: switching language, signing in, registering and inviting need no script."""
    user = UserFactory()
    page = new_page(javascript=False)
    page.goto("/")
    switch_language(page, "sv")
    sign_in(page, "sv", user.email)
    # The account's own language (English) wins at sign-in; the switcher changes it for good.
    switch_language(page, "sv")

    page.get_by_role("link", name=t("sv", "Register an organisation"), exact=True).click()
    page.locator("input[name=name]").fill(ORGANISATION)
    page.locator("input[name=business_id]").fill("0201256-6")
    page.locator("select[name=kind]").select_option("association")
    page.locator("input[name=street_address]").fill("Storgatan 2")
    page.locator("input[name=postal_code]").fill("65100")
    page.locator("input[name=city]").fill("Vasa")
    page.locator("input[name=contact_email]").fill("kansli@forening.example")
    page.get_by_role("button", name=t("sv", "Register"), exact=True).click()
    organisation = Organisation.objects.get(business_id="0201256-6")
    expect(page).to_have_url(reverse("accounts:organisation", args=[organisation.uuid]))

    invite = page.locator(f"form[action='{reverse('accounts:invitation_create', args=[organisation.uuid])}']")
    invite.locator("input[name=email]").fill(INVITEE[1])
    invite.locator("input[name=is_signatory]").check()
    invite.get_by_role("button", name=t("sv", "Send invitation"), exact=True).click()
    expect(page.get_by_role("table", name=t("sv", "Pending invitations"), exact=True)).to_contain_text(
        INVITEE[1]
    )
    assert Invitation.objects.get(organisation=organisation).is_signatory
    assert emails_to(mailoutbox, INVITEE[1])
    assert User.objects.get(pk=user.pk).language == "sv"
