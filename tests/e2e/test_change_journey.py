"""After the grant, in the browser: a change notification leads to an amendment and version 2 of the permit.

A permit in production use (granted through the decision services, so it has its version 1). Four people,
each in a browser context of their own: the holder's signatory notifies a new hosting provider; the
officer (with an authenticator code) finds the notification in the change list and requires an amendment;
the signatory continues the amendment opened for it from the case page, changes the hosting description
and submits; the officer drafts a grant on the amendment case and a decision maker makes it. The permit
page then shows version 2 and, field by field, the hosting before and after. The filing page, the
holder's change page, the officers' change list, the officer's change page (Finnish and Swedish) and the
permit page with its versions are scanned with axe-core.
"""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User
from applications.models import Application, ApplicationKind
from permits.models import (
    ChangeKind,
    ChangeNotification,
    ChangeState,
    Permit,
    PermitState,
)
from permits.services import decisions
from tests.e2e.helpers import (
    PageFactory,
    assert_accessible,
    sign_in,
    sign_in_with_code,
    switch_language,
    t,
)
from tests.e2e.test_processing_journey import (
    button,
    expect_message,
    field,
    form,
    in_language,
    section_title,
    staff,
)
from tests.factories import MembershipFactory, OrganisationFactory, PermitFactory

pytestmark = pytest.mark.e2e

ORGANISATION = "Kuntaperintä Kaleva Oy"
OLD_HOSTING = "Oma konesali Tampereella; ei alihankkijoita."
DESCRIPTION = (
    "Palvelu siirtyy 1.6. alkaen Pilvipalvelu Oy:n konesaliin Espoossa. Pilvipalvelu Oy ylläpitää "
    "palvelimia; tietoja ei siirretä EU:n ulkopuolelle."
)
AMENDMENT_NOTE = "Päivittäkää muutoshakemuksen teknisen toteutuksen kohtaan uusi ylläpitoympäristö."
NEW_HOSTING = "Pilvipalvelu Oy:n konesali Espoossa; Pilvipalvelu Oy ylläpitää palvelimia sopimuksen mukaan."
ATTACHMENT = "ylläpitosopimus.txt"


# -- helpers -------------------------------------------------------------------------------------------


def permit_in_production(signatory: User, officer: User, decision_maker: User) -> Permit:
    """A permit granted through the decision services (so it has its version 1), then in production."""
    permit = PermitFactory(
        application__organisation=signatory.memberships.get().organisation,
        application__created_by=signatory,
        state=PermitState.TECHNICAL_REVIEW,
    )
    Application.objects.filter(pk=permit.application_id).update(hosting_description=OLD_HOSTING)
    today = timezone.localdate()
    decisions.decision_draft_grant(
        permit=permit,
        presenter=officer,
        revision=permit.revision,
        granted_groups=[r.data_group for r in permit.application.requested_groups.all()],
        conditions="\n".join(f"– {condition}" for condition in decisions.STANDARD_CONDITIONS),
        valid_from=today,
        valid_until=today + timedelta(days=3 * 365),
    )
    decisions.decision_make(
        permit=permit, decision_maker=decision_maker, revision=Permit.objects.get(pk=permit.pk).revision
    )
    Permit.objects.filter(pk=permit.pk).update(state=PermitState.PRODUCTION)
    permit = Permit.objects.get(pk=permit.pk)
    assert list(permit.versions.values_list("number", flat=True)) == [1]
    return permit


# -- the journey -----------------------------------------------------------------------------------------


