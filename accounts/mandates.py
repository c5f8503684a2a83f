"""Who acts for whom: an organisation's own members, and a framework licensee's members for its clients.

A licensee's members see and prepare the applications their organisation filed for a client only while
the client's mandate is in force and the licensee holds a valid framework licence; from the moment either
ends, the client's cases are invisible to them (404). They never see the client's other applications.
"""

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from accounts.models import ClientMandate, FrameworkLicence, Membership, Organisation, User


def acting_for(user: User, *, organisation: str, filed_by: str) -> Q:
    """Rows (by the paths to their organisation and to the licensee that filed them) `user` may act on."""
    member = Membership.objects.filter(user=user, organisation=OuterRef(organisation))
    mandate = ClientMandate.objects.active_on(timezone.localdate()).filter(
        licensee=OuterRef(filed_by),
        client=OuterRef(organisation),
        licensee__memberships__user=user,
    )
    return Q(Exists(member)) | Q(Exists(mandate))


def is_licensee_acting(user: User, *, client_id: int, licensee_id: int | None) -> bool:
    """Whether `user` is a member of `licensee_id` acting for `client_id` under a mandate in force."""
    if licensee_id is None or user.is_staff:
        return False
    return (
        ClientMandate.objects.active_on(timezone.localdate())
        .filter(licensee_id=licensee_id, client_id=client_id, licensee__memberships__user=user)
        .exists()
    )


def valid_licence(organisation: Organisation) -> FrameworkLicence | None:
    """The organisation's framework licence valid today (the latest-starting one), if it has one."""
    return (
        FrameworkLicence.objects.valid_on(timezone.localdate())
        .filter(licensee=organisation)
        .order_by("-valid_from")
        .first()
    )


def licensee_memberships(user: User) -> list[Membership]:
    """The user's memberships of organisations that hold a framework licence valid today."""
    licensed = FrameworkLicence.objects.valid_on(timezone.localdate()).filter(
        licensee=OuterRef("organisation")
    )
    return list(Membership.objects.filter(user=user).filter(Exists(licensed)).select_related("organisation"))


def licences_of(organisation: Organisation) -> list[FrameworkLicence]:
    """The organisation's framework licences, latest first, with their scope and `valid_today` set."""
    today = timezone.localdate()
    licences = list(
        organisation.framework_licences.order_by("-valid_from").prefetch_related(
            "products", "data_groups", "purposes"
        )
    )
    for licence in licences:
        licence.valid_today = licence.is_valid_on(today)
        licence.not_yet_valid = licence.valid_from > today
    return licences


def mandates_given_by(client: Organisation) -> list[ClientMandate]:
    """The client's mandates for licensees, latest first, each with `in_force` set (in force today, and
    its licensee holds a valid licence) and `expired` (its end date has passed without anyone ending it)."""
    today = timezone.localdate()
    in_force = ClientMandate.objects.active_on(today).filter(pk=OuterRef("pk"))
    mandates = list(
        client.licensee_mandates.annotate(in_force=Exists(in_force))
        .select_related("licensee")
        .order_by("-starts_on", "-created_at")
    )
    for mandate in mandates:
        mandate.expired = mandate.ended_at is None and mandate.ends_on is not None and mandate.ends_on < today
    return mandates
