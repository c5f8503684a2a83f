"""A case processed in the browser, from submission to production use, and a second case rejected.

Four people, each in a browser context of their own, signed in once: an officer and a decision maker
(both with an authenticator code), the applicant organisation's signatory, and an anonymous visitor of
the public verification page. The officer takes the case through a supplement request (the signatory
edits the reopened section and answers), negotiation (messages both ways and a meeting), technical review
(every checklist item) and a drafted grant, which the officer cannot decide; the decision maker grants;
the signatory downloads the decision, accepts the terms and reports the tests done; the officer opens
testing and confirms production use. The queue and both case pages are scanned with axe-core in Finnish
and Swedish (switched with the header's switcher); every other page on the way once in Finnish.
"""

import io
import re
import unicodedata
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from playwright.sync_api import Locator, Page, expect
from pypdf import PdfReader

from accounts.models import User
from applications.catalogue import SECTIONS
from applications.models import Application, TermsVersion
from permits.models import Decision, Permit, PermitState, ReviewItem, ReviewResult, SupplementRequest
from permits.review import CHECKLIST
from permits.services import submission as services
from tests.conftest import with_authenticator
from tests.e2e.helpers import (
    PageFactory,
    assert_accessible,
    sign_in,
    sign_in_with_code,
    switch_language,
    t,
)
from tests.factories import ApplicationFactory, MembershipFactory, OrganisationFactory, StaffFactory

pytestmark = pytest.mark.e2e

ORGANISATION = "Perintätoimisto Kuukkeli Oy"
SUPPLEMENT_MESSAGE = "Kertokaa tarkemmin, milloin ja miten osoitetiedot poistetaan perintärekisteristä."
NEW_RETENTION = (
    "Osoitetiedot poistetaan kolmen kuukauden kuluttua perinnän päättymisestä automaattisella ajolla."
)
SUPPLEMENT_ANSWER = "Täydensimme säilytysaikaa koskevaa kohtaa: tiedot poistetaan kolmessa kuukaudessa."
OFFICER_MESSAGE = "Voisitteko kuvata, miten testiympäristö erotetaan tuotannosta?"
APPLICANT_REPLY = "Testiympäristö on erillisessä verkossa, eikä siellä käsitellä tuotantotietoja."
MEETING_PARTICIPANTS = "Olli Esittelijä (virasto), Saara Allekirjoittaja (Kuukkeli)"
MEETING_SUMMARY = "Käytiin läpi testiympäristön erottaminen ja lokien säilytys viiden vuoden ajan."
TEST_ACCESS = "Testirajapinnan tunnukset toimitettu teknisen yhteyshenkilön sähköpostiin salattuna."
TESTS_DONE = "Kyselyt toimivat testiympäristössä; lokit tarkistettu."
REJECTION_REASONS = "Käyttötarkoitukselle ei ole esitetty laissa säädettyä perustetta."


# -- helpers -------------------------------------------------------------------------------------------


def section_title(language: str, slug: str) -> str:
    with translation.override(language):
        return str(dict(SECTIONS)[slug])


def in_language(language: str, message) -> str:
    with translation.override(language):
        return str(message)


def button(scope: Page | Locator, language: str, name: str) -> Locator:
    if isinstance(scope, Page):
        scope = scope.get_by_role("main")
    return scope.get_by_role("button", name=t(language, name), exact=True)


def form(page: Page, language: str, name: str) -> Locator:
    """A form named by its heading (aria-labelledby)."""
    return page.get_by_role("main").get_by_role("form", name=t(language, name), exact=True)


def field(scope: Page | Locator, language: str, label: str) -> Locator:
    """A form field by its label, which Django's label tags end with a colon."""
    return scope.get_by_label(re.compile(rf"^{re.escape(t(language, label))}:?$"))


def expect_message(page: Page, language: str, message: str, **params: str) -> None:
    expect(page.locator(".messages")).to_contain_text(t(language, message, **params))


def expect_state(page: Page, text: str) -> None:
    expect(page.locator("dl.details").first).to_contain_text(text)