def test_a_change_notification_leads_to_version_2_of_the_permit(new_page: PageFactory, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    organisation = OrganisationFactory(name=ORGANISATION)
    signatory = MembershipFactory(
        organisation=organisation,
        is_signatory=True,
        user__language="fi",
        user__full_name="Saara Allekirjoittaja",
    ).user
    officer = staff("Olli Esittelijä", "officer")
    decider = staff("Päivi Päättäjä", "officer", "decision_maker")
    # The original grant was made by others; the decision maker of the amendment is a person of its own.
    permit = permit_in_production(
        signatory, staff("Eero Aiempi", "officer"), staff("Aino Aiempi", "officer", "decision_maker")
    )
    case_url = reverse("permits:case", args=[permit.uuid])

    # The signatory notifies a new hosting provider from the case page of the permit in production.
    holder = new_page()
    sign_in(holder, "fi", signatory.email)
    holder.goto(case_url)
    changes = holder.get_by_role("region", name=t("fi", "Change notifications"), exact=True)
    changes.get_by_role("link", name=t("fi", "Notify a change"), exact=True).click()
    expect(holder).to_have_url(reverse("permits:change_new", args=[permit.uuid]))
    assert_accessible(holder, "fi")
    holder.get_by_label(in_language("fi", ChangeKind.TECHNICAL.label), exact=True).check()
    field(holder, "fi", "Description of the change").fill(DESCRIPTION)
    effective_on = timezone.localdate() + timedelta(days=14)
    field(holder, "fi", "Date the change takes effect").fill(effective_on.isoformat())
    field(holder, "fi", "Attachments").set_input_files(
        files=[
            {
                "name": ATTACHMENT,
                "mimeType": "text/plain",
                "buffer": "Ylläpitosopimus, Pilvipalvelu Oy, 2026.\n".encode(),
            }
        ]
    )
    button(holder, "fi", "Send the change notification").click()
    change = ChangeNotification.objects.get(permit=permit)
    assert change.reference == f"{permit.reference}/M1"
    assert (change.kind, change.state, change.filed_by) == (
        ChangeKind.TECHNICAL,
        ChangeState.RECEIVED,
        signatory,
    )
    assert change.effective_on == effective_on
    expect(holder).to_have_url(reverse("permits:change", args=[change.uuid]))
    expect_message(
        holder,
        "fi",
        "The change was notified to the agency. Its reference is %(reference)s.",
        reference=change.reference,
    )
    main = holder.get_by_role("main")
    expect(holder.get_by_role("heading", level=1)).to_contain_text(change.reference)
    expect(main).to_contain_text(t("fi", "Received: the agency will handle it"))
    expect(main).to_contain_text(DESCRIPTION)
    expect(main.get_by_role("link", name=ATTACHMENT, exact=True)).to_be_visible()
    assert_accessible(holder, "fi")

    # The officer finds it in the change list, the soonest target date first, and opens it.
    officer_page = new_page()
    sign_in_with_code(officer_page, "fi", officer)
    officer_page.get_by_role("navigation", name=t("fi", "Main menu"), exact=True).get_by_role(
        "link", name=t("fi", "Change notifications"), exact=True
    ).click()
    expect(officer_page).to_have_url(reverse("permits:change_queue"))
    row = officer_page.get_by_role("row", name=change.reference)
    expect(row).to_contain_text(ORGANISATION)
    expect(row).to_contain_text(in_language("fi", ChangeKind.TECHNICAL.label))
    expect(row).to_contain_text(in_language("fi", ChangeState.RECEIVED.label))
    assert_accessible(officer_page, "fi")
    row.get_by_role("link", name=change.reference, exact=True).click()
    officer_change_url = reverse("permits:officer_change", args=[change.uuid])
    expect(officer_page).to_have_url(officer_change_url)
    expect(officer_page.get_by_role("main")).to_contain_text(DESCRIPTION)
    assert_accessible(officer_page, "fi")
    switch_language(officer_page, "sv")
    expect(officer_page).to_have_url(officer_change_url)
    expect(officer_page.get_by_role("heading", level=1)).to_contain_text(change.reference)
    assert_accessible(officer_page, "sv")
    switch_language(officer_page, "fi")

    # The officer requires an amendment: an amendment application is opened for the signatory.
    amend = form(officer_page, "fi", "Require an amendment")
    field(amend, "fi", "What the amendment must cover").fill(AMENDMENT_NOTE)
    button(amend, "fi", "Require an amendment").click()
    expect_message(
        officer_page,
        "fi",
        "An amendment was required; the amendment application was opened for the permit holder.",
    )
    expect(officer_page.locator("dl.details").first).to_contain_text(
        in_language("fi", ChangeState.AMENDMENT_REQUIRED.label)
    )
    expect(officer_page.locator("dl.details").first).to_contain_text(
        t("fi", "Being prepared by the permit holder")
    )
    draft = Application.objects.get(amends=permit)
    assert (draft.kind, draft.status, draft.hosting_description) == (
        ApplicationKind.AMENDMENT,
        "draft",
        OLD_HOSTING,
    )
    change.refresh_from_db()
    assert (change.state, change.amendment) == (ChangeState.AMENDMENT_REQUIRED, draft)

    # The signatory sees the notification handled, and continues the amendment from the case page.
    holder.reload()
    expect(holder.get_by_role("main")).to_contain_text(t("fi", "Handled: the permit must be amended"))
    expect(holder.get_by_role("main")).to_contain_text(AMENDMENT_NOTE)
    expect(
        holder.get_by_role("main").get_by_role("link", name=t("fi", "Continue it"), exact=True)
    ).to_have_attribute("href", reverse("applications:step", args=[draft.uuid, "purpose"]))
    holder.goto(case_url)
    versions = holder.get_by_role("region", name=t("fi", "Permit versions"), exact=True)
    expect(versions).to_contain_text(t("fi", "An amendment or renewal of this permit has been started."))
    versions.get_by_role("link", name=t("fi", "Continue it"), exact=True).click()
    expect(holder).to_have_url(reverse("applications:step", args=[draft.uuid, "purpose"]))
    steps = holder.get_by_role("navigation", name=t("fi", "Steps of the application"), exact=True)
    steps.get_by_role("link", name=section_title("fi", "technical"), exact=True).click()
    expect(holder).to_have_url(reverse("applications:step", args=[draft.uuid, "technical"]))
    hosting = holder.locator("textarea[name=hosting_description]")
    expect(hosting).to_have_value(OLD_HOSTING)
    hosting.fill(NEW_HOSTING)
    button(holder, "fi", "Save and continue").click()
    expect(holder).to_have_url(reverse("applications:step", args=[draft.uuid, "contacts"]))
    steps.get_by_role("link", name=section_title("fi", "review"), exact=True).click()
    expect(holder).to_have_url(reverse("applications:step", args=[draft.uuid, "review"]))
    button(holder, "fi", "Submit the application").click()
    case = Permit.objects.get(application=draft)
    assert case.reference == f"{permit.reference}/A1"
    assert case.state == PermitState.SUBMITTED
    expect(holder).to_have_url(reverse("permits:case", args=[case.uuid]))
    expect(holder.get_by_role("heading", level=1)).to_contain_text(case.reference)
    holder.goto(reverse("permits:change", args=[change.uuid]))
    holder.get_by_role("main").get_by_role(
        "link", name=f"{t('fi', 'Open the case')} {case.reference}", exact=True
    ).click()
    expect(holder).to_have_url(reverse("permits:case", args=[case.uuid]))

    # The officer opens the amendment case from the change notification and drafts a grant.
    officer_page.reload()
    officer_page.locator("dl.details").first.get_by_role("link", name=case.reference, exact=True).click()
    expect(officer_page).to_have_url(reverse("permits:officer_case", args=[case.uuid]))
    grant = form(officer_page, "fi", "Draft a grant")
    field(grant, "fi", "Valid until").fill((timezone.localdate() + timedelta(days=3 * 365)).isoformat())
    button(grant, "fi", "Save the draft grant").click()
    expect_message(officer_page, "fi", "The grant was drafted. Another decision maker makes the decision.")
    expect(button(officer_page, "fi", "Make the decision: grant the permit")).to_have_count(0)

    # A decision maker, another person, grants the amendment.
    decider_page = new_page()
    sign_in_with_code(decider_page, "fi", decider)
    decider_page.goto(reverse("permits:officer_case", args=[case.uuid]))
    button(decider_page, "fi", "Make the decision: grant the permit").click()
    expect_message(
        decider_page, "fi", "The decision was made. Its PDF is being prepared and the applicant is notified."
    )
    assert Permit.objects.get(pk=case.pk).state == PermitState.APPLIED
    permit = Permit.objects.get(pk=permit.pk)
    assert permit.state == PermitState.PRODUCTION  # in force all along
    assert list(permit.versions.values_list("number", flat=True)) == [1, 2]

    # The permit page shows version 2 and what it changed: the hosting, before and after.
    holder.goto(case_url)
    versions = holder.get_by_role("region", name=t("fi", "Permit versions"), exact=True)
    expect(versions.locator("#permit-version-2")).to_contain_text(
        t("fi", "Version %(number)s (%(date)s)", number="2", date="").split("(")[0].strip()
    )
    expect(versions).to_contain_text(t("fi", "Granted in case %(reference)s.", reference=case.reference))
    diff = versions.get_by_role("table", name=t("fi", "What version %(number)s changed", number="2"))
    hosting_row = diff.get_by_role("row", name=re.compile(re.escape(t("fi", "Hosting"))))
    expect(hosting_row.get_by_role("cell").nth(0)).to_have_text(OLD_HOSTING)
    expect(hosting_row.get_by_role("cell").nth(1)).to_have_text(NEW_HOSTING)
    expect(versions.get_by_role("link", name=t("fi", "Continue it"), exact=True)).to_have_count(0)
    assert_accessible(holder, "fi")
