"""A signatory's way from a consultation to a submitted application, in the browser.

The signatory asks the authority first, starts an application from the consultation, goes through every
wizard step (one refused input on the way, autosave on one step), uploads an attachment and submits; the
case page offers the receipt PDF, which must show something typed in every section. Every page is scanned
with axe-core in Finnish, and the wizard (on a second, fresh draft), the case page and the dashboard again
in Swedish. A separate test saves a step with JavaScript switched off.
"""

import io
import re
import unicodedata
from pathlib import Path

import pytest
import weasyprint
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from applications.catalogue import SECTION_SLUGS, SECTIONS, SECURITY_THEME_CODES
from applications.models import Application, Consultation
from applications.services import consultations
from permits.models import Permit, PermitState
from tests.e2e.helpers import PageFactory, assert_accessible, sign_in, switch_language, t, t_template
from tests.factories import ApplicationFactory, MembershipFactory, OrganisationFactory, StaffFactory

pytestmark = pytest.mark.e2e

ORGANISATION = "Perintäpalvelu Kuukkeli Oy"
PRODUCT = "VTJ-kyselyrajapinta"
PURPOSE = "Saatavien perintä"
SUBJECT = "Osoitetiedot perintään"
QUESTION = "Tarvitsemme velallisten vakinaiset osoitteet perintäkirjeitä varten. Mikä tuote sopii meille?"
ANSWER = "Kyselyrajapinta sopii teille. Hakekaa nimitiedot ja vakinainen osoite."

PURPOSE_DESCRIPTION = "Perimme erääntyneitä saatavia velallisilta, joiden osoite on muuttunut."
LEGAL_BASIS = "Laki saatavien perinnästä (513/1999), 4 §."
# Data groups: (code, Finnish name, justification). Each justification needs at least 20 characters.
GROUPS = [
    ("HENKILON_NIMI", "Nimitiedot", "Nimi tarvitaan perintäkirjeen osoittamiseen oikealle velalliselle."),
    ("VAKINAINEN_OSOITE", "Vakinainen osoite", "Osoite tarvitaan perintäkirjeen lähettämiseen perille."),
]
DATA_USE = {
    "use_description": "Osoitteet päivitetään perintärekisteriin ennen kirjeen lähettämistä.",
    "access_description": "Vain nimetyt perintäkäsittelijät näkevät tiedot.",
    "storage_description": "Tiedot tallennetaan perintäjärjestelmän tietokantaan Suomessa.",
    "retention_description": "Tiedot poistetaan kuuden kuukauden kuluttua saatavan perinnän päätyttyä.",
    "onward_disclosure": "Tietoja ei luovuteta eteenpäin.",
}
AUTOSAVED = "Perintäkäsittelijä tarkistaa osoitteen ennen jokaista kirjettä."
SECURITY = {
    code: f"Käytäntö {code}: kuvattu tietoturvapolitiikan luvussa {n}."
    for n, code in enumerate(SECURITY_THEME_CODES, start=1)
}
SECURITY["governance"] = "Tietoturvasta vastaa tietohallintopäällikkö Kaarina Kuukkeli."
TECHNICAL = {
    "system_description": "Perintäjärjestelmä Kuukkeli 3, oma sovellus.",
    "integration_method": "SOAP-kyselyt palvelinvarmenteella suoraan rajapintaan.",
    "hosting_description": "Palvelin sijaitsee Kajaanin konesalissa Suomessa.",
    "test_environment": "Erillinen testiympäristö testirajapintaa vasten.",
}
CONTACTS = {
    "responsible": ("Riitta Vastuunen", "riitta.vastuunen@kuukkeli.example", "+358 40 111 2233"),
    "technical": ("Teemu Teknikko", "teemu.teknikko@kuukkeli.example", "+358 40 444 5566"),
    "deputy": ("Veera Varamies", "veera.varamies@kuukkeli.example", "+358 50 777 8899"),
}
ATTACHMENT = "kuukkeli-tietoturvaselvitys.pdf"
ATTACHMENT_DESCRIPTION = "Tietoturvaselvitys vuodelta 2026"


def section_title(language: str, slug: str) -> str:
    with translation.override(language):
        return str(dict(SECTIONS)[slug])


def wizard_link(page: Page, language: str, slug: str):
    steps = page.get_by_role("navigation", name=t(language, "Steps of the application"), exact=True)
    return steps.get_by_role("link", name=section_title(language, slug), exact=True)


