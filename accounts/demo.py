"""Demo data for the quick start (`make run`). Idempotent: running it again changes nothing."""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Group
from django.db import transaction

from accounts.models import Membership, MembershipRole, Organisation, OrganisationKind, StaffGroup, User

DEMO_PASSWORD = "demo-salasana-2026"

ORGANISATIONS = [
    {
        "business_id": "5908301-5",
        "name": "Esimerkkiperintä Oy",
        "kind": OrganisationKind.COMPANY,
        "street_address": "Mannerheimintie 1",
        "postal_code": "00100",
        "city": "Helsinki",
        "contact_email": "info@esimerkkiperinta.example",
    },
    {
        "business_id": "6613186-3",
        "name": "Mallilan kunta",
        "kind": OrganisationKind.PUBLIC_AUTHORITY,
        "street_address": "Kunnantie 5",
        "postal_code": "33100",
        "city": "Tampere",
        "contact_email": "kirjaamo@mallila.example",
    },
    # A framework licensee (its licence and clients come with the demo cases) and one of its clients.
    {
        "business_id": "1618033-3",
        "name": "Kehystieto Oy",
        "kind": OrganisationKind.COMPANY,
        "street_address": "Ratapihantie 11",
        "postal_code": "00520",
        "city": "Helsinki",
        "contact_email": "asiakkaat@kehystieto.example",
    },
    {
        "business_id": "2000001-6",
        "name": "Asiakas Alfa Oy",
        "kind": OrganisationKind.COMPANY,
        "street_address": "Kauppakatu 3",
        "postal_code": "40100",
        "city": "Jyväskylä",
        "contact_email": "toimisto@alfa.example",
    },
]

# (email, full name, organisation Business ID or None, role, signatory, staff groups)
PEOPLE = [
    ("admin@demo.vtj.test", "Aino Admin", "5908301-5", MembershipRole.ADMIN, True, []),
    ("signatory@demo.vtj.test", "Sami Signatory", "5908301-5", MembershipRole.MEMBER, True, []),
    ("member@demo.vtj.test", "Minna Member", "5908301-5", MembershipRole.MEMBER, False, []),
    ("licensee@demo.vtj.test", "Lauri Licensee", "1618033-3", MembershipRole.ADMIN, True, []),
    ("client@demo.vtj.test", "Kaisa Client", "2000001-6", MembershipRole.ADMIN, True, []),
    ("officer@demo.vtj.test", "Olli Officer", None, None, False, [StaffGroup.OFFICER]),
    (
        "decision@demo.vtj.test",
        "Dora Decision-Maker",
        None,
        None,
        False,
        [StaffGroup.OFFICER, StaffGroup.DECISION_MAKER],
    ),
    ("registry@demo.vtj.test", "Riikka Registry", None, None, False, [StaffGroup.REGISTRY_ADMIN]),
]


@transaction.atomic
def seed() -> list[tuple[str, str]]:
    """Create the demo organisations and people; return (email, what they are) for the printout."""
    organisations = {}
    for data in ORGANISATIONS:
        organisations[data["business_id"]], _ = Organisation.objects.get_or_create(
            business_id=data["business_id"], defaults=data
        )
    rows = []
    for email, name, business_id, role, signatory, groups in PEOPLE:
        user, created = User.objects.get_or_create(
            email=email, defaults={"full_name": name, "is_staff": bool(groups)}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        if business_id and role is not None:
            Membership.objects.get_or_create(
                organisation=organisations[business_id],
                user=user,
                defaults={"role": role, "is_signatory": signatory},
            )
            what = f"{MembershipRole(role).label}{' + signatory' if signatory else ''}, {organisations[business_id].name}"
        else:
            user.groups.add(*[Group.objects.get(name=g) for g in groups])
            if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
                TOTP.activate(user, generate_totp_secret())
            what = ", ".join(str(StaffGroup(g).label) for g in groups)
        rows.append((email, what))
    return rows
