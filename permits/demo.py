"""Demo applications and cases for the quick start, in several states. Idempotent."""

from datetime import datetime, time, timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from accounts.models import (
    FrameworkLicence,
    Membership,
    MembershipRole,
    Organisation,
    OrganisationKind,
    User,
)
from applications.catalogue import SECURITY_THEME_CODES
from applications.models import Application, ApplicationVersion, DataGroup, Product, Purpose, TermsVersion
from applications.services import licensing
from applications.services import wizard as application_services
from applications.services.consultations import consultation_open, consultation_post
from permits.deadlines import HELSINKI, decision_due_for, local_date
from permits.models import ChangeKind, ChangeNotification, Permit, PermitEvent, SupplementRequest
from permits.selectors import changes as changes_selectors
from permits.services import amendments, changes, decisions, processing
from permits.services import submission as services
from permits.services.reminders import sweep_deadlines

TEXT = {
    "purpose_description": "Perimme asiakkaidemme saatavia. Tarvitsemme velallisten ajantasaiset osoitteet "
    "perintäkirjeiden lähettämiseen oikeaan osoitteeseen.",
    "legal_basis": "Laki saatavien perinnästä (513/1999); henkilötietojen käsittely perustuu "
    "toimeksiantosopimukseen.",
    "use_description": "Osoitetietoja käytetään vain perintäkirjeiden postittamiseen.",
    "access_description": "Viisi nimettyä perintäkäsittelijää henkilökohtaisilla tunnuksilla.",
    "storage_description": "Perintäjärjestelmän tietokanta Suomessa sijaitsevassa konesalissa.",
    "retention_description": "Osoite säilytetään perintäasian ajan ja poistetaan 6 kuukautta sen päätyttyä.",
    "onward_disclosure": "Tietoja ei luovuteta eteenpäin.",
    "system_description": "Perintäjärjestelmä PerintäPro 5, joka hakee osoitteen velallisen henkilötunnuksella.",
    "integration_method": "Kyselyrajapinta TLS-yhteydellä ja palvelinvarmenteella.",
    "hosting_description": "Oma konesali Helsingissä; ei alihankkijoita.",
    "test_environment": "Erillinen testiympäristö, jossa käytetään vain testiaineistoa.",
    "responsible_name": "Aino Admin",
    "responsible_email": "admin@demo.vtj.test",
    "responsible_phone": "+358 40 100 2000",
    "technical_name": "Teemu Tekninen",
    "technical_email": "tekninen@esimerkkiperinta.example",
    "technical_phone": "+358 40 100 3000",
    "deputy_name": "Vilma Varahenkilö",
    "deputy_email": "vara@esimerkkiperinta.example",
    "deputy_phone": "+358 40 100 4000",
}
SECURITY = "Kuvattu tietoturvapolitiikassamme; vastuuhenkilö on tietoturvapäällikkö."


def _complete(application: Application, user: User) -> Application:
    save = application_services.application_save_section
    save(
        application=application,
        user=user,
        section="purpose",
        data={
            "product": Product.objects.get(code="KYSELYRAJAPINTA"),
            "purpose": Purpose.objects.get(code="PERINTA"),
            "purpose_description": TEXT["purpose_description"],
            "legal_basis": TEXT["legal_basis"],
        },
    )
    save(
        application=application,
        user=user,
        section="data-groups",
        data={
            "data_groups": {
                "HENKILON_NIMI": "Nimi tarvitaan, jotta perintäkirje osoitetaan oikealle henkilölle.",
                "VAKINAINEN_OSOITE": "Vakinainen osoite tarvitaan perintäkirjeen lähettämiseen.",
            }
        },
    )
    for section, fields in application_services.SECTION_FIELDS.items():
        if section in ("purpose", "security"):
            continue
        save(application=application, user=user, section=section, data={f: TEXT[f] for f in fields})
    save(
        application=application,
        user=user,
        section="security",
        data={"security_report": dict.fromkeys(SECURITY_THEME_CODES, SECURITY)},
    )
    return application