def expect_step(page: Page, application: Application, language: str, slug: str) -> None:
    """The wizard shows `slug`'s step, marked as the current one, in `language`."""
    expect(page).to_have_url(reverse("applications:step", args=[application.uuid, slug]))
    expect(wizard_link(page, language, slug)).to_have_attribute("aria-current", "step")
    expect(page.get_by_role("heading", level=1)).to_contain_text(section_title(language, slug))


def click_button(page: Page, language: str, name: str) -> None:
    page.get_by_role("main").get_by_role("button", name=t(language, name), exact=True).click()


def squash(text: str) -> str:
    """Compatibility-normalised (no ligatures) and without whitespace, so that line breaks split nothing."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return squash(" ".join(page.extract_text() for page in reader.pages))


def test_signatory_consults_then_applies_and_submits(new_page: PageFactory, mailoutbox: list, tmp_path: Path):
    organisation = OrganisationFactory(name=ORGANISATION)
    signatory = MembershipFactory(organisation=organisation, is_signatory=True, user__language="fi").user
    officer = StaffFactory(groups=["officer"])
    page = new_page()

    # Sign-in lands on the dashboard; from there to the consultations.
    sign_in(page, "fi", signatory.email)
    expect(page).to_have_url(reverse("permits:dashboard"))
    assert_accessible(page, "fi")
    page.get_by_role("main").get_by_role(
        "link", name=t("fi", "Ask the authority before applying (consultations)"), exact=True
    ).click()
    expect(page).to_have_url(reverse("applications:consultations"))
    expect(page.get_by_text(t("fi", "No consultations to show."))).to_be_visible()
    assert_accessible(page, "fi")

    # The question form: refused empty (errors next to the fields), then sent.
    page.get_by_role("main").get_by_role("link", name=t("fi", "Ask the authority"), exact=True).click()
    expect(page).to_have_url(reverse("applications:consultation_create"))
    assert_accessible(page, "fi")
    click_button(page, "fi", "Send question")
    expect(page.locator("input[name=subject]")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_question_error")).to_be_visible()
    assert not Consultation.objects.exists()
    assert_accessible(page, "fi")
    page.locator("select[name=product]").select_option(label=PRODUCT)
    page.locator("input[name=subject]").fill(SUBJECT)
    page.locator("textarea[name=question]").fill(QUESTION)
    click_button(page, "fi", "Send question")
    consultation = Consultation.objects.get()
    expect(page).to_have_url(reverse("applications:consultation", args=[consultation.uuid]))
    expect(page.get_by_role("heading", level=1)).to_have_text(SUBJECT)
    expect(page.locator("ol.thread")).to_contain_text(QUESTION)
    assert_accessible(page, "fi")

    # An officer answers; the list shows the consultation as answered, and the answer is in the thread.
    consultations.consultation_post(consultation=consultation, user=officer, body=ANSWER)
    assert [m.to for m in mailoutbox] == [[signatory.email], [organisation.contact_email]]
    page.get_by_role("main").get_by_role("link", name=t("fi", "All consultations"), exact=True).click()
    row = page.get_by_role("row", name=SUBJECT)
    expect(row).to_contain_text(t("fi", "answered, your turn"))
    assert_accessible(page, "fi")
    row.get_by_role("link", name=SUBJECT, exact=True).click()
    expect(page.locator("ol.thread")).to_contain_text(ANSWER)
    assert_accessible(page, "fi")

    # Step 1: product and purpose.
    click_button(page, "fi", "Start an application based on this consultation")
    application = Application.objects.get()
    assert application.consultation == consultation
    expect_step(page, application, "fi", "purpose")
    assert_accessible(page, "fi")
    page.locator("select[name=product]").select_option(label=PRODUCT)
    page.locator("select[name=purpose]").select_option(label=PURPOSE)
    page.locator("textarea[name=purpose_description]").fill(PURPOSE_DESCRIPTION)
    page.locator("textarea[name=legal_basis]").fill(LEGAL_BASIS)
    click_button(page, "fi", "Save and continue")

    # Step 2: data groups. A justification for a group that is not ticked is refused next to its field.
    expect_step(page, application, "fi", "data-groups")
    expect(page.locator(".messages")).to_contain_text(t("fi", "Saved."))
    assert_accessible(page, "fi")
    code, name, justification = GROUPS[1]
    page.locator(f"textarea[name=justification_{code}]").fill(justification)
    click_button(page, "fi", "Save and continue")
    expect_step(page, application, "fi", "data-groups")
    error = t(
        "fi",
        "You justified %(group)s but did not choose it. Choose it or remove the justification.",
        group=name,
    )
    field = page.locator(f"textarea[name=justification_{code}]")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.locator(f"#id_justification_{code}_error")).to_have_text(error)
    expect(field).to_have_accessible_description(re.compile(re.escape(error)))
    assert not application.requested_groups.exists()
    assert_accessible(page, "fi")
    for code, name, justification in GROUPS:
        page.get_by_label(t("fi", "I need %(name)s", name=name), exact=True).check()
        page.locator(f"textarea[name=justification_{code}]").fill(justification)
    click_button(page, "fi", "Save and continue")

    # Step 3: use of the data. Typing is saved automatically about two seconds after it stops.
    expect_step(page, application, "fi", "data-use")
    assert_accessible(page, "fi")
    status = page.locator("form[data-autosave]").get_by_role("status")
    saved_prefix = t_template("fi", "Saved automatically at %s.").split("%s")[0]
    page.locator("textarea[name=access_description]").fill(AUTOSAVED)
    expect(status).to_contain_text(saved_prefix, timeout=6_000)
    application.refresh_from_db()
    assert application.access_description == AUTOSAVED
    page.reload()
    expect(page.locator("textarea[name=access_description]")).to_have_value(AUTOSAVED)
    for field_name, value in DATA_USE.items():
        page.locator(f"textarea[name={field_name}]").fill(value)
    click_button(page, "fi", "Save and continue")

    # Step 4: the security report, mandatory for a technical interface.
    expect_step(page, application, "fi", "security")
    expect(
        page.get_by_role("note").get_by_text(
            t(
                "fi",
                "The information security report is mandatory for this application, because it concerns a "
                "technical interface or a sensitive data group. Answer every question.",
            )
        )
    ).to_be_visible()
    assert_accessible(page, "fi")
    for field_name, value in SECURITY.items():
        page.locator(f"textarea[name={field_name}]").fill(value)
    click_button(page, "fi", "Save and continue")

    # Step 5: technical implementation.
    expect_step(page, application, "fi", "technical")
    assert_accessible(page, "fi")
    for field_name, value in TECHNICAL.items():
        page.locator(f"textarea[name={field_name}]").fill(value)
    click_button(page, "fi", "Save and continue")

    # Step 6: three contacts.
    expect_step(page, application, "fi", "contacts")
    assert_accessible(page, "fi")
    for role, (person, email, phone) in CONTACTS.items():
        page.locator(f"input[name={role}_name]").fill(person)
        page.locator(f"input[name={role}_email]").fill(email)
        page.locator(f"input[name={role}_phone]").fill(phone)
    click_button(page, "fi", "Save and continue")

    # Step 7: a PDF attachment, uploaded and listed.
    expect_step(page, application, "fi", "attachments")
    expect(page.get_by_text(t("fi", "No attachments."), exact=True)).to_be_visible()
    assert_accessible(page, "fi")
    pdf = tmp_path / ATTACHMENT
    pdf.write_bytes(weasyprint.HTML(string="<p>Liite: tietoturvaselvitys</p>").write_pdf())
    page.locator("input[name=file]").set_input_files(pdf)
    page.locator("input[name=description]").fill(ATTACHMENT_DESCRIPTION)
    click_button(page, "fi", "Upload the attachment")
    expect_step(page, application, "fi", "attachments")
    expect(page.locator(".messages")).to_contain_text(t("fi", "%(name)s was added.", name=ATTACHMENT))
    attachments = page.get_by_role("table", name=t("fi", "Attachments"), exact=True)
    expect(attachments.get_by_role("link", name=ATTACHMENT, exact=True)).to_be_visible()
    expect(attachments).to_contain_text(ATTACHMENT_DESCRIPTION)
    assert_accessible(page, "fi")
    page.get_by_role("main").get_by_role("link", name=t("fi", "Continue to review"), exact=True).click()

    # Step 8: nothing is missing; the signatory submits.
    expect_step(page, application, "fi", "review")
    wizard = page.locator(".wizard-body")
    expect(wizard.get_by_role("alert")).to_have_count(0)
    expect(
        wizard.get_by_text(t("fi", "The application is complete. Check it once more before submitting."))
    ).to_be_visible()
    expect(wizard).to_contain_text(PURPOSE_DESCRIPTION)
    assert_accessible(page, "fi")
    click_button(page, "fi", "Submit the application")

    # The case page: reference number, state in plain words, the consultation and the receipt.
    permit = Permit.objects.get(application=application)
    assert permit.state == PermitState.SUBMITTED
    assert re.fullmatch(r"VTJ/\d{4}/000001", permit.reference), permit.reference
    expect(page).to_have_url(reverse("permits:case", args=[permit.uuid]))
    expect(page.get_by_role("heading", level=1)).to_contain_text(permit.reference)
    expect(page.locator("dl.details").first).to_contain_text(t("fi", "Received, waiting for processing"))
    expect(page.get_by_role("main").get_by_role("link", name=SUBJECT, exact=True)).to_be_visible()
    assert_accessible(page, "fi")
    receipt = page.get_by_role("list", name=t("fi", "Documents"), exact=True).get_by_role(
        "link", name=re.compile(re.escape(t("fi", "Receipt of the application")))
    )
    with page.expect_download() as download_info:
        receipt.click()
    download = download_info.value
    assert download.suggested_filename == f"{permit.reference.replace('/', '-')}-receipt-v1.pdf"
    text = pdf_text(Path(download.path()).read_bytes())
    typed = {
        "reference": permit.reference,
        "purpose": PURPOSE_DESCRIPTION,
        "legal basis": LEGAL_BASIS,
        "data groups": GROUPS[0][2],
        "data use": DATA_USE["retention_description"],
        "security": SECURITY["governance"],
        "technical": TECHNICAL["hosting_description"],
        "contacts": CONTACTS["technical"][1],
        "attachments": ATTACHMENT,
    }
    absent = {section: value for section, value in typed.items() if squash(value) not in text}
    assert not absent, f"The receipt lacks what was typed in: {absent}"

    # The submitted application's review page says it can no longer be changed; the dashboard lists it.
    page.goto(reverse("applications:step", args=[application.uuid, "review"]))
    expect(
        page.get_by_role("main").get_by_role("link", name=t("fi", "Open the case"), exact=True)
    ).to_be_visible()
    assert_accessible(page, "fi")
    page.get_by_role("link", name=t("fi", "Applications and permits"), exact=True).first.click()
    expect(page).to_have_url(reverse("permits:dashboard"))
    expect(page.get_by_role("row", name=permit.reference)).to_contain_text(
        t("fi", "Received, waiting for processing")
    )
    assert_accessible(page, "fi")

    # In Swedish: the case page, the dashboard and every step of a new draft.
    page.goto(reverse("permits:case", args=[permit.uuid]))
    switch_language(page, "sv")
    expect(page).to_have_url(reverse("permits:case", args=[permit.uuid]))
    expect(page.locator("dl.details").first).to_contain_text(t("sv", "Received, waiting for processing"))
    assert_accessible(page, "sv")
    page.get_by_role("navigation", name=t("sv", "Main menu"), exact=True).get_by_role(
        "link", name=t("sv", "Applications and permits"), exact=True
    ).click()
    expect(page).to_have_url(reverse("permits:dashboard"))
    assert_accessible(page, "sv")
    click_button(page, "sv", "New application")
    draft = Application.objects.exclude(pk=application.pk).get()
    expect_step(page, draft, "sv", "purpose")
    assert_accessible(page, "sv")
    for slug in SECTION_SLUGS[1:]:
        wizard_link(page, "sv", slug).click()
        expect_step(page, draft, "sv", slug)
        assert_accessible(page, "sv")
    # The fresh draft's review lists what is missing, each item linked to its step.
    expect(page.locator(".wizard-body").get_by_role("alert")).to_contain_text(t("sv", "Choose the product."))


def test_a_step_saves_without_javascript(new_page: PageFactory):
    """The wizard's forms are plain HTML: with scripts off, the Save button saves and says so."""
    membership = MembershipFactory(is_signatory=True, user__language="sv")
    draft = ApplicationFactory(organisation=membership.organisation, created_by=membership.user)
    page = new_page(javascript=False)
    # The sign-in page follows the browser (Finnish); after it, the user's own language applies.
    sign_in(page, "fi", membership.user.email)
    expect(page).to_have_url(reverse("permits:dashboard"))

    page.goto(reverse("applications:step", args=[draft.uuid, "technical"]))
    expect_step(page, draft, "sv", "technical")
    page.locator("textarea[name=hosting_description]").fill(TECHNICAL["hosting_description"])
    click_button(page, "sv", "Save")
    expect_step(page, draft, "sv", "technical")
    expect(page.locator(".messages")).to_contain_text(t("sv", "Saved."))
    expect(page.locator("textarea[name=hosting_description]")).to_have_value(TECHNICAL["hosting_description"])
    # No script, so nothing claims to have saved automatically.
    expect(page.locator("form[data-autosave]").get_by_role("status")).to_have_text("")
    draft.refresh_from_db()
    assert draft.hosting_description == TECHNICAL["hosting_description"]
    # No axe scan here: page.evaluate never returns in a context with scripts off (the same step is
    # scanned with scripts on in the journey above).
