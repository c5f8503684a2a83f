"""A framework licensee files an application for a new client, in the browser, from start to the mandate's end.

Five people, each in a browser context of their own: a member of a licensee holding a valid framework
licence, the client's representative (who has no account yet), an officer and a decision maker (both with
an authenticator code). The licensee member starts an application for a new client (Business ID, name,
the representative's email and a power-of-attorney PDF) and prepares every wizard step in the browser. The
representative opens the invitation from the email, signs up, verifies the address and joins the client
as its administrator and signatory. The licensee member asks the client to confirm; the representative
opens the confirmation page from that email, reviews it read-only and confirms; the licensee member
submits. The officer sees "filed by" on the queue and the case page and drafts a grant, which the
decision maker makes. The decision PDF names the client as the holder and the licensee as the service
provider; the client's signatory accepts the terms, which the licensee member cannot (no button, a
forged request refused). The client's administrator then ends the mandate from the organisation page,
and the licensee member gets 404 on the case and sees the client as ended on the licensee dashboard.

axe-core scans the start-for-client page, the confirmation page, the licensee dashboard and the
end-mandate page in Finnish, and the dashboard again in Swedish.
"""

import re
from pathlib import Path

import pytest
import weasyprint
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import Page, expect

from accounts.models import ClientMandate, Invitation, Membership, MembershipRole, Organisation
from applications.models import Application, ClientCommitment, TermsVersion
from permits.models import Permit, PermitState
from tests.e2e.helpers import (
    PageFactory,
    assert_accessible,
    emails_to,
    link_in,
    sign_in,
    sign_in_with_code,
    switch_language,
    t,
)
from tests.e2e.test_application_journey import (
    CONTACTS,
    DATA_USE,
    GROUPS,
    LEGAL_BASIS,
    PRODUCT,
    PURPOSE,
    PURPOSE_DESCRIPTION,
    SECURITY,
    TECHNICAL,
    click_button,
    expect_step,
)
from tests.e2e.test_processing_journey import (
    button,
    download_pdf,
    expect_message,
    expect_state,
    field,
    form,
    in_language,
    squash,
    staff,
)
from tests.e2e.test_signup_journey import INVITATION_PATH, sign_up_and_verify
from tests.factories import FrameworkLicenceFactory, MembershipFactory, OrganisationFactory, business_id_for

pytestmark = pytest.mark.e2e

LICENSEE = "Lupaneuvonta Kuukkeli Oy"
CLIENT = "Perintäasiakas Lohi Oy"
CLIENT_BUSINESS_ID = business_id_for(424_242)
REPRESENTATIVE = ("Riikka Edustaja", "riikka.edustaja@lohi.example")
POWER_OF_ATTORNEY = "lohi-valtakirja.pdf"


def main_menu_link(page: Page, language: str, name: str):
    return page.get_by_role("navigation", name=t(language, "Main menu"), exact=True).get_by_role(
        "link", name=t(language, name), exact=True
    )


def ngettext(language: str, singular: str, plural: str, count: int, **params: object) -> str:
    with translation.override(language):
        return translation.ngettext(singular, plural, count) % {"count": count, **params}


def forged_post(page: Page, url: str, data: dict) -> int:
    """POST as a hand-made request in the page's session, with its CSRF cookie as the token; the status."""
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    response = page.request.post(url, form={"csrfmiddlewaretoken": token, **data}, max_redirects=0)
    return response.status


def prepare_every_step(page: Page, application: Application) -> None:
    """Fill the wizard's seven content steps as the licensee member, ending on the review step."""
    expect_step(page, application, "fi", "purpose")
    page.locator("select[name=product]").select_option(label=PRODUCT)
    page.locator("select[name=purpose]").select_option(label=PURPOSE)
    page.locator("textarea[name=purpose_description]").fill(PURPOSE_DESCRIPTION)
    page.locator("textarea[name=legal_basis]").fill(LEGAL_BASIS)
    click_button(page, "fi", "Save and continue")

    expect_step(page, application, "fi", "data-groups")
    for code, name, justification in GROUPS:
        page.get_by_label(t("fi", "I need %(name)s", name=name), exact=True).check()
        page.locator(f"textarea[name=justification_{code}]").fill(justification)
    click_button(page, "fi", "Save and continue")

    expect_step(page, application, "fi", "data-use")
    for name, value in DATA_USE.items():
        page.locator(f"textarea[name={name}]").fill(value)
    click_button(page, "fi", "Save and continue")

    expect_step(page, application, "fi", "security")
    for name, value in SECURITY.items():
        page.locator(f"textarea[name={name}]").fill(value)
    click_button(page, "fi", "Save and continue")

    expect_step(page, application, "fi", "technical")
    for name, value in TECHNICAL.items():
        page.locator(f"textarea[name={name}]").fill(value)
    click_button(page, "fi", "Save and continue")

    expect_step(page, application, "fi", "contacts")
    for role, (person, email, phone) in CONTACTS.items():
        page.locator(f"input[name={role}_name]").fill(person)
        page.locator(f"input[name={role}_email]").fill(email)
        page.locator(f"input[name={role}_phone]").fill(phone)
    click_button(page, "fi", "Save and continue")

    expect_step(page, application, "fi", "attachments")
    page.get_by_role("main").get_by_role("link", name=t("fi", "Continue to review"), exact=True).click()
    expect_step(page, application, "fi", "review")


