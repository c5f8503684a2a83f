"""Seed the catalogue from the authority's published process (shared domain reference).

Registry admins edit everything here afterwards in the admin; the legal-basis texts are catalogue data
precisely because section numbers other than 661/2009 §36 and §44 are not verified.
"""

from django.db import migrations

PRODUCTS = [
    # code, fi, sv, en, technical interface, description en
    (
        "VTJKYSELY",
        "VTJkysely (selainsovellus)",
        "BDSförfrågan (webbläsarapplikation)",
        "VTJ query, browser application",
        False,
        "Staff look up single records in a browser; needs a named responsible user. Processing takes about three weeks.",
    ),
    (
        "KYSELYRAJAPINTA",
        "VTJ-kyselyrajapinta",
        "VTJ-kyselyrajapinta (förfrågningsgränssnitt)",
        "VTJ query interface",
        True,
        "Real-time single queries from the holder's own system over TLS with server certificates; also available through framework licensees.",
    ),
    (
        "MUUTOSRAJAPINTA",
        "VTJ-muutosrajapinta",
        "VTJ-muutosrajapinta (ändringsgränssnitt)",
        "VTJ change interface",
        True,
        "Public-sector registers pull changes (REST/JSON); needs a data permit plus test and production access.",
    ),
    (
        "PAIVITYSPALVELU",
        "Päivityspalvelu",
        "Päivityspalvelu (uppdateringstjänst)",
        "Register update service",
        True,
        "One-off or continuous update of a customer register.",
    ),
    (
        "POIMINTAPALVELU",
        "Poimintapalvelu",
        "Poimintapalvelu (urvalstjänst)",
        "Selection service",
        False,
        "Extracts of persons or buildings by criteria for research, surveys or marketing.",
    ),
]

DATA_GROUPS = [
    ("HENKILON_NIMI", "Nimitiedot", "Namnuppgifter", "Name", False),
    ("HENKILOTUNNUS", "Henkilötunnus", "Personbeteckning", "Personal identity code", True),
    ("SYNTYMAPAIVA", "Syntymäaika", "Födelsetid", "Date of birth", False),
    ("SUKUPUOLI", "Sukupuoli", "Kön", "Sex", False),
    (
        "AIDINKIELI",
        "Äidinkieli ja asiointikieli",
        "Modersmål och kontaktspråk",
        "Mother tongue and language of contact",
        False,
    ),
    ("KANSALAISUUS", "Kansalaisuus", "Medborgarskap", "Citizenship", False),
    ("KOTIKUNTA", "Kotikunta", "Hemkommun", "Municipality of residence", False),
    ("VAKINAINEN_OSOITE", "Vakinainen osoite", "Stadigvarande adress", "Permanent address", False),
    ("TILAPAINEN_OSOITE", "Tilapäinen osoite", "Tillfällig adress", "Temporary address", False),
    ("POSTIOSOITE", "Postiosoite", "Postadress", "Postal address", False),
    ("KUOLINTIEDOT", "Kuolintiedot", "Dödsuppgifter", "Date of death", False),
    ("PERHESUHTEET", "Perhesuhdetiedot", "Familjeförhållanden", "Family relations", False),
    ("HUOLTAJUUS", "Lapsen huoltotiedot", "Vårdnadsuppgifter", "Custody of a minor", True),
    ("EDUNVALVONTA", "Edunvalvontatiedot", "Intressebevakning", "Guardianship of adults", True),
    (
        "USKONTOKUNTA",
        "Uskonnollisen yhdyskunnan jäsenyys",
        "Medlemskap i religiöst samfund",
        "Religious community membership",
        True,
    ),
    ("TURVAKIELTO", "Turvakielto", "Spärrmarkering", "Non-disclosure for personal safety", True),
    ("LUOVUTUSKIELLOT", "Luovutuskiellot", "Förbud mot utlämnande", "Disclosure prohibitions", False),
    ("RAKENNUS", "Rakennustiedot", "Byggnadsuppgifter", "Building data", False),
    ("HUONEISTO", "Huoneistotiedot", "Lägenhetsuppgifter", "Apartment data", False),
    (
        "RAKENNUKSEN_OMISTAJA",
        "Rakennuksen omistajatiedot",
        "Uppgifter om byggnadens ägare",
        "Building owner data",
        False,
    ),
]

