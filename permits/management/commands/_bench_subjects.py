"""The benchmark's subject cases: a few cases made through the real models, for the pages `bench` times.

Beside the synthetic cases of `seed_bench` (which have no events, attachments or versions), the bench needs
cases a user works on as they are in use: an applicant organisation with a signatory, a draft for the
wizard's steps and review page, a case with 5 events and one with 200 (with attachments, versions,
supplement requests, negotiation messages, meetings and notes in proportion, so that a query per row shows
as a difference between the two), a granted case with its decision (for the decision PDF), and a framework
licensee with a licence, a mandate for the applicant organisation and a draft it prepared that awaits the
client's confirmation.

Everything here is marked apart from the synthetic cases, so that `seed_bench --reset` and the top-ups never
touch it: organisations have contact addresses under @subject.bench.invalid, references start with VTJBS/,
users have addresses under @bench.invalid. `seed_subjects()` is idempotent: it returns what an earlier call
made, and makes it (in one transaction) only when it is missing. Files are named, never written: no page
reads them.

Only models are imported at module level; the few portal helpers used (the application snapshot, the
catalogue's section and theme codes, the target-date rule) are imported where they are used.
"""

import importlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from accounts.models import (
    ClientMandate,
    FrameworkLicence,
    Membership,
    MembershipRole,
    Organisation,
    OrganisationKind,
    User,
)
from accounts.validators import business_id_check_digit
from applications.models import (
    Application,
    ApplicationStatus,
    ApplicationVersion,
    Attachment,
    DataGroup,
    Product,
    Purpose,
    RequestedDataGroup,
)
from permits.models import (
    Decision,
    DecisionKind,
    DocumentKind,
    InternalNote,
    Meeting,
    NegotiationMessage,
    Permit,
    PermitDocument,
    PermitEvent,
    PermitState,
    SupplementRequest,
    SupplementState,
)

DOMAIN = "bench.invalid"
SUBJECT_DOMAIN = f"subject.{DOMAIN}"
SUBJECT_PREFIX = "VTJBS/"
APPLICANT_EMAIL = f"applicant@{SUBJECT_DOMAIN}"
LICENSEE_EMAIL = f"licensee@{SUBJECT_DOMAIN}"
SMALL_EVENTS, LARGE_EVENTS = 5, 200
TEXT = "Kuvaus, joka on riittävän pitkä ja yksilöity tätä hakemusta varten."
JUSTIFICATION = (
    "Osoite tarvitaan perintäkirjeen lähettämiseen oikeaan osoitteeseen; ilman sitä saatavaa ei voida periä "
    "eikä velallista tavoittaa, ja kirje palautuisi lähettäjälle avaamattomana."
)
# Sections that supplement requests reopen (the wizard's slugs; a wrong one is only a label on the page).
REOPENED = ["data-use", "technical"]
_MISSING = object()


def portal_attr(name: str, *modules: str, default: Any = _MISSING) -> Any:
    """`name` from the first of `modules` that has it: portal code is being moved into packages, and the
    bench should measure whatever layout it finds. `default` when none has it (else ImportError)."""
    for module in modules:
        try:
            return getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError):
            continue
    if default is _MISSING:
        raise ImportError(f"{name} is in none of {', '.join(modules)}.")
    return default


def bench_user(email: str, *, groups: tuple[str, ...] = (), **fields: object) -> User:
    """A bench user with a verified address and a TOTP authenticator, so that the two-factor middleware
    lets a session made with force_login through; created once."""
    user, created = User.objects.get_or_create(
        email=email, defaults={"full_name": email.split("@")[0].replace("-", " ").title(), **fields}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        user.groups.add(*Group.objects.filter(name__in=groups))
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, generate_totp_secret())
    return user


def bench_officer_email(n: int) -> str:
    return f"bench-officer-{n:02d}@{DOMAIN}"


def officer_language(n: int) -> str:
    """Bench officers 1–8 read Finnish, 9–10 Swedish, 11–12 English: reminders render in each."""
    return "fi" if n <= 8 else "sv" if n <= 10 else "en"


@dataclass(frozen=True)
class Subjects:
    """What the bench requests: the personas and the objects of their pages."""

    signatory: User
    licensee_member: User
    officer: User
    draft: UUID  # the wizard's steps and review page
    prepared: UUID  # filed by the licensee for the applicant organisation, awaiting its confirmation
    small_case: UUID  # 5 events
    large_case: UUID  # 200 events
    decision_id: int  # the granted case's decision


def subject_permits():
    return Permit.objects.filter(reference__startswith=SUBJECT_PREFIX)


def subject_organisations():
    return Organisation.objects.filter(contact_email__endswith=f"@{SUBJECT_DOMAIN}")


