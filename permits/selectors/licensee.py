"""The framework licensee's dashboard: its clients, and for each the drafts and cases the licensee filed for
it that the licensee may still see, with their state and what is waiting for whom.

Everything is read in a fixed number of queries, however many clients and cases there are: the drafts'
completeness and the client's confirmation are worked out from prefetched rows (the licence's scope
included), never with a query per application.
"""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Exists, OuterRef, Prefetch
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _

from accounts.models import ClientMandate, FrameworkLicence, Organisation, User
from applications.access import applications_visible_to
from applications.completeness import missing_items, snapshot
from applications.models import Application, ClientCommitment, RequestedDataGroup
from applications.selectors.licensing import content_hash
from permits.access import permits_visible_to
from permits.display import next_step, plain_state
from permits.models import Permit, PermitState, SupplementRequest, SupplementState


@dataclass
class ClientItem:
    """One draft or case the licensee filed for the client."""

    title: str
    url: str
    is_case: bool
    state: str
    due: date | None
    waiting: str


@dataclass
class ClientEntry:
    """A client of the licensee: its mandates (newest first, each with `in_force`) and the visible items."""

    client: Organisation
    mandates: list[ClientMandate] = field(default_factory=list)
    items: list[ClientItem] = field(default_factory=list)

    @property
    def in_force(self) -> bool:
        # An annotation of _mandates, which mypy cannot see on the model (django-stubs refuses declaring
        # it there).
        return any(getattr(mandate, "in_force", False) for mandate in self.mandates)


def licence_with_scope(licensee: Organisation, today: date) -> FrameworkLicence | None:
    """The licensee's licence valid on `today` (the latest-starting one), with its scope prefetched."""
    return (
        FrameworkLicence.objects.valid_on(today)
        .filter(licensee=licensee)
        .order_by("-valid_from")
        .prefetch_related("products", "data_groups", "purposes")
        .first()
    )


def draft_waiting(application: Application, licence: FrameworkLicence) -> str:
    """Who the licensee's draft is waiting for: the licensee itself, the client, or a submission.

    Needs `requested_groups` (with their data groups), `attachments` and `commitments_newest_first`
    prefetched, and `licence` with its scope.
    """
    if missing_items(application, licence=licence):
        return _("The licensee completes the application.")
    # A prefetch's to_attr (see _drafts), which mypy cannot see on the model (django-stubs refuses
    # declaring it there).
    commitments: list[ClientCommitment] = getattr(application, "commitments_newest_first", [])
    if not commitments:
        return _("Waiting for the client's confirmation.")
    # As applications.selectors.licensing.commitment_is_current, from the prefetched commitments.
    if commitments[0].snapshot_sha256 != content_hash(snapshot(application)):
        return _("Changed after the client confirmed it: waiting for the client's confirmation again.")
    return _("Ready to submit: confirmed by the client.")


def case_waiting(permit: Permit) -> str:
    """Who the case is waiting for, from the licensee's side. Needs `open_supplements` prefetched."""
    if permit.state == PermitState.SUPPLEMENT_REQUESTED:
        # A prefetch's to_attr (see _cases), which mypy cannot see on the model (django-stubs refuses
        # declaring it there).
        open_supplements: list[SupplementRequest] = getattr(permit, "open_supplements", [])
        if open_supplements:
            return _("Answer the supplement request (reply by %(date)s).") % {
                "date": formats.date_format(open_supplements[0].respond_by, "SHORT_DATE_FORMAT")
            }
        return _("Answer the supplement request.")
    if permit.state == PermitState.GRANTED:
        return _("The client's signatory accepts the terms.")
    return str(next_step(permit.state))


def _mandates(licensee: Organisation, today: date) -> list[ClientMandate]:
    in_force = ClientMandate.objects.active_on(today).filter(pk=OuterRef("pk"))
    return list(
        ClientMandate.objects.filter(licensee=licensee)
        .select_related("client")
        .annotate(in_force=Exists(in_force))
        .order_by("client__name", "client_id", "-starts_on", "-created_at")
    )


def _drafts(user: User, licensee: Organisation) -> list[Application]:
    return list(
        applications_visible_to(user)
        .drafts()
        .filter(filed_by=licensee)
        .select_related("organisation", "filed_by", "product", "purpose")
        .prefetch_related(
            Prefetch("requested_groups", RequestedDataGroup.objects.select_related("data_group")),
            "attachments",
            Prefetch(
                "commitments",
                ClientCommitment.objects.defer("snapshot").order_by("-confirmed_at", "-id"),
                to_attr="commitments_newest_first",
            ),
        )
        .order_by("-updated_at", "-id")
    )


def _cases(user: User, licensee: Organisation) -> list[Permit]:
    return list(
        permits_visible_to(user)
        .filter(application__filed_by=licensee)
        .select_related("application__organisation", "application__product")
        .prefetch_related(
            Prefetch(
                "supplements",
                SupplementRequest.objects.filter(state=SupplementState.OPEN),
                to_attr="open_supplements",
            )
        )
        .order_by("-submitted_at", "-id")
    )


def licensee_clients(
    *, user: User, licensee: Organisation, licence: FrameworkLicence, today: date
) -> list[ClientEntry]:
    """The licensee's clients, those with a mandate in force first, each with its drafts and cases."""
    entries: dict[int, ClientEntry] = {}
    for mandate in _mandates(licensee, today):
        entries.setdefault(mandate.client_id, ClientEntry(mandate.client)).mandates.append(mandate)
    for draft in _drafts(user, licensee):
        entry = entries.setdefault(draft.organisation_id, ClientEntry(draft.organisation))
        entry.items.append(
            ClientItem(
                title=draft.product.name if draft.product else _("Product not chosen yet"),
                url=reverse("applications:step", args=[draft.uuid, "review"]),
                is_case=False,
                state=_("Draft"),
                due=None,
                waiting=draft_waiting(draft, licence),
            )
        )
    for permit in _cases(user, licensee):
        application = permit.application
        entry = entries.setdefault(application.organisation_id, ClientEntry(application.organisation))
        entry.items.append(
            ClientItem(
                title=permit.reference,
                url=reverse("permits:case", args=[permit.uuid]),
                is_case=True,
                state=str(plain_state(permit.state)),
                due=permit.decision_due if permit.is_in_processing else None,
                waiting=case_waiting(permit),
            )
        )
    return sorted(entries.values(), key=lambda entry: (not entry.in_force, entry.client.name.lower()))