@transaction.atomic
def seed() -> None:
    _seed_applicant()
    _seed_licensee()
    _seed_amended_permit()
    _seed_change_notifications()


def _seed_applicant() -> None:
    organisation = Organisation.objects.get(business_id="5908301-5")
    if organisation.applications.exists():
        return
    signatory = User.objects.get(email="signatory@demo.vtj.test")
    member = User.objects.get(email="member@demo.vtj.test")
    officer = User.objects.get(email="officer@demo.vtj.test")

    consultation = consultation_open(
        organisation=organisation,
        user=member,
        product=Product.objects.get(code="KYSELYRAJAPINTA"),
        subject="Kyselyrajapinta perintätoimintaan",
        question="Sopiiko kyselyrajapinta osoitteiden tarkistamiseen perintätoiminnassa?",
    )
    consultation_post(
        consultation=consultation,
        user=officer,
        body="Sopii. Hakekaa nimi- ja osoitetietoja ja perustelkaa kumpikin erikseen.",
    )

    # A draft with the first steps done.
    draft = application_services.application_create(
        organisation=organisation, user=member, consultation=consultation
    )
    application_services.application_save_section(
        application=draft,
        user=member,
        section="purpose",
        data={
            "product": Product.objects.get(code="VTJKYSELY"),
            "purpose": Purpose.objects.get(code="ASIAKASSUHDE"),
            "purpose_description": "Asiakaspalvelu tarkistaa yksittäisten asiakkaiden osoitteita.",
            "legal_basis": "",
        },
    )

    # Submitted and waiting for the authority.
    submitted = _complete(
        application_services.application_create(organisation=organisation, user=member), member
    )
    services.application_submit(application=submitted, user=signatory)

    # Submitted, then in technical review (the officers' own services come with case processing).
    reviewed = _complete(
        application_services.application_create(organisation=organisation, user=member), member
    )
    permit = services.application_submit(application=reviewed, user=signatory)
    permit.start_technical_review()
    permit.assigned_to = officer
    permit.save()
    PermitEvent.objects.create(
        permit=permit,
        actor=officer,
        action="technical_review_started",
        from_state="submitted",
        to_state=permit.state,
        visible_to_applicant=True,
    )

    # Submitted and withdrawn by the signatory.
    withdrawn = _complete(
        application_services.application_create(organisation=organisation, user=member), member
    )
    sensitive = DataGroup.objects.get(code="HENKILOTUNNUS")
    application_services.application_save_section(
        application=withdrawn,
        user=member,
        section="data-groups",
        data={
            "data_groups": {
                "HENKILON_NIMI": "Nimi tarvitaan, jotta perintäkirje osoitetaan oikealle henkilölle.",
                sensitive.code: "Henkilötunnus tarvitaan velallisen yksilöimiseen, koska samannimisiä "
                "henkilöitä on useita ja väärään osoitteeseen lähetetty perintäkirje paljastaisi velan "
                "ulkopuoliselle henkilölle.",
            }
        },
    )
    permit = services.application_submit(application=withdrawn, user=signatory)
    services.permit_withdraw(permit=permit, user=signatory, reason="Haemme lupaa kehyslupamenettelyn kautta.")

    # On the clock: due within 14 days (assigned), overdue (nobody assigned), and one waiting for the
    # applicant's answer due in two days; the deadline sweep then writes their reminders.
    due_soon = _submitted_days_ago(organisation, member, signatory, 80)
    Permit.objects.filter(pk=due_soon.pk).update(assigned_to=officer)
    _submitted_days_ago(organisation, member, signatory, 100)
    waiting = _submitted_days_ago(organisation, member, signatory, 40)
    processing.permit_request_supplement(
        permit=waiting,
        officer=officer,
        message="Tarkentakaa, kuinka kauan osoitetietoja säilytetään perintäasian päätyttyä.",
        sections=["data-use"],
        respond_by=local_date(timezone.now()) + timedelta(days=2),
        revision=waiting.revision,
    )
    SupplementRequest.objects.filter(permit=waiting).update(created_at=timezone.now() - timedelta(days=28))
    sweep_deadlines()


