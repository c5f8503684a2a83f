"""A client ends a framework licensee's mandate; the power of attorney behind a mandate is handed out.

Ending a mandate lives here, not in accounts, because it writes on the timeline of every case the licensee
filed for the client. From the moment it ends the licensee's members see none of those cases (the access
rules in accounts/mandates.py ask for a mandate in force); the cases themselves stay the client's.
"""

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.access import is_org_admin
from accounts.audit import audit
from accounts.models import ClientMandate, Membership, User
from accounts.services import PortalError
from notifications.models import NotificationKind
from notifications.services import notify
from permits.models import PermitEvent
from permits.selectors.mandates import cases_filed_under


@transaction.atomic
def mandate_end(*, mandate: ClientMandate, actor: User) -> ClientMandate:
    """An administrator of the client ends the licensee's mandate, at once.

    The mandate row is locked, so that of two administrators ending it at the same moment one succeeds and
    the other is told it has already ended (409). Every case the licensee filed for the client records the
    end on its timeline (shown to the applicant, naming the licensee); the audit trail records it once; each
    administrator of the licensee is told, in their own language.
    """
    mandate = (
        ClientMandate.objects.select_for_update(of=("self",))
        .select_related("licensee", "client")
        .get(pk=mandate.pk)
    )
    if not is_org_admin(actor, mandate.client):
        raise PortalError(
            _("Only an administrator of %(client)s can end the mandate.") % {"client": mandate.client.name},
            status=403,
        )
    if mandate.ended_at is not None:
        raise PortalError(
            _("The mandate already ended on %(date)s.")
            % {"date": date_format(timezone.localdate(mandate.ended_at), "SHORT_DATE_FORMAT")},
            status=409,
        )
    licensee = mandate.licensee
    mandate.ended_at = timezone.now()
    mandate.ended_by = actor
    mandate.save(update_fields=["ended_at", "ended_by"])
    cases = cases_filed_under(mandate)
    PermitEvent.objects.bulk_create(
        PermitEvent(
            permit=permit,
            actor=actor,
            action="mandate_ended",
            visible_to_applicant=True,
            note=f"{licensee.name} ({licensee.business_id})",
        )
        for permit in cases
    )
    audit(
        actor=actor,
        action="client_mandate_ended",
        target=mandate,
        organisation=mandate.client,
        licensee=licensee.business_id,
        cases=[permit.reference for permit in cases],
    )
    _tell_the_licensee(mandate)
    return mandate


def _tell_the_licensee(mandate: ClientMandate) -> None:
    """One notification for each administrator of the licensee, keyed by the mandate and the person."""
    link = settings.SITE_URL + reverse("accounts:organisation", args=[mandate.licensee.uuid])
    admins = (
        Membership.objects.admins()
        .filter(organisation_id=mandate.licensee_id, user__is_active=True)
        .select_related("user")
        .order_by("user_id")
    )
    for membership in admins:
        user = membership.user
        notify(
            kind=NotificationKind.CASE_EVENT,
            template="mandate_ended",
            context={"mandate": mandate, "client": mandate.client, "licensee": mandate.licensee},
            language=user.language,
            key=f"mandate_ended:{mandate.uuid}:{user.pk}",
            link=link,
            user=user,
        )


def power_of_attorney_open(*, mandate: ClientMandate, user: User) -> File:
    """Open the mandate's power of attorney for download; a staff member's view is audited."""
    handle = mandate.power_of_attorney.open("rb")
    if user.is_staff:
        try:
            audit(
                actor=user,
                action="power_of_attorney_viewed",
                target=mandate,
                organisation=mandate.client,
                licensee=mandate.licensee.business_id,
            )
        except BaseException:
            handle.close()
            raise
    return handle