PROHIBITIONS = [
    (
        "SUORAMARKKINOINTI_KIELTO",
        "Suoramarkkinointikielto",
        "Förbud mot direktmarknadsföring",
        "Direct marketing prohibition (also opinion and market research)",
    ),
    (
        "YHTEYSTIETO_KIELTO",
        "Yhteystietopalvelukielto",
        "Förbud mot kontaktinformationstjänster",
        "Contact information services prohibition",
    ),
    (
        "ASIAKASREKISTERI_KIELTO",
        "Asiakasrekisterin ajantasaistuskielto",
        "Förbud mot uppdatering av kundregister",
        "Customer register update prohibition (banks and insurers are exempt by law)",
    ),
    ("SUKUTUTKIMUS_KIELTO", "Sukututkimuskielto", "Förbud mot släktforskning", "Genealogy prohibition"),
    (
        "HENKILOMATRIKKELI_KIELTO",
        "Henkilömatrikkelikielto",
        "Förbud mot personmatriklar",
        "Person directory prohibition",
    ),
]

LAW_FI = "Laki väestötietojärjestelmästä ja Digi- ja väestötietoviraston varmennepalveluista (661/2009)."
LAW_SV = "Lagen om befolkningsdatasystemet och Myndigheten för digitalisering och befolkningsdatas certifikattjänster (661/2009)."
LAW_EN = "Act on the Population Information System and the Certificate Services of the Digital and Population Data Services Agency (661/2009)."
STATUTE_FI = " Lisäksi hakija nimeää lain, jonka mukaista tehtävää varten tietoja tarvitaan."
STATUTE_SV = " Sökanden anger dessutom den lag enligt vilken uppgifterna behövs."
STATUTE_EN = " The applicant also names the statute that gives it the task for which the data is needed."

PURPOSES = [
    # code, fi, sv, en, requires statute, prohibitions
    (
        "VIRANOMAISTEHTAVA",
        "Viranomaisen lakisääteinen tehtävä",
        "Myndighets lagstadgade uppgift",
        "Statutory task of an authority",
        True,
        [],
    ),
    (
        "JULKINEN_TEHTAVA",
        "Julkinen hallintotehtävä",
        "Offentlig förvaltningsuppgift",
        "Public administrative task",
        True,
        [],
    ),
    (
        "ASIAKASSUHDE",
        "Asiakassuhteen hoitaminen",
        "Skötsel av kundrelation",
        "Managing a customer relationship",
        False,
        [],
    ),
    (
        "ASIAKASREKISTERI",
        "Asiakasrekisterin ajantasaistus",
        "Uppdatering av kundregister",
        "Keeping a customer register up to date",
        False,
        ["ASIAKASREKISTERI_KIELTO"],
    ),
    ("PERINTA", "Saatavien perintä", "Indrivning av fordringar", "Debt collection", False, []),
    ("TUTKIMUS", "Tieteellinen tutkimus", "Vetenskaplig forskning", "Scientific research", False, []),
    (
        "TILASTOINTI",
        "Tilastointi ja suunnittelu",
        "Statistikföring och planering",
        "Statistics and planning",
        False,
        [],
    ),
    (
        "SUORAMARKKINOINTI",
        "Suoramarkkinointi",
        "Direktmarknadsföring",
        "Direct marketing",
        False,
        ["SUORAMARKKINOINTI_KIELTO"],
    ),
    (
        "MARKKINATUTKIMUS",
        "Mielipide- ja markkinatutkimus",
        "Opinions- och marknadsundersökning",
        "Opinion and market research",
        False,
        ["SUORAMARKKINOINTI_KIELTO"],
    ),
    (
        "SUKUTUTKIMUS",
        "Sukututkimus",
        "Släktforskning",
        "Genealogical research",
        False,
        ["SUKUTUTKIMUS_KIELTO"],
    ),
    (
        "HENKILOMATRIKKELI",
        "Henkilömatrikkeli",
        "Personmatrikel",
        "Person directory",
        False,
        ["HENKILOMATRIKKELI_KIELTO"],
    ),
]