def seed_subjects() -> Subjects:
    """The subject cases and their people, made on the first call and found on later ones."""
    officer = bench_user(bench_officer_email(1), is_staff=True, groups=("officer",))
    signatory = bench_user(f"bench-signatory@{DOMAIN}", language="fi")
    licensee_member = bench_user(f"bench-licensee-member@{DOMAIN}", language="fi")
    decider = bench_user(f"bench-decider-01@{DOMAIN}", is_staff=True, groups=("decision_maker",))
    bench_user(f"bench-decider-02@{DOMAIN}", is_staff=True, groups=("decision_maker",), language="sv")
    with transaction.atomic():
        applicant = _organisation(APPLICANT_EMAIL, "Bench Subject Applicant Oy", 7_000_000)
        licensee = _organisation(LICENSEE_EMAIL, "Bench Subject Licensee Oy", 7_100_000)
        Membership.objects.get_or_create(
            organisation=applicant,
            user=signatory,
            defaults={"role": MembershipRole.ADMIN, "is_signatory": True},
        )
        Membership.objects.get_or_create(
            organisation=licensee,
            user=licensee_member,
            defaults={"role": MembershipRole.ADMIN, "is_signatory": True},
        )
        _licence_and_mandate(licensee=licensee, client=applicant, by=licensee_member)
        draft = _application(applicant, signatory, "draft", attachments=2)
        prepared = _application(applicant, licensee_member, "prepared", attachments=1, filed_by=licensee)
        small = _case(applicant, signatory, officer, "E005", events=SMALL_EVENTS)
        large = _case(applicant, signatory, officer, "E200", events=LARGE_EVENTS)
        decision = _decided_case(applicant, signatory, officer, decider)
    return Subjects(
        signatory=signatory,
        licensee_member=licensee_member,
        officer=officer,
        draft=draft.uuid,
        prepared=prepared.uuid,
        small_case=small.uuid,
        large_case=large.uuid,
        decision_id=decision.pk,
    )


# -- the pieces ------------------------------------------------------------------------------------------


def _organisation(email: str, name: str, first_number: int) -> Organisation:
    found = Organisation.objects.filter(contact_email=email).first()
    if found:
        return found
    taken = set(Organisation.objects.values_list("business_id", flat=True))
    number = first_number
    while (candidate := business_id(number)) is None or candidate in taken:
        number += 1
    return Organisation.objects.create(
        name=name,
        business_id=candidate,
        kind=OrganisationKind.COMPANY,
        street_address="Testikatu 1",
        postal_code="00100",
        city="Helsinki",
        contact_email=email,
    )


def _licence_and_mandate(*, licensee: Organisation, client: Organisation, by: User) -> None:
    today = timezone.localdate()
    licence, created = FrameworkLicence.objects.get_or_create(
        number="RL-BENCH",
        defaults={
            "licensee": licensee,
            "valid_from": today - timedelta(days=365),
            "valid_until": today + timedelta(days=3 * 365),
        },
    )
    if created:
        licence.products.set(Product.objects.filter(is_active=True))
        licence.data_groups.set(DataGroup.objects.filter(is_active=True))
        licence.purposes.set(Purpose.objects.filter(is_active=True))
    ClientMandate.objects.get_or_create(
        licensee=licensee,
        client=client,
        defaults={
            "power_of_attorney": "bench/valtakirja.pdf",
            "power_of_attorney_name": "valtakirja.pdf",
            "power_of_attorney_sha256": "0" * 64,
            "starts_on": today - timedelta(days=30),
            "created_by": by,
        },
    )


def _complete_fields() -> dict:
    codes = portal_attr("SECURITY_THEME_CODES", "applications.catalogue", default=[])
    product = Product.objects.filter(code="KYSELYRAJAPINTA").first() or Product.objects.first()
    purpose = Purpose.objects.filter(code="PERINTA").first() or Purpose.objects.first()
    contact = {"name": "Vastuu Henkilö", "email": "vastuu@example.test", "phone": "+358 40 123 4567"}
    return {
        "product": product,
        "purpose": purpose,
        "purpose_description": "Saatavien perintä asiakkailta, joiden osoite on muuttunut.",
        "legal_basis": "Laki saatavien perinnästä (513/1999).",
        "use_description": TEXT,
        "access_description": TEXT,
        "storage_description": TEXT,
        "retention_description": TEXT,
        "onward_disclosure": "Ei luovutuksia.",
        "security_report": {code: TEXT for code in codes},
        "system_description": TEXT,
        "integration_method": TEXT,
        "hosting_description": TEXT,
        "test_environment": TEXT,
        **{
            f"{role}_{part}": value
            for role in ("responsible", "technical", "deputy")
            for part, value in contact.items()
        },
    }