def _submitted_days_ago(organisation: Organisation, member: User, signatory: User, days: int) -> Permit:
    """A complete application submitted `days` ago (its dates moved back, as if it had been)."""
    application = _complete(
        application_services.application_create(organisation=organisation, user=member), member
    )
    permit = services.application_submit(application=application, user=signatory)
    # Noon in Helsinki `days` calendar days ago (not 24-hour days: a DST change may lie between).
    then = datetime.combine(local_date(timezone.now()) - timedelta(days=days), time(12), tzinfo=HELSINKI)
    Permit.objects.filter(pk=permit.pk).update(
        submitted_at=then, decision_due=decision_due_for(then), last_activity_at=then
    )
    Application.objects.filter(pk=application.pk).update(submitted_at=then)
    ApplicationVersion.objects.filter(application=application).update(submitted_at=then)
    PermitEvent.objects.filter(permit=permit).update(at=then)
    return Permit.objects.get(pk=permit.pk)


POWER_OF_ATTORNEY = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def _seed_licensee() -> None:
    """Kehystieto Oy holds a framework licence and has two clients: Asiakas Alfa Oy, whose signatory
    confirmed the prepared application (submitted), and Asiakas Beeta Oy, new to the portal, whose
    representative is invited and whose complete application waits for the confirmation."""
    licensee = Organisation.objects.get(business_id="1618033-3")
    if FrameworkLicence.objects.filter(licensee=licensee).exists():
        return
    licence = FrameworkLicence.objects.create(
        licensee=licensee,
        number="RL-2026-0007",
        valid_from=timezone.localdate() - timedelta(days=200),
        valid_until=timezone.localdate() + timedelta(days=3 * 365),
    )
    licence.products.set(Product.objects.filter(code__in=["KYSELYRAJAPINTA", "VTJKYSELY"]))
    licence.purposes.set(Purpose.objects.filter(is_active=True))
    licence.data_groups.set(DataGroup.objects.filter(is_active=True, is_sensitive=False))
    seller = User.objects.get(email="licensee@demo.vtj.test")

    def power_of_attorney() -> SimpleUploadedFile:
        return SimpleUploadedFile("valtakirja.pdf", POWER_OF_ATTORNEY, content_type="application/pdf")

    alfa = Organisation.objects.get(business_id="2000001-6")
    confirmed = licensing.application_start_for_client(
        licensee=licensee,
        user=seller,
        business_id=alfa.business_id,
        name=alfa.name,
        representative_email="client@demo.vtj.test",
        power_of_attorney=power_of_attorney(),
    )
    _complete(confirmed, seller)
    client_signatory = User.objects.get(email="client@demo.vtj.test")
    licensing.commitment_confirm(application=confirmed, user=client_signatory)
    services.application_submit(application=confirmed, user=seller)

    waiting = licensing.application_start_for_client(
        licensee=licensee,
        user=seller,
        business_id="2000002-4",
        name="Asiakas Beeta Oy",
        representative_email="edustaja@beeta.example",
        power_of_attorney=power_of_attorney(),
    )
    _complete(waiting, seller)


def _seed_amended_permit() -> None:
    """Mallilan kunta's permit in production, amended once (a new hosting provider, one more data group):
    version 2 of the permit, granted in case <reference>/A1."""
    organisation = Organisation.objects.get(business_id="6613186-3")
    if organisation.applications.exists():
        return
    officer = User.objects.get(email="officer@demo.vtj.test")
    decider = User.objects.get(email="decision@demo.vtj.test")
    signatory, _created = User.objects.get_or_create(
        email="kirjaamo@mallila.example", defaults={"full_name": "Kalle Kirjaaja"}
    )
    Membership.objects.get_or_create(
        organisation=organisation,
        user=signatory,
        defaults={"role": MembershipRole.ADMIN, "is_signatory": True},
    )
    permit = _in_production(organisation, signatory, officer, decider)

    amendment = amendments.amendment_start(permit=permit, user=signatory)
    save = application_services.application_save_section
    groups = dict(amendment.requested_groups.values_list("data_group__code", "justification"))
    groups["KOTIKUNTA"] = "Kotikunta tarvitaan, jotta perintäkirje ohjataan oikealle kunnan yksikölle."
    save(application=amendment, user=signatory, section="data-groups", data={"data_groups": groups})
    save(
        application=amendment,
        user=signatory,
        section="technical",
        data={
            "hosting_description": "Palvelu siirretty Pilvipalvelu Oy:n konesaliin Espoossa; ei muita alihankkijoita."
        },
    )
    case = services.application_submit(application=amendment, user=signatory)
    _grant(case, officer, decider)