def squash(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def download_pdf(page: Page, link: Locator) -> tuple[str, str]:
    """Click a PDF link; the suggested file name and the document's text without whitespace."""
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    data = Path(download.path()).read_bytes()
    assert data.startswith(b"%PDF-"), data[:20]
    reader = PdfReader(io.BytesIO(data))
    return download.suggested_filename, squash(" ".join(p.extract_text() for p in reader.pages))


def staff(name: str, *groups: str) -> User:
    return with_authenticator(StaffFactory(groups=list(groups), language="fi", full_name=name))


def submitted_case(name: str) -> tuple[Permit, User]:
    """A complete application submitted by a signatory of a new organisation, through the service."""
    organisation = OrganisationFactory(name=name)
    signatory = MembershipFactory(
        organisation=organisation,
        is_signatory=True,
        user__language="fi",
        user__full_name="Saara Allekirjoittaja",
    ).user
    application = ApplicationFactory(complete=True, organisation=organisation, created_by=signatory)
    return services.application_submit(application=application, user=signatory), signatory


def refused_post(page: Page, url: str, data: dict) -> int:
    """POST a form as a hand-made request in the page's session (with its CSRF token); the status."""
    token = page.locator("input[name=csrfmiddlewaretoken]").first.input_value()
    response = page.request.post(url, form={"csrfmiddlewaretoken": token, **data}, max_redirects=0)
    return response.status


# -- journey 1: from submission to production use ------------------------------------------------------


def test_case_goes_from_submission_to_production(new_page: PageFactory):
    permit, signatory = submitted_case(ORGANISATION)
    application = permit.application
    old_retention = application.retention_description
    officer = staff("Olli Esittelijä", "officer")
    decider = staff("Päivi Päättäjä", "officer", "decision_maker")
    case_url = reverse("permits:case", args=[permit.uuid])
    officer_url = reverse("permits:officer_case", args=[permit.uuid])
    today = timezone.localdate()

    # The officer signs in with an authenticator code and finds the new case in the work queue.
    officer_page = new_page()
    sign_in_with_code(officer_page, "fi", officer)
    officer_page.goto(reverse("permits:queue"))
    row = officer_page.get_by_role("row", name=permit.reference)
    expect(row).to_contain_text(in_language("fi", PermitState.SUBMITTED.label))
    expect(row).to_contain_text(t("fi", "Unassigned"))
    assert_accessible(officer_page, "fi")

    # Assigned to themself from the row; the queue says so and shows the name.
    # The button's name ends with the reference in hidden text, so that each row's button is told apart.
    row.get_by_role("button", name=f"{t('fi', 'Assign to me')} ({permit.reference})", exact=True).click()
    expect_message(
        officer_page,
        "fi",
        "Case %(reference)s is now assigned to %(name)s.",
        reference=permit.reference,
        name=officer.full_name,
    )
    row = officer_page.get_by_role("row", name=permit.reference)
    expect(row).to_contain_text(officer.full_name)
    row.get_by_role("link", name=permit.reference, exact=True).click()
    expect(officer_page).to_have_url(officer_url)
    expect(officer_page.get_by_role("heading", level=1)).to_contain_text(permit.reference)
    assert_accessible(officer_page, "fi")

    # A supplement request: what is missing, the data-use section reopened, a reply-by date.
    reply_by = today + timedelta(days=21)
    request = form(officer_page, "fi", "Request a supplement")
    expect(field(request, "fi", "Reply by")).to_have_value((today + timedelta(days=30)).isoformat())
    field(request, "fi", "What is missing").fill(SUPPLEMENT_MESSAGE)
    request.get_by_label(section_title("fi", "data-use"), exact=True).check()
    field(request, "fi", "Reply by").fill(reply_by.isoformat())
    button(request, "fi", "Send the supplement request").click()
    expect_message(officer_page, "fi", "The supplement request was sent to the applicant.")
    expect_state(officer_page, in_language("fi", PermitState.SUPPLEMENT_REQUESTED.label))
    supplement = SupplementRequest.objects.get(permit=permit)
    assert (supplement.sections, supplement.respond_by) == (["data-use"], reply_by)
    expect(officer_page.get_by_role("region", name=t("fi", "Supplement requests"))).to_contain_text(
        SUPPLEMENT_MESSAGE
    )

    # The signatory finds the request on the case page, with the section to edit and the date.
    applicant = new_page()
    sign_in(applicant, "fi", signatory.email)
    expect(applicant).to_have_url(reverse("permits:dashboard"))
    expect(applicant.get_by_role("row", name=permit.reference)).to_contain_text(
        t("fi", "Answer the supplement request.")
    )
    assert_accessible(applicant, "fi")
    applicant.get_by_role("link", name=permit.reference, exact=True).click()
    expect(applicant).to_have_url(case_url)
    expect_state(applicant, t("fi", "The agency asked you for more information"))
    request_panel = applicant.get_by_role("region", name=t("fi", "The agency asks for more information"))
    expect(request_panel).to_contain_text(SUPPLEMENT_MESSAGE)
    expect(request_panel.locator(f'time[datetime="{reply_by.isoformat()}"]')).to_be_visible()
    assert_accessible(applicant, "fi")

    # The reopened section opens in the wizard and saves; a section that was not reopened does not.
    request_panel.get_by_role("link", name=section_title("fi", "data-use"), exact=True).click()
    expect(applicant).to_have_url(reverse("applications:step", args=[application.uuid, "data-use"]))
    assert_accessible(applicant, "fi")
    applicant.locator("textarea[name=retention_description]").fill(NEW_RETENTION)
    button(applicant, "fi", "Save").click()
    expect_message(applicant, "fi", "Saved.")
    assert Application.objects.get(pk=application.pk).retention_description == NEW_RETENTION
    applicant.goto(reverse("applications:step", args=[application.uuid, "security"]))
    expect(applicant).to_have_url(reverse("applications:step", args=[application.uuid, "review"]))
    assert_accessible(applicant, "fi")
    applicant.get_by_role("main").get_by_role("link", name=t("fi", "Open the case"), exact=True).click()
    expect(applicant).to_have_url(case_url)

    # The answer sends the edited section as version 2; the case returns to where it was.
    answer = form(applicant, "fi", "Answer the request")
    field(answer, "fi", "Your answer").fill(SUPPLEMENT_ANSWER)
    button(answer, "fi", "Send the answer").click()
    expect_message(applicant, "fi", "Your answer was sent to the agency.")
    expect_state(applicant, t("fi", "Received, waiting for processing"))
    expect(applicant.get_by_role("region", name=t("fi", "Answered supplement requests"))).to_contain_text(
        SUPPLEMENT_ANSWER
    )
    assert application.versions.count() == 2

    # The officer sees version 2 and what changed in it, field by field.
    officer_page.reload()
    expect_state(officer_page, in_language("fi", PermitState.SUBMITTED.label))
    versions = officer_page.get_by_role("region", name=t("fi", "Version history"), exact=True)
    change = versions.get_by_role(
        "row", name=re.compile(re.escape(t("fi", "How long the data is kept and how it is deleted")))
    )
    expect(change).to_contain_text(t("fi", "changed"))
    expect(change.locator("del")).to_contain_text(old_retention)
    expect(change.locator("ins")).to_contain_text(NEW_RETENTION)
    expect(officer_page.get_by_role("region", name=t("fi", "Supplement requests"))).to_contain_text(
        SUPPLEMENT_ANSWER
    )

    # Negotiation: the officer writes, the signatory answers, the officer records a meeting.
    button(officer_page, "fi", "Start negotiation").click()
    expect_message(officer_page, "fi", "Negotiation started.")
    expect_state(officer_page, in_language("fi", PermitState.NEGOTIATION.label))
    message = form(officer_page, "fi", "Write a message")
    field(message, "fi", "Message").fill(OFFICER_MESSAGE)
    button(message, "fi", "Send the message").click()
    expect_message(officer_page, "fi", "The message was sent to the applicant.")

    applicant.reload()
    expect_state(applicant, t("fi", "Being processed: under negotiation"))
    thread = applicant.get_by_role("region", name=t("fi", "Negotiation"), exact=True)
    expect(thread).to_contain_text(OFFICER_MESSAGE)
    assert_accessible(applicant, "fi")
    reply = form(applicant, "fi", "Write a message")
    field(reply, "fi", "Message").fill(APPLICANT_REPLY)
    button(reply, "fi", "Send the message").click()
    expect_message(applicant, "fi", "Your message was sent to the agency.")
    expect(thread).to_contain_text(APPLICANT_REPLY)

    officer_page.reload()
    expect(officer_page.get_by_role("region", name=t("fi", "Negotiation"), exact=True)).to_contain_text(
        APPLICANT_REPLY
    )
    meeting = form(officer_page, "fi", "Record a meeting")
    field(meeting, "fi", "Date of the meeting").fill(today.isoformat())
    field(meeting, "fi", "Participants").fill(MEETING_PARTICIPANTS)
    field(meeting, "fi", "Summary").fill(MEETING_SUMMARY)
    button(meeting, "fi", "Record the meeting").click()
    expect_message(officer_page, "fi", "The meeting was recorded.")
    expect(officer_page.get_by_role("table", name=t("fi", "Meetings"), exact=True)).to_contain_text(
        MEETING_SUMMARY
    )
    assert_accessible(officer_page, "fi")

    # Technical review: every checklist item passes, each with a note.
    button(officer_page, "fi", "Start technical review").click()
    expect_message(officer_page, "fi", "Technical review started.")
    expect_state(officer_page, in_language("fi", PermitState.TECHNICAL_REVIEW.label))
    for number, (_code, label) in enumerate(CHECKLIST, start=1):
        item = officer_page.get_by_role("form", name=f"{number}. {in_language('fi', label)}", exact=True)
        item.get_by_label(in_language("fi", ReviewResult.PASS.label), exact=True).check()
        field(item, "fi", "Note").fill(f"Tarkistettu selvityksestä, kohta {number}.")
        item.get_by_role("button").click()
        expect_message(officer_page, "fi", "The checklist item was saved.")
        expect(item.locator("p.meta")).to_contain_text(officer.full_name)
    items = ReviewItem.objects.filter(permit=permit)
    assert sorted(i.code for i in items) == sorted(code for code, _label in CHECKLIST)
    assert {i.result for i in items} == {ReviewResult.PASS}
    assert all(i.note for i in items)

    # The second pass in Swedish: the officers' case page and the queue, switched with the header.
    switch_language(officer_page, "sv")
    expect(officer_page).to_have_url(officer_url)
    expect(officer_page.get_by_role("heading", level=1)).to_contain_text(permit.reference)
    assert_accessible(officer_page, "sv")
    officer_page.get_by_role("main").get_by_role("link", name=t("sv", "Work queue"), exact=True).click()
    expect(officer_page).to_have_url(reverse("permits:queue"))
    row = officer_page.get_by_role("row", name=permit.reference)
    expect(row).to_contain_text(in_language("sv", PermitState.TECHNICAL_REVIEW.label))
    assert_accessible(officer_page, "sv")
    switch_language(officer_page, "fi")
    officer_page.get_by_role("row", name=permit.reference).get_by_role(
        "link", name=permit.reference, exact=True
    ).click()
    expect(officer_page).to_have_url(officer_url)

    # The officer drafts a grant: the requested groups and the standard conditions come filled in.
    grant = form(officer_page, "fi", "Draft a grant")
    groups = grant.get_by_role("group", name=t("fi", "Data groups granted")).get_by_role("checkbox")
    expect(groups).to_have_count(application.requested_groups.count())
    for index in range(groups.count()):
        expect(groups.nth(index)).to_be_checked()
    expect(field(grant, "fi", "Conditions")).to_have_value(
        re.compile(re.escape(t("fi", "The data is not public.")))
    )
    expect(field(grant, "fi", "Valid from")).to_have_value(today.isoformat())
    valid_until = today + timedelta(days=3 * 365)
    field(grant, "fi", "Valid until").fill(valid_until.isoformat())
    button(grant, "fi", "Save the draft grant").click()
    expect_message(officer_page, "fi", "The grant was drafted. Another decision maker makes the decision.")
    decision_panel = officer_page.locator("#decision")
    expect(decision_panel).to_contain_text(t("fi", "Drafted grant, waiting for a decision maker"))
    expect(decision_panel).to_contain_text(
        t("fi", "You drafted this decision; another decision maker must make it.")
    )

    # The officer cannot make the decision: no button, and a hand-made request is refused.
    expect(button(officer_page, "fi", "Make the decision: grant the permit")).to_have_count(0)
    draft = Decision.objects.get(permit=permit)
    status = refused_post(
        officer_page,
        reverse("permits:decision_make", args=[permit.uuid]),
        {"revision": str(Permit.objects.get(pk=permit.pk).revision)},
    )
    assert status == 403
    draft.refresh_from_db()
    assert draft.decided_at is None
    assert Permit.objects.get(pk=permit.pk).state == PermitState.TECHNICAL_REVIEW

    # The decision maker signs in, opens the case from the queue and grants the permit.
    decider_page = new_page()
    sign_in_with_code(decider_page, "fi", decider)
    decider_page.goto(reverse("permits:queue"))
    decider_page.get_by_role("row", name=permit.reference).get_by_role(
        "link", name=permit.reference, exact=True
    ).click()
    expect(decider_page).to_have_url(officer_url)
    decide = button(decider_page, "fi", "Make the decision: grant the permit")
    expect(decide).to_be_visible()
    assert_accessible(decider_page, "fi")
    decide.click()
    expect_message(
        decider_page, "fi", "The decision was made. Its PDF is being prepared and the applicant is notified."
    )
    expect_state(decider_page, in_language("fi", PermitState.GRANTED.label))
    draft.refresh_from_db()
    assert draft.decision_maker == decider and draft.presenter == officer
    code = draft.verification_code
    expect(decider_page.locator("#decision")).to_contain_text(code)

    # The signatory sees the grant and downloads the decision: reference and verification code in it.
    applicant.reload()
    expect_state(applicant, t("fi", "Permit granted"))
    # What the officers kept to themselves (the checklist and its notes) is not on the applicant's page.
    expect(applicant.get_by_role("main")).not_to_contain_text("Tarkistettu selvityksestä")
    expect(applicant.get_by_role("main")).not_to_contain_text(
        t("fi", "Technical review checklist item saved")
    )
    permit_panel = applicant.get_by_role("region", name=t("fi", "Decision and permit"), exact=True)
    expect(permit_panel).to_contain_text(t("fi", "The agency granted the permit."))
    expect(permit_panel).to_contain_text(code)
    filename, text = download_pdf(
        applicant, permit_panel.get_by_role("link", name=re.compile(re.escape(t("fi", "The decision"))))
    )
    assert filename.endswith(".pdf") and permit.reference.replace("/", "-") in filename
    assert squash(permit.reference) in text, text[:500]
    assert code in text, text[:500]
    assert squash(ORGANISATION) in text

    # Anyone can verify the decision with its code (typed loosely), seeing only the four facts.
    visitor = new_page()
    visitor.goto(reverse("permits:verify"))
    field(visitor, "fi", "Verification code").fill(code.replace("-", " ").lower())
    button(visitor, "fi", "Verify").click()
    result = visitor.locator("dl.details")
    expect(visitor.get_by_role("heading", name=t("fi", "The decision is genuine"))).to_be_visible()
    expect(result).to_contain_text(permit.reference)
    expect(result).to_contain_text(ORGANISATION)
    expect(result).to_contain_text(t("fi", "Permit granted"))
    decided_on = timezone.localdate(draft.decided_at)
    expect(result.locator(f'time[datetime="{decided_on.isoformat()}"]')).to_be_visible()
    expect(visitor.get_by_role("main")).not_to_contain_text(signatory.full_name)
    assert_accessible(visitor, "fi")

    # The applicant's page in Swedish too (decision, terms to accept, negotiation, answered request).
    switch_language(applicant, "sv")
    expect(applicant).to_have_url(case_url)
    expect_state(applicant, t("sv", "Permit granted"))
    assert_accessible(applicant, "sv")
    switch_language(applicant, "fi")

    # The signatory reads the terms in force and accepts them.
    terms = TermsVersion.objects.in_force()
    with translation.override("fi"):
        terms_text = terms.text
    terms_title = t("fi", "Terms of the permit, version %(version)s", version=terms.version)
    expect(applicant.get_by_role("region", name=terms_title, exact=True)).to_contain_text(
        terms_text.split("\n")[0].strip()
    )
    accept = applicant.get_by_role("form", name=terms_title, exact=True)
    field(accept, "fi", "I have read the terms and accept them on behalf of the permit holder.").check()
    button(accept, "fi", "Accept the terms").click()
    expect_message(applicant, "fi", "The terms were accepted. The agency opens test access next.")
    expect_state(applicant, t("fi", "Terms accepted"))
    accepted = Permit.objects.get(pk=permit.pk)
    assert (accepted.terms_accepted_by, accepted.terms_version) == (signatory, terms)

    # The officer opens testing with a note of the access given.
    officer_page.reload()
    expect_state(officer_page, in_language("fi", PermitState.TERMS_ACCEPTED.label))
    testing = form(officer_page, "fi", "Open testing")
    field(testing, "fi", "Test access given").fill(TEST_ACCESS)
    button(testing, "fi", "Open testing").click()
    expect_message(officer_page, "fi", "Testing was opened and the permit holder is notified.")
    expect_state(officer_page, in_language("fi", PermitState.TESTING.label))
    expect(officer_page.locator("#decision")).to_contain_text(
        t(
            "fi",
            "Waiting for the permit holder to report the tests done; production use can be confirmed after that.",
        )
    )
    assert_accessible(officer_page, "fi")

    # The signatory reports the tests done.
    applicant.reload()
    expect_state(applicant, t("fi", "Testing"))
    expect(applicant.locator("#permit")).to_contain_text(TEST_ACCESS)
    report = form(applicant, "fi", "Report the tests done")
    field(report, "fi", "What was tested (optional)").fill(TESTS_DONE)
    button(report, "fi", "Report the tests done").click()
    expect_message(
        applicant, "fi", "The agency was told that the tests are done. It confirms production use next."
    )
    assert_accessible(applicant, "fi")

    # The officer confirms production use; the applicant sees it in plain words.
    officer_page.reload()
    button(officer_page, "fi", "Confirm that the tests passed and production use may start").click()
    expect_message(officer_page, "fi", "Production use was confirmed and the permit holder is notified.")
    expect_state(officer_page, in_language("fi", PermitState.PRODUCTION.label))

    applicant.reload()
    expect_state(applicant, t("fi", "In production use"))
    expect(applicant.locator("#permit")).to_contain_text(t("fi", "In production since"))
    assert Permit.objects.get(pk=permit.pk).state == PermitState.PRODUCTION


# -- journey 2: a reasoned rejection --------------------------------------------------------------------


def test_case_is_rejected_with_reasons(new_page: PageFactory):
    permit, signatory = submitted_case("Epäselvä Tarkoitus Oy")
    officer = staff("Olli Esittelijä", "officer")
    decider = staff("Päivi Päättäjä", "officer", "decision_maker")
    officer_url = reverse("permits:officer_case", args=[permit.uuid])

    # The officer drafts a rejection with its reasons straight from the submitted state.
    officer_page = new_page()
    sign_in_with_code(officer_page, "fi", officer)
    officer_page.goto(officer_url)
    rejection = form(officer_page, "fi", "Draft a rejection")
    field(rejection, "fi", "Reasons for the rejection").fill(REJECTION_REASONS)
    button(rejection, "fi", "Save the draft rejection").click()
    expect_message(
        officer_page, "fi", "The rejection was drafted. Another decision maker makes the decision."
    )
    decision_panel = officer_page.locator("#decision")
    expect(decision_panel).to_contain_text(t("fi", "Drafted rejection, waiting for a decision maker"))
    expect(decision_panel).to_contain_text(REJECTION_REASONS)
    expect(button(officer_page, "fi", "Make the decision: reject the application")).to_have_count(0)

    # The decision maker rejects.
    decider_page = new_page()
    sign_in_with_code(decider_page, "fi", decider)
    decider_page.goto(officer_url)
    button(decider_page, "fi", "Make the decision: reject the application").click()
    expect_message(
        decider_page, "fi", "The decision was made. Its PDF is being prepared and the applicant is notified."
    )
    expect_state(decider_page, in_language("fi", PermitState.REJECTED.label))
    assert_accessible(decider_page, "fi")
    decision = Decision.objects.get(permit=permit)
    assert decision.decided_at is not None and decision.decision_maker == decider

    # The applicant sees the rejection, its reasons and the decision document.
    applicant = new_page()
    sign_in(applicant, "fi", signatory.email)
    applicant.goto(reverse("permits:case", args=[permit.uuid]))
    expect_state(applicant, t("fi", "Rejected"))
    panel = applicant.get_by_role("region", name=t("fi", "Decision and permit"), exact=True)
    expect(panel).to_contain_text(t("fi", "The agency rejected the application."))
    expect(panel).to_contain_text(t("fi", "Reasons for the rejection"))
    expect(panel).to_contain_text(REJECTION_REASONS)
    expect(button(applicant, "fi", "Withdraw the application")).to_have_count(0)
    assert_accessible(applicant, "fi")
    _filename, text = download_pdf(
        applicant, panel.get_by_role("link", name=re.compile(re.escape(t("fi", "The decision"))))
    )
    assert squash(permit.reference) in text
    assert squash(REJECTION_REASONS) in text
    assert decision.verification_code in text