def _application(
    organisation: Organisation,
    by: User,
    marker: str,
    *,
    attachments: int,
    filed_by: Organisation | None = None,
    status: str = ApplicationStatus.DRAFT,
    submitted_at: datetime | None = None,
) -> Application:
    """A complete application; `marker` (kept in the technical contact's phone field) finds it again."""
    tag = f"bench:{marker}"
    found = Application.objects.filter(organisation=organisation, deputy_phone=tag).first()
    if found:
        return found
    application = Application.objects.create(
        organisation=organisation,
        filed_by=filed_by,
        created_by=by,
        status=status,
        submitted_at=submitted_at,
        **{**_complete_fields(), "deputy_phone": tag},
    )
    groups = DataGroup.objects.filter(is_active=True).order_by("sort_order", "code")[:3]
    RequestedDataGroup.objects.bulk_create(
        RequestedDataGroup(application=application, data_group=group, justification=JUSTIFICATION)
        for group in groups
    )
    Attachment.objects.bulk_create(
        Attachment(
            application=application,
            description=f"Liite {n}",
            display_name=f"liite-{n:02d}.pdf",
            file=f"bench/liite-{n:02d}.pdf",
            content_type="application/pdf",
            size=10_000 + n,
            sha256=f"{n:064x}",
            uploaded_by=by,
        )
        for n in range(1, attachments + 1)
    )
    return application


def _snapshot(application: Application) -> dict:
    snapshot = portal_attr("snapshot", "applications.completeness")
    return snapshot(application)


def decision_due(submitted_at: datetime) -> date:
    rule = portal_attr("decision_due_for", "permits.deadlines", "permits.services.deadlines", default=None)
    if rule is not None:
        return rule(submitted_at)
    return timezone.localdate(submitted_at) + relativedelta(months=settings.DECISION_TARGET_MONTHS)


def _case(organisation: Organisation, signatory: User, officer: User, name: str, *, events: int) -> Permit:
    """A case under negotiation with `events` events; the rows that pages list grow with it.

    5 events: one supplement request answered (so two application versions and receipts), one message,
    meeting, note and attachment. 200 events: 19 supplement requests answered (20 versions), the maximum of
    20 attachments, 60 messages, 10 meetings, 20 notes, and reassignments to make up the 200.
    """
    reference = f"{SUBJECT_PREFIX}{name}"
    found = Permit.objects.filter(reference=reference).first()
    if found:
        return found
    large = events > SMALL_EVENTS
    supplements, messages, meetings, notes = (19, 60, 10, 20) if large else (1, 1, 1, 1)
    submitted_at = timezone.now() - timedelta(days=30)
    application = _application(
        organisation,
        signatory,
        name,
        attachments=20 if large else 1,
        status=ApplicationStatus.SUBMITTED,
        submitted_at=submitted_at,
    )
    permit = Permit.objects.create(
        application=application,
        reference=reference,
        state=PermitState.NEGOTIATION,
        submitted_at=submitted_at,
        decision_due=decision_due(submitted_at),
        assigned_to=officer,
        last_activity_at=timezone.now(),
        revision=events,
    )
    snapshot = _snapshot(application)
    ApplicationVersion.objects.bulk_create(
        ApplicationVersion(
            application=application,
            number=n,
            submitted_at=submitted_at + timedelta(days=n - 1),
            submitted_by=signatory,
            snapshot={**snapshot, "purpose_description": f"{snapshot['purpose_description']} Versio {n}."},
        )
        for n in range(1, supplements + 2)
    )
    PermitDocument.objects.bulk_create(
        PermitDocument(
            permit=permit,
            kind=DocumentKind.RECEIPT,
            version_number=n,
            language="fi",
            file=f"bench/receipt-{name}-{n}.pdf",
            sha256=f"{n:064x}",
        )
        for n in range(1, supplements + 2)
    )
    SupplementRequest.objects.bulk_create(
        SupplementRequest(
            permit=permit,
            officer=officer,
            message=f"Täydennä kohta {n}: {TEXT}",
            sections=REOPENED,
            respond_by=timezone.localdate() - timedelta(days=20 - n),
            state=SupplementState.ANSWERED,
            response=f"Vastaus {n}: {TEXT}",
            responded_by=signatory,
            responded_at=submitted_at + timedelta(days=n),
        )
        for n in range(1, supplements + 1)
    )
    NegotiationMessage.objects.bulk_create(
        NegotiationMessage(
            permit=permit,
            author=officer if n % 2 else signatory,
            from_authority=bool(n % 2),
            body=f"Viesti {n}: {TEXT}",
        )
        for n in range(1, messages + 1)
    )
    Meeting.objects.bulk_create(
        Meeting(
            permit=permit,
            held_on=timezone.localdate() - timedelta(days=n),
            participants="Bench Officer, Bench Signatory",
            summary=f"Kokous {n}: {TEXT}",
            recorded_by=officer,
        )
        for n in range(1, meetings + 1)
    )
    InternalNote.objects.bulk_create(
        InternalNote(permit=permit, author=officer, body=f"Muistiinpano {n}: {TEXT}")
        for n in range(1, notes + 1)
    )
    PermitEvent.objects.bulk_create(
        _events(
            permit,
            signatory,
            officer,
            events,
            supplements=supplements,
            messages=messages,
            meetings=meetings,
            notes=notes,
        )
    )
    return permit