TERMS_FI = """1. Tiedot eivät ole julkisia. Luvansaaja käyttää tietoja vain luvassa mainittuun käyttötarkoitukseen.
2. Tietoja ei saa luovuttaa edelleen kolmansille osapuolille, ellei laki sitä salli.
3. Tietoja saa tallentaa luvansaajan omaan rekisteriin vain, jos laki sen sallii.
4. Digi- ja väestötietovirasto voi vaatia kirjallisen selvityksen tietoturvasta (661/2009, 44 §).
5. Jokainen kysely on voitava yksilöidä nimettyyn loppukäyttäjään, ja luvansaaja säilyttää lokitiedot viisi vuotta.
6. Turvakiellon alaisia tietoja ei näytetä eikä luovuteta.
7. Luvansaaja ilmoittaa viipymättä muutoksista organisaatiossaan, toiminnassaan, käyttötarkoituksessa tai teknisessä toteutuksessa.
8. Maksut määräytyvät kulloinkin voimassa olevan maksuasetuksen mukaan."""

TERMS_SV = """1. Uppgifterna är inte offentliga. Tillståndshavaren använder uppgifterna endast för det ändamål som anges i tillståndet.
2. Uppgifterna får inte lämnas ut vidare till tredje parter om inte lag tillåter det.
3. Uppgifterna får lagras i tillståndshavarens eget register endast om lag tillåter det.
4. Myndigheten för digitalisering och befolkningsdata kan kräva en skriftlig redogörelse för dataskyddet (661/2009, 44 §).
5. Varje förfrågan ska kunna hänföras till en namngiven slutanvändare, och tillståndshavaren bevarar loggarna i fem år.
6. Uppgifter som omfattas av spärrmarkering visas inte och lämnas inte ut.
7. Tillståndshavaren anmäler utan dröjsmål ändringar i sin organisation, sin verksamhet, användningsändamålet eller det tekniska genomförandet.
8. Avgifterna bestäms enligt den avgiftsförordning som gäller vid varje tidpunkt."""

TERMS_EN = """1. The data is not public. The holder uses the data only for the purpose of use named in the permit.
2. The data may not be disclosed onward to third parties unless a law allows it.
3. The data may be stored in the holder's own register only where a law allows it.
4. The agency may require a written account of information security (661/2009, section 44).
5. Every query must be traceable to a named end user, and the holder keeps those logs for five years.
6. Data protected by a non-disclosure for personal safety is never shown or disclosed.
7. The holder notifies the agency without delay of changes in its organisation, operations, purpose of use or technical implementation.
8. Fees follow the fee decree in force at the time."""


def seed(apps, schema_editor):
    Product = apps.get_model("applications", "Product")
    DataGroup = apps.get_model("applications", "DataGroup")
    DisclosureProhibition = apps.get_model("applications", "DisclosureProhibition")
    Purpose = apps.get_model("applications", "Purpose")
    TermsVersion = apps.get_model("applications", "TermsVersion")

    for order, (code, fi, sv, en, technical, description) in enumerate(PRODUCTS):
        Product.objects.update_or_create(
            code=code,
            defaults=dict(
                name_fi=fi,
                name_sv=sv,
                name_en=en,
                is_technical_interface=technical,
                description_en=description,
                sort_order=order,
            ),
        )
    for order, (code, fi, sv, en, sensitive) in enumerate(DATA_GROUPS):
        DataGroup.objects.update_or_create(
            code=code,
            defaults=dict(name_fi=fi, name_sv=sv, name_en=en, is_sensitive=sensitive, sort_order=order),
        )
    prohibitions = {}
    for order, (code, fi, sv, en) in enumerate(PROHIBITIONS):
        prohibitions[code], _ = DisclosureProhibition.objects.update_or_create(
            code=code, defaults=dict(name_fi=fi, name_sv=sv, name_en=en, sort_order=order)
        )
    for order, (code, fi, sv, en, statute, honoured) in enumerate(PURPOSES):
        purpose, _ = Purpose.objects.update_or_create(
            code=code,
            defaults=dict(
                name_fi=fi,
                name_sv=sv,
                name_en=en,
                requires_statute=statute,
                sort_order=order,
                legal_basis_fi=LAW_FI + (STATUTE_FI if statute else ""),
                legal_basis_sv=LAW_SV + (STATUTE_SV if statute else ""),
                legal_basis_en=LAW_EN + (STATUTE_EN if statute else ""),
            ),
        )
        purpose.prohibitions.set([prohibitions[c] for c in honoured])
    TermsVersion.objects.get_or_create(
        version="2026-1",
        defaults=dict(valid_from="2026-01-01", text_fi=TERMS_FI, text_sv=TERMS_SV, text_en=TERMS_EN),
    )


class Migration(migrations.Migration):
    dependencies = [("applications", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
