"""Framework licensees: starting an application for a client, and the client's commitment to it.

A licensee's member starts the application for an existing client (a mandate in force) or a new one: the
client organisation, the mandate with its power of attorney and, for a client nobody represents in the
portal yet, an invitation for its representative (who becomes its administrator and signatory) are
created with the draft. The licensee prepares the whole application; the client's signatory reviews it
and confirms it (`ClientCommitment`, keeping the application as confirmed); only that very content can be
submitted, so an edit after the confirmation needs a new one.
"""

import secrets
import time
from datetime import date, timedelta

from django.conf import settings
from django.core import signing
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit
from accounts.mandates import is_licensee_acting, valid_licence
from accounts.models import (
    ClientMandate,
    Membership,
    MembershipRole,
    Organisation,
    OrganisationKind,
    User,
)
from accounts.services import PortalError, invitation_send
from accounts.validators import normalise_business_id
from applications.completeness import missing_items, snapshot
from applications.models import Application, ApplicationStatus, ClientCommitment
from applications.selectors.licensing import (
    active_clients,
    client_signatories,
    commitment_is_current,
    content_hash,
    is_client_signatory,
    no_signatory_message,
)
from applications.uploads import checked_upload
from notifications.models import Notification, NotificationKind
from notifications.services import notify


def _require_licensee(user: User, licensee: Organisation) -> None:
    if user.is_staff or not Membership.objects.filter(organisation=licensee, user=user).exists():
        raise PortalError(
            _("Only members of the licensee may start applications for its clients."), status=403
        )
    if valid_licence(licensee) is None:
        raise PortalError(
            _("%(name)s holds no framework licence valid today.") % {"name": licensee.name}, status=403
        )


@transaction.atomic
def application_start_for_client(
    *,
    licensee: Organisation,
    user: User,
    client: Organisation | None = None,
    business_id: str = "",
    name: str = "",
    representative_email: str = "",
    power_of_attorney: UploadedFile | None = None,
    mandate_ends_on: date | None = None,
) -> Application:
    """Start a draft for a client of `licensee`; for a new client, register it and its mandate first."""
    _require_licensee(user, licensee)
    if client is not None:
        if client.pk not in {c.pk for c in active_clients(licensee)}:
            raise PortalError(_("You hold no mandate in force for this client."), status=403)
    else:
        client = _register_client(
            licensee=licensee,
            user=user,
            business_id=business_id,
            name=name,
            representative_email=representative_email,
            power_of_attorney=power_of_attorney,
            ends_on=mandate_ends_on,
        )
    application = Application.objects.create(organisation=client, created_by=user, filed_by=licensee)
    audit(
        actor=user,
        action="application_created",
        target=application,
        organisation=client,
        filed_by=licensee.business_id,
    )
    return application


def _register_client(
    *,
    licensee: Organisation,
    user: User,
    business_id: str,
    name: str,
    representative_email: str,
    power_of_attorney: UploadedFile | None,
    ends_on: date | None,
) -> Organisation:
    """The client organisation (created if new), a mandate in force, and the representative's invitation."""
    if power_of_attorney is None:
        raise PortalError(_("Attach the client's power of attorney."), status=400)
    business_id = normalise_business_id(business_id)
    if business_id == licensee.business_id:
        raise PortalError(_("A licensee cannot be its own client."), status=400)
    client = Organisation.objects.select_for_update().filter(business_id=business_id).first()
    if client is None:
        client = Organisation.objects.create(
            name=name.strip(),
            business_id=business_id,
            kind=OrganisationKind.COMPANY,
            contact_email=representative_email.strip().lower(),
        )
        audit(actor=user, action="organisation_registered_for_client", target=client, organisation=client)
    if ClientMandate.objects.filter(licensee=licensee, client=client, ended_at=None).exists():
        raise PortalError(
            _("You already hold a mandate for %(name)s: choose it from your clients.")
            % {"name": client.name},
            status=409,
        )
    check = checked_upload(power_of_attorney)
    mandate = ClientMandate(
        licensee=licensee,
        client=client,
        power_of_attorney_name=check.display_name,
        power_of_attorney_sha256=check.sha256,
        starts_on=timezone.localdate(),
        ends_on=ends_on,
        created_by=user,
    )
    mandate.power_of_attorney.save(
        f"{secrets.token_hex(16)}.{check.extension}", power_of_attorney, save=False
    )
    mandate.save()
    audit(
        actor=user,
        action="client_mandate_registered",
        target=mandate,
        organisation=client,
        licensee=licensee.business_id,
        sha256=check.sha256,
    )
    # Nobody represents the client in the portal yet: invite its representative as administrator and
    # signatory. An organisation that has members already manages its own people; it sees the mandate
    # on its page and may end it.
    if not client.memberships.exists():
        invitation_send(
            organisation=client,
            inviter=user,
            email=representative_email,
            role=MembershipRole.ADMIN,
            is_signatory=True,
        )
    return client