def _events(
    permit: Permit,
    signatory: User,
    officer: User,
    total: int,
    *,
    supplements: int,
    messages: int,
    meetings: int,
    notes: int,
) -> list[PermitEvent]:
    """Exactly `total` events in a plausible order (what each row's action makes the timeline show)."""
    S = PermitState

    def event(
        action: str, actor: User, before: str = "", after: str = "", visible: bool = True
    ) -> PermitEvent:
        return PermitEvent(
            permit=permit,
            actor=actor,
            action=action,
            from_state=before,
            to_state=after,
            visible_to_applicant=visible,
            note=TEXT if action in {"note_added", "meeting_recorded"} else "",
        )

    rows = [event("submitted", signatory, "", S.SUBMITTED), event("assigned", officer, visible=False)]
    for _ in range(supplements):
        rows.append(event("supplement_requested", officer, S.SUBMITTED, S.SUPPLEMENT_REQUESTED))
        rows.append(event("supplement_answered", signatory, S.SUPPLEMENT_REQUESTED, S.SUBMITTED))
    rows.append(event("negotiation_started", officer, S.SUBMITTED, S.NEGOTIATION))
    if len(rows) < total:
        for n in range(1, messages + 1):
            rows.append(
                event("authority_message" if n % 2 else "applicant_message", officer if n % 2 else signatory)
            )
        rows.extend(event("meeting_recorded", officer) for _ in range(meetings))
        rows.extend(event("note_added", officer, visible=False) for _ in range(notes))
    while len(rows) < total:
        rows.append(event("assigned", officer, visible=False))
    return rows[:total]


def _decided_case(organisation: Organisation, signatory: User, officer: User, decider: User) -> Decision:
    """A granted case with its made decision: what the decision PDF shows."""
    reference = f"{SUBJECT_PREFIX}GRANTED"
    found = Decision.objects.filter(permit__reference=reference).first()
    if found:
        return found
    now = timezone.now()
    submitted_at = now - timedelta(days=80)
    application = _application(
        organisation,
        signatory,
        "GRANTED",
        attachments=1,
        status=ApplicationStatus.SUBMITTED,
        submitted_at=submitted_at,
    )
    ApplicationVersion.objects.create(
        application=application,
        number=1,
        submitted_at=submitted_at,
        submitted_by=signatory,
        snapshot=_snapshot(application),
    )
    today = timezone.localdate()
    validity = {"valid_from": today, "valid_until": today + timedelta(days=3 * 365)}
    conditions = "\n\n".join(f"{n}. {TEXT}" for n in range(1, 9))
    permit = Permit.objects.create(
        application=application,
        reference=reference,
        state=PermitState.GRANTED,
        submitted_at=submitted_at,
        decision_due=decision_due(submitted_at),
        assigned_to=officer,
        decided_at=now,
        last_activity_at=now,
        conditions=conditions,
        **validity,
    )
    groups = [requested.data_group for requested in application.requested_groups.select_related("data_group")]
    permit.granted_groups.set(groups)
    decision = Decision.objects.create(
        permit=permit,
        kind=DecisionKind.GRANT,
        presenter=officer,
        conditions=conditions,
        reasons=TEXT,
        decision_maker=decider,
        decided_at=now,
        verification_code="BENCH-0000-0001",
        **validity,
    )
    decision.granted_groups.set(groups)
    PermitEvent.objects.bulk_create(
        [
            PermitEvent(permit=permit, actor=signatory, action="submitted", to_state=PermitState.SUBMITTED),
            PermitEvent(
                permit=permit,
                actor=decider,
                action="decision_granted",
                from_state=PermitState.SUBMITTED,
                to_state=PermitState.GRANTED,
            ),
        ]
    )
    return decision


def business_id(number: int) -> str | None:
    """The valid Business ID with these seven digits, or None when no check digit exists for them."""
    digits = f"{number:07d}"
    check = business_id_check_digit(digits)
    return None if check is None else f"{digits}-{check}"
