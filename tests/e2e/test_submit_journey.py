"""Submitting and withdrawing in the browser: every page on the way passes axe-core in Finnish and Swedish.

Uses the browser fixtures of tests/e2e (Debian's Chromium through Playwright); skips when it is missing.
"""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from permits.models import Permit, PermitState
from tests.e2e.helpers import PageFactory, assert_accessible, sign_in, t
from tests.factories import ApplicationFactory, MembershipFactory

pytestmark = pytest.mark.e2e


def visit(page: Page, url: str, language: str, *, status: int = 200) -> None:
    response = page.goto(url)
    assert response is not None and response.status == status, (url, response and response.status)
    assert_accessible(page, language)


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_signatory_submits_and_withdraws(new_page: PageFactory, language: str, mailoutbox: list):
    page = new_page()
    membership = MembershipFactory(is_signatory=True, user__language=language)
    organisation, signatory = membership.organisation, membership.user
    complete = ApplicationFactory(complete=True, organisation=organisation)
    incomplete = ApplicationFactory(organisation=organisation)
    # The sign-in page follows the browser (Finnish); after it, the user's own language applies.
    sign_in(page, "fi", signatory.email)

    visit(page, reverse("permits:dashboard"), language)
    expect(
        page.locator(f'a[href="{reverse("applications:step", args=[complete.uuid, "purpose"])}"]')
    ).to_be_visible()

    # An incomplete draft: the refusal lists what is missing, each linked to its step.
    page.goto(reverse("applications:step", args=[incomplete.uuid, "review"]))
    page.get_by_role("button", name=t(language, "Submit the application"), exact=True).click()
    expect(
        page.locator(f'a[href="{reverse("applications:step", args=[incomplete.uuid, "purpose"])}"]').first
    ).to_be_visible()
    assert_accessible(page, language)

    # A complete draft: submitted, and the case page shows it with its receipt.
    page.goto(reverse("applications:step", args=[complete.uuid, "review"]))
    page.get_by_role("button", name=t(language, "Submit the application"), exact=True).click()
    permit = Permit.objects.get(application=complete)
    expect(page).to_have_url(reverse("permits:case", args=[permit.uuid]))
    expect(page.get_by_role("heading", level=1)).to_contain_text(permit.reference)
    assert_accessible(page, language)
    assert {m.to[0] for m in mailoutbox} == {organisation.contact_email, signatory.email}

    # Withdrawing without a reason is refused on the same page; with one, it is done.
    withdraw = page.get_by_role("button", name=t(language, "Withdraw the application"), exact=True)
    withdraw.click()
    expect(page.locator(".errorlist")).to_be_visible()
    assert_accessible(page, language)
    page.locator("textarea[name=reason]").fill("Palvelu hankitaan toisaalta.")
    page.get_by_role("button", name=t(language, "Withdraw the application"), exact=True).click()
    expect(page).to_have_url(reverse("permits:case", args=[permit.uuid]))
    assert Permit.objects.get(pk=permit.pk).state == PermitState.WITHDRAWN
    assert_accessible(page, language)

    visit(page, reverse("permits:dashboard"), language)
    expect(page.get_by_role("link", name=permit.reference)).to_be_visible()