def _in_production(organisation: Organisation, signatory: User, officer: User, decider: User) -> Permit:
    """A complete application submitted by `signatory`, granted, terms accepted, tested, in production."""
    application = _complete(
        application_services.application_create(organisation=organisation, user=signatory), signatory
    )
    permit = services.application_submit(application=application, user=signatory)
    permit = _grant(permit, officer, decider)
    terms = TermsVersion.objects.in_force()
    if terms is None:
        raise RuntimeError("The demo needs terms of use in force.")
    permit = decisions.permit_accept_terms(
        permit=permit, user=signatory, revision=permit.revision, terms_version=terms
    )
    permit = decisions.permit_open_testing(
        permit=permit, officer=officer, revision=permit.revision, note="Testitunnukset toimitettu."
    )
    permit = decisions.permit_report_tests(
        permit=permit, user=signatory, revision=permit.revision, note="Testit läpi."
    )
    return decisions.permit_confirm_production(permit=permit, officer=officer, revision=permit.revision)


def _seed_change_notifications() -> None:
    """Change notifications in every handling state, through the services of permits.changes.

    Esimerkkiperintä Oy (the demo signatory's organisation) gets a permit in production with four: one
    received and past its handling target date, one on which the agency asked for more information, a
    change of the technical contact acknowledged (and applied to the permit), and a new hosting provider
    for which an amendment was required (its draft waits for the signatory). Revontulen Perintä Oy has two
    permits: on one the officer proposed revocation (the demo decision maker decides), the other was
    revoked on a proposal (officer proposed, decision maker revoked).
    """
    holder = Organisation.objects.get(business_id="5908301-5")
    other, _created = Organisation.objects.get_or_create(business_id="1414213-0", defaults=REVONTULI)
    if ChangeNotification.objects.filter(permit__application__organisation__in=[holder, other]).exists():
        return
    officer = User.objects.get(email="officer@demo.vtj.test")
    decider = User.objects.get(email="decision@demo.vtj.test")
    signatory = User.objects.get(email="signatory@demo.vtj.test")
    today = local_date(timezone.now())

    def notify(permit: Permit, user: User, kind: str, description: str, **extra: Any) -> ChangeNotification:
        return changes.change_notify(
            permit=permit,
            user=user,
            kind=kind,
            description=description,
            effective_on=extra.pop("effective_on", today),
            **extra,
        )

    permit = _in_production(holder, signatory, officer, decider)
    acknowledged = notify(
        permit,
        signatory,
        ChangeKind.CONTACTS,
        "Teknisenä yhteyshenkilönä aloittaa Tiina Tekninen; Teemu Tekninen siirtyy muihin tehtäviin.",
        contacts={
            "technical": {
                "name": "Tiina Tekninen",
                "email": "tiina.tekninen@esimerkkiperinta.example",
                "phone": "+358 40 100 3001",
            }
        },
    )
    changes.change_acknowledge(
        change=acknowledged,
        officer=officer,
        revision=acknowledged.revision,
        note="Kiitos ilmoituksesta. Uusi yhteyshenkilö on päivitetty lupaan.",
    )
    info = notify(
        permit,
        signatory,
        ChangeKind.OPERATIONS,
        "Aloitamme perinnän myös Ruotsissa asuvien velallisten osalta.",
        effective_on=today + timedelta(days=30),
    )
    changes.change_request_info(
        change=info,
        officer=officer,
        revision=info.revision,
        message="Kertokaa, käytetäänkö väestötietoja myös Ruotsissa asuvien velallisten perinnässä ja millä perusteella.",
        respond_by=today + timedelta(days=14),
    )
    amendment = notify(
        permit,
        signatory,
        ChangeKind.TECHNICAL,
        "Perintäjärjestelmä siirretään Pilvipalvelu Oy:n konesaliin Espoossa.",
        effective_on=today + timedelta(days=60),
    )
    changes.change_require_amendment(
        change=amendment,
        officer=officer,
        revision=amendment.revision,
        note="Päivittäkää muutoshakemuksen teknisen toteutuksen kohtaan uusi ylläpitoympäristö.",
    )
    received = notify(
        permit,
        signatory,
        ChangeKind.ORGANISATION,
        "Esimerkkiperintä Oy sulautuu Esimerkki-konserni Oyj:hin; Y-tunnus säilyy ennallaan.",
        effective_on=today - timedelta(days=35),
    )
    # Filed 35 days ago, so that it is past its handling target date in the officers' list.
    then = datetime.combine(today - timedelta(days=35), time(10), tzinfo=HELSINKI)
    ChangeNotification.objects.filter(pk=received.pk).update(
        filed_at=then, due=received.due - timedelta(days=35)
    )
    PermitEvent.objects.filter(pk__in=changes_selectors.change_events(received).values("pk")).update(at=then)

    other_signatory, _created = User.objects.get_or_create(
        email="lakiasiat@revontuli.example", defaults={"full_name": "Riina Revontuli"}
    )
    Membership.objects.get_or_create(
        organisation=other,
        user=other_signatory,
        defaults={"role": MembershipRole.ADMIN, "is_signatory": True},
    )
    proposed_permit = _in_production(other, other_signatory, officer, decider)
    proposed = notify(
        proposed_permit,
        other_signatory,
        ChangeKind.PURPOSE,
        "Osoitetietoja käytetään jatkossa myös suoramarkkinointiin.",
    )
    changes.change_propose_revocation(
        change=proposed,
        officer=officer,
        revision=proposed.revision,
        reasons="Suoramarkkinointi ei ole luvan käyttötarkoitus, eikä sille ole esitetty laissa säädettyä perustetta.",
    )
    revoked_permit = _in_production(other, other_signatory, officer, decider)
    revoked = notify(
        revoked_permit,
        other_signatory,
        ChangeKind.OPERATIONS,
        "Lopetamme perintätoiminnan; liiketoiminta myydään ulkomaiselle yhtiölle.",
    )
    revoked = changes.change_propose_revocation(
        change=revoked,
        officer=officer,
        revision=revoked.revision,
        reasons="Luvan haltija ei enää harjoita toimintaa, jota varten lupa myönnettiin.",
    )
    changes.change_revoke_permit(
        change=revoked,
        decision_maker=decider,
        revision=revoked.revision,
        reasons="Luvan haltija on lopettanut toiminnan, jota varten lupa myönnettiin.",
    )


REVONTULI = {
    "name": "Revontulen Perintä Oy",
    "kind": OrganisationKind.COMPANY,
    "street_address": "Koskikatu 7",
    "postal_code": "96100",
    "city": "Rovaniemi",
    "contact_email": "toimisto@revontuli.example",
}


def _grant(permit: Permit, officer: User, decider: User) -> Permit:
    """An officer drafts a grant of every requested data group; another decision maker makes it."""
    decisions.decision_draft_grant(
        permit=permit,
        presenter=officer,
        revision=permit.revision,
        granted_groups=[r.data_group for r in permit.application.requested_groups.all()],
        conditions="\n".join(f"– {condition}" for condition in decisions.STANDARD_CONDITIONS),
        valid_from=timezone.localdate(),
        valid_until=timezone.localdate() + timedelta(days=3 * 365),
    )
    decisions.decision_make(
        permit=permit, decision_maker=decider, revision=Permit.objects.get(pk=permit.pk).revision
    )
    return Permit.objects.get(pk=permit.pk)