@transaction.atomic
def commitment_confirm(*, application: Application, user: User, seen_sha256: str = "") -> ClientCommitment:
    """The client's signatory confirms the licensee's prepared application as it now is.

    `seen_sha256` is the `content_hash` of the application as the page showed it to the signatory: if the
    licensee changed it meanwhile, nothing is confirmed (409), so a signatory never confirms unseen content.
    """
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.filed_by_id is None:
        raise PortalError(_("Only applications a licensee prepared are confirmed by the client."), status=409)
    if not is_client_signatory(user, application):
        raise PortalError(
            _("Only a signatory of the client organisation can confirm the application."), status=403
        )
    if application.status != ApplicationStatus.DRAFT:
        raise PortalError(_("This application has already been submitted."), status=409)
    if missing_items(application):
        raise PortalError(
            _("The application is not complete yet. Ask the licensee to complete it before you confirm it."),
            status=409,
        )
    content = snapshot(application)
    if seen_sha256 and content_hash(content) != seen_sha256:
        raise PortalError(
            _("The application changed while you were reviewing it. Review it again before you confirm it."),
            status=409,
        )
    commitment = ClientCommitment.objects.create(
        application=application, confirmed_by=user, snapshot=content, snapshot_sha256=content_hash(content)
    )
    audit(
        actor=user,
        action="application_confirmed_by_client",
        target=application,
        organisation=application.organisation,
        sha256=commitment.snapshot_sha256,
    )
    return commitment


# Kept as it was when the module was applications/licensing.py: links already sent are signed with it.
CONFIRMATION_REQUEST_SALT = "applications.licensing.confirmation_request"


# A page offering the button stays usable this long; after it the licensee reloads the page.
CONFIRMATION_REQUEST_MAX_AGE = timedelta(days=1)


def confirmation_request_token(application: Application) -> str:
    """A signed token for the "Ask the client to confirm" form: the application and when the page was shown."""
    return signing.dumps(
        {"a": str(application.uuid), "t": time.time_ns() // 1_000_000}, salt=CONFIRMATION_REQUEST_SALT
    )


@transaction.atomic
def confirmation_request(*, application: Application, user: User, asked_at: int) -> list[Notification]:
    """A member of the licensee asks the client's signatories to review and confirm the prepared draft.

    Each signatory gets one notification (in the portal, and by email as they choose) in their own
    language, keyed by the application, the signatory and `asked_at`, the signed time the page with the
    button was shown (`ConfirmationRequestForm`). So a double click, or a form sent twice, tells nobody
    twice, while asking again later, from the page shown afresh, does tell them again. The application row
    is locked: a second request from the same page waits for the first and then finds its notifications.
    """
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("organisation", "filed_by")
        .get(pk=application.pk)
    )
    if application.filed_by_id is None:
        raise PortalError(_("Only applications a licensee prepared are confirmed by the client."), status=409)
    if not is_licensee_acting(
        user, client_id=application.organisation_id, licensee_id=application.filed_by_id
    ):
        raise PortalError(
            _("Only members of the licensee that prepared the application can ask the client to confirm it."),
            status=403,
        )
    if application.status != ApplicationStatus.DRAFT:
        raise PortalError(_("This application has already been submitted."), status=409)
    if missing_items(application):
        raise PortalError(_("Complete the application before you ask the client to confirm it."), status=409)
    if commitment_is_current(application):
        raise PortalError(_("The client has already confirmed the application as it is now."), status=409)
    signatories = client_signatories(application)
    if not signatories:
        raise PortalError(no_signatory_message(application), status=409)
    keys = {s.pk: f"confirmation_request:{application.pk}:{s.pk}:{asked_at}" for s in signatories}
    already = list(Notification.objects.filter(idempotency_key__in=keys.values()))
    if already:
        return already
    url = settings.SITE_URL + reverse("applications:confirm", args=[application.uuid])
    written = []
    for signatory in signatories:
        notification = notify(
            kind=NotificationKind.SUBMISSION,
            template="confirmation_request",
            context={
                "application": application,
                "client": application.organisation,
                "licensee": application.filed_by,
                "asked_by": user,
                "confirm_url": url,
            },
            language=signatory.language,
            key=keys[signatory.pk],
            link=url,
            user=signatory,
        )
        if notification is not None:
            written.append(notification)
    audit(
        actor=user,
        action="client_confirmation_requested",
        target=application,
        organisation=application.organisation,
        recipients=[s.pk for s in signatories],
    )
    return written