def test_licensee_files_for_a_new_client_until_the_client_ends_the_mandate(
    new_page: PageFactory, mailoutbox: list, tmp_path: Path
):
    licensee = OrganisationFactory(name=LICENSEE)
    licence = FrameworkLicenceFactory(licensee=licensee)
    member = MembershipFactory(
        organisation=licensee, user__language="fi", user__full_name="Lauri Lisenssinen"
    ).user
    officer = staff("Olli Esittelijä", "officer")
    decider = staff("Päivi Päättäjä", "officer", "decision_maker")
    filed_by = t("fi", "Filed by %(name)s", name=LICENSEE)

    # -- the licensee member starts an application for a new client ----------------------------------------
    adviser = new_page()
    sign_in(adviser, "fi", member.email)
    expect(adviser).to_have_url(reverse("permits:dashboard"))
    main_menu_link(adviser, "fi", "Clients").click()
    expect(adviser).to_have_url(reverse("permits:licensee_dashboard"))
    expect(adviser.get_by_role("main")).to_contain_text(
        t("fi", "No clients yet. Start an application for a client to register one.")
    )
    adviser.get_by_role("main").get_by_role(
        "link", name=t("fi", "Start an application for a client"), exact=True
    ).click()
    expect(adviser).to_have_url(reverse("applications:client_create"))
    expect(adviser.get_by_role("main")).to_contain_text(licence.number)
    assert_accessible(adviser, "fi")

    power_of_attorney = tmp_path / POWER_OF_ATTORNEY
    power_of_attorney.write_bytes(
        weasyprint.HTML(string=f"<p>Valtakirja: {CLIENT} valtuuttaa {LICENSEE}n.</p>").write_pdf()
    )
    adviser.locator("input[name=business_id]").fill(CLIENT_BUSINESS_ID)
    adviser.locator("input[name=name]").fill(CLIENT)
    adviser.locator("input[name=representative_email]").fill(REPRESENTATIVE[1])
    adviser.locator("input[name=power_of_attorney]").set_input_files(power_of_attorney)
    click_button(adviser, "fi", "Start the application")

    client = Organisation.objects.get(business_id=CLIENT_BUSINESS_ID)
    application = Application.objects.get(organisation=client)
    assert application.filed_by == licensee and application.created_by == member
    mandate = ClientMandate.objects.get(licensee=licensee, client=client)
    assert mandate.power_of_attorney_name == POWER_OF_ATTORNEY and mandate.ended_at is None
    expect_step(adviser, application, "fi", "purpose")
    expect_message(
        adviser,
        "fi",
        "A draft application for %(client)s was started. Prepare it; the client's representative then "
        "reviews and confirms it.",
        client=CLIENT,
    )
    invitation = Invitation.objects.get(organisation=client)
    assert (invitation.email, invitation.role, invitation.is_signatory) == (
        REPRESENTATIVE[1],
        MembershipRole.ADMIN,
        True,
    )

    # -- the client's representative signs up from the invitation and joins the client -----------------------
    (invitation_email,) = emails_to(mailoutbox, REPRESENTATIVE[1])
    invitation_path = link_in(invitation_email, INVITATION_PATH)
    representative = new_page()
    representative.goto(invitation_path)
    expect(representative.get_by_role("main")).to_contain_text(CLIENT)
    representative.get_by_role("main").get_by_role(
        "link", name=t("fi", "Create an account"), exact=True
    ).click()
    sign_up_and_verify(
        representative, "fi", mailoutbox, name=REPRESENTATIVE[0], email=REPRESENTATIVE[1], scan=False
    )
    expect(representative).to_have_url(invitation_path)
    representative.get_by_role("button", name=t("fi", "Join %(org)s", org=CLIENT), exact=True).click()
    expect(representative).to_have_url(reverse("accounts:organisation", args=[client.uuid]))
    joined = Membership.objects.get(organisation=client, user__email=REPRESENTATIVE[1])
    assert (joined.role, joined.is_signatory) == (MembershipRole.ADMIN, True)
    signatory = joined.user

    # -- the licensee member prepares every step and asks the client to confirm -----------------------------
    expect(adviser.get_by_role("main")).to_contain_text(
        t("fi", "Prepared by %(licensee)s for %(client)s", licensee=LICENSEE, client=CLIENT)
    )
    prepare_every_step(adviser, application)
    commitment = adviser.get_by_role("region", name=t("fi", "The client's confirmation"), exact=True)
    expect(commitment).to_contain_text(t("fi", "Not confirmed by the client yet."))
    expect(button(adviser, "fi", "Submit the application")).to_have_count(0)
    button(commitment, "fi", "Ask the client to confirm").click()
    expect(adviser.locator(".messages")).to_contain_text(
        ngettext(
            "fi",
            "%(count)d signatory of %(client)s was asked to review and confirm the application.",
            "%(count)d signatories of %(client)s were asked to review and confirm the application.",
            1,
            client=CLIENT,
        )
    )
    expect_step(adviser, application, "fi", "review")

    # -- the representative opens the confirmation page from the email, reviews and confirms ----------------
    confirm_url = reverse("applications:confirm", args=[application.uuid])
    request_email = emails_to(mailoutbox, REPRESENTATIVE[1])[-1]
    representative.goto(link_in(request_email, confirm_url))
    expect(representative).to_have_url(confirm_url)
    main = representative.get_by_role("main")
    expect(main).to_contain_text(PURPOSE_DESCRIPTION)
    expect(main).to_contain_text(CONTACTS["technical"][1])
    expect(main).to_contain_text(t("fi", "Not confirmed by the client yet."))
    # Read-only: no field to edit and no link into the wizard's steps.
    expect(main.locator("textarea, input:not([type=hidden]), select")).to_have_count(0)
    expect(main.locator(f"a[href*='/applications/{application.uuid}/purpose/']")).to_have_count(0)
    assert_accessible(representative, "fi")
    button(representative, "fi", "Confirm the application").click()
    expect_message(
        representative,
        "fi",
        "You confirmed the application on behalf of %(client)s. It can now be submitted as it is.",
        client=CLIENT,
    )
    expect(representative.get_by_role("main")).to_contain_text(t("fi", "Confirmed by the client."))
    assert ClientCommitment.objects.get(application=application).confirmed_by == signatory

    # -- the licensee member submits the confirmed application ---------------------------------------------
    adviser.reload()
    expect(commitment).to_contain_text(t("fi", "Confirmed by the client."))
    button(adviser, "fi", "Submit the application").click()
    permit = Permit.objects.get(application=application)
    case_url = reverse("permits:case", args=[permit.uuid])
    officer_url = reverse("permits:officer_case", args=[permit.uuid])
    expect(adviser).to_have_url(case_url)
    expect(adviser.get_by_role("main")).to_contain_text(
        t("fi", "Prepared by %(licensee)s for %(client)s", licensee=LICENSEE, client=CLIENT)
    )
    assert permit.state == PermitState.SUBMITTED

    # The licensee dashboard lists the client with its case, waiting for the agency.
    main_menu_link(adviser, "fi", "Clients").click()
    expect(adviser).to_have_url(reverse("permits:licensee_dashboard"))
    client_section = adviser.get_by_role("region", name=f"{CLIENT} ({CLIENT_BUSINESS_ID})", exact=True)
    expect(client_section).to_contain_text(t("fi", "Mandate in force"))
    expect(client_section.get_by_role("row", name=permit.reference)).to_contain_text(
        t("fi", "Received, waiting for processing")
    )
    assert_accessible(adviser, "fi")

    # -- the officer sees who filed it, and drafts a grant; the decision maker grants -----------------------
    officer_page = new_page()
    sign_in_with_code(officer_page, "fi", officer)
    officer_page.goto(reverse("permits:queue"))
    row = officer_page.get_by_role("row", name=permit.reference)
    expect(row).to_contain_text(CLIENT)
    expect(row).to_contain_text(filed_by)
    row.get_by_role("link", name=permit.reference, exact=True).click()
    expect(officer_page).to_have_url(officer_url)
    details = officer_page.locator("dl.details").first
    expect(details).to_contain_text(CLIENT)
    expect(details).to_contain_text(
        t(
            "fi",
            "%(licensee)s, a framework licensee, for its client %(client)s",
            licensee=LICENSEE,
            client=CLIENT,
        )
    )
    grant = form(officer_page, "fi", "Draft a grant")
    button(grant, "fi", "Save the draft grant").click()
    expect_message(officer_page, "fi", "The grant was drafted. Another decision maker makes the decision.")

    decider_page = new_page()
    sign_in_with_code(decider_page, "fi", decider)
    decider_page.goto(officer_url)
    button(decider_page, "fi", "Make the decision: grant the permit").click()
    expect_message(
        decider_page, "fi", "The decision was made. Its PDF is being prepared and the applicant is notified."
    )
    expect_state(decider_page, in_language("fi", PermitState.GRANTED.label))

    # -- the licensee member cannot accept the terms: no button, and a forged request is refused ------------
    terms = TermsVersion.objects.in_force()
    terms_title = t("fi", "Terms of the permit, version %(version)s", version=terms.version)
    adviser.goto(case_url)
    expect_state(adviser, t("fi", "Permit granted"))
    expect(adviser.get_by_role("form", name=terms_title, exact=True)).to_have_count(0)
    expect(button(adviser, "fi", "Accept the terms")).to_have_count(0)
    expect(adviser.get_by_role("main")).to_contain_text(
        t("fi", "A signatory of the organisation accepts the terms.")
    )
    status = forged_post(
        adviser,
        reverse("permits:terms_accept", args=[permit.uuid]),
        {
            "revision": str(Permit.objects.get(pk=permit.pk).revision),
            "terms_version": terms.version,
            "accept": "on",
        },
    )
    assert status == 403
    refused = Permit.objects.get(pk=permit.pk)
    assert (refused.state, refused.terms_accepted_at) == (PermitState.GRANTED, None)

    # -- the client's signatory reads the decision PDF and accepts the terms ---------------------------------
    representative.goto(reverse("permits:dashboard"))
    representative.get_by_role("main").get_by_role("link", name=permit.reference, exact=True).click()
    expect(representative).to_have_url(case_url)
    expect_state(representative, t("fi", "Permit granted"))
    panel = representative.get_by_role("region", name=t("fi", "Decision and permit"), exact=True)
    _filename, text = download_pdf(
        representative, panel.get_by_role("link", name=re.compile(re.escape(t("fi", "The decision"))))
    )
    holder = squash(t("fi", "Permit holder") + CLIENT)
    provider = squash(
        t("fi", "Service provider (framework licensee)") + f"{LICENSEE} ({licensee.business_id})"
    )
    assert holder in text, text[:800]
    assert provider in text, text[:800]

    accept = representative.get_by_role("form", name=terms_title, exact=True)
    field(accept, "fi", "I have read the terms and accept them on behalf of the permit holder.").check()
    button(accept, "fi", "Accept the terms").click()
    expect_message(representative, "fi", "The terms were accepted. The agency opens test access next.")
    accepted = Permit.objects.get(pk=permit.pk)
    assert (accepted.state, accepted.terms_accepted_by) == (PermitState.TERMS_ACCEPTED, signatory)

    # -- the client's administrator ends the mandate from the organisation page -----------------------------
    main_menu_link(representative, "fi", "Organisation").click()
    expect(representative).to_have_url(reverse("accounts:organisation", args=[client.uuid]))
    mandates = representative.get_by_role(
        "table", name=t("fi", "Licensees acting for the organisation"), exact=True
    )
    mandate_row = mandates.get_by_role("row", name=re.compile(re.escape(LICENSEE)))
    expect(mandate_row).to_contain_text(t("fi", "In force"))
    mandate_row.get_by_role(
        "link", name=t("fi", "End the mandate of %(licensee)s", licensee=LICENSEE), exact=True
    ).click()
    expect(representative).to_have_url(reverse("permits:mandate_end", args=[mandate.uuid]))
    expect(representative.get_by_role("heading", level=1)).to_have_text(
        t("fi", "End the mandate of %(licensee)s", licensee=LICENSEE)
    )
    assert_accessible(representative, "fi")
    button(representative, "fi", "End the mandate").click()
    expect(representative).to_have_url(reverse("accounts:organisation", args=[client.uuid]))
    expect_message(
        representative,
        "fi",
        "The mandate of %(licensee)s ended. Its members no longer see the applications and cases of %(client)s.",
        licensee=LICENSEE,
        client=CLIENT,
    )
    expect(mandate_row).to_contain_text(t("fi", "Ended"))
    assert ClientMandate.objects.get(pk=mandate.pk).ended_at is not None

    # -- the licensee member loses sight of the client's case ----------------------------------------------
    response = adviser.goto(case_url)
    assert response is not None and response.status == 404
    adviser.goto(reverse("permits:licensee_dashboard"))
    client_section = adviser.get_by_role("region", name=f"{CLIENT} ({CLIENT_BUSINESS_ID})", exact=True)
    expect(client_section).to_contain_text(t("fi", "Mandate ended"))
    expect(client_section).not_to_contain_text(t("fi", "Mandate in force"))
    expect(client_section).to_contain_text(
        t("fi", "The mandate has ended: you no longer see this client's applications.")
    )
    expect(client_section.get_by_role("link", name=permit.reference)).to_have_count(0)
    assert_accessible(adviser, "fi")
    switch_language(adviser, "sv")
    expect(adviser).to_have_url(reverse("permits:licensee_dashboard"))
    expect(client_section).to_contain_text(t("sv", "Mandate ended"))
    assert_accessible(adviser, "sv")
