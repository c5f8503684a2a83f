"""Reads about a permit's versions and amendments: the version history, an open amendment, who may amend."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Q
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy

from accounts.mandates import is_licensee_acting
from accounts.models import User
from applications.models import (
    Application,
    ApplicationStatus,
    DataGroup,
)
from permits.models import (
    IN_FORCE,
    IN_PROCESSING,
    Permit,
    PermitState,
    PermitVersion,
)
from permits.rules import is_signatory

FIELD_LABELS = {
    "product": gettext_lazy("Product"),
    "purpose": gettext_lazy("Purpose of use"),
    "purpose_description": gettext_lazy("Description of the purpose of use"),
    "data_groups": gettext_lazy("Data groups"),
    "conditions": gettext_lazy("Conditions"),
    "valid_from": gettext_lazy("Valid from"),
    "valid_until": gettext_lazy("Valid until"),
    "system_description": gettext_lazy("System using the data"),
    "integration_method": gettext_lazy("Integration method"),
    "hosting_description": gettext_lazy("Hosting"),
}


@dataclass(frozen=True)
class VersionChange:
    label: str
    before: str
    after: str
    added: list[str]
    removed: list[str]


@dataclass(frozen=True)
class VersionEntry:
    version: PermitVersion
    changes: list[VersionChange]


def _shown(field: str, value: object) -> str:
    if value in (None, ""):
        return "–"
    # Dates are ISO strings in the snapshots.
    if field in ("valid_from", "valid_until") and isinstance(value, str):
        return date_format(date.fromisoformat(value), "SHORT_DATE_FORMAT")
    return str(value)


def version_changes(before: dict, after: dict, names: dict[str, str]) -> list[VersionChange]:
    """Field by field, what `after` changed from `before`; data groups as added and removed names
    (`names`: data group code → name)."""
    changes = []
    for field, label in FIELD_LABELS.items():
        old, new = before.get(field), after.get(field)
        if old == new:
            continue
        if field == "data_groups":
            added = [names.get(code, code) for code in new or [] if code not in (old or [])]
            removed = [names.get(code, code) for code in old or [] if code not in (new or [])]
            changes.append(VersionChange(str(label), "", "", added, removed))
        else:
            changes.append(VersionChange(str(label), _shown(field, old), _shown(field, new), [], []))
    return changes


def version_history(permit: Permit) -> list[VersionEntry]:
    """The permit's versions, newest first, each with what it changed from the one before."""
    versions = list(permit.versions.select_related("source_case", "decision").order_by("number"))
    names = {group.code: group.name for group in DataGroup.objects.all()} if len(versions) > 1 else {}
    entries = []
    previous: dict | None = None
    for version in versions:
        entries.append(
            VersionEntry(version, version_changes(previous, version.snapshot, names) if previous else [])
        )
        previous = version.snapshot
    return entries[::-1]


def open_amendment(permit: Permit) -> Application | None:
    """The amendment or renewal of `permit` still open: a draft, or a case not yet decided."""
    return (
        Application.objects.filter(amends=permit)
        .filter(
            Q(status=ApplicationStatus.DRAFT) | Q(permit__state__in=[*IN_PROCESSING, PermitState.GRANTED])
        )
        .first()
    )


def may_amend(user: User, permit: Permit) -> bool:
    application = permit.application
    return not user.is_staff and (
        is_signatory(user, permit)
        or is_licensee_acting(
            user, client_id=application.organisation_id, licensee_id=application.filed_by_id
        )
    )


def amendment_context(user: User, permit: Permit) -> dict:
    """What the case pages show of amendments: the permit's versions, an open amendment, the buttons."""
    amended = permit.application.amends
    return {
        "permit_versions": version_history(permit) if permit.decided_at else [],
        "open_amendment": open_amendment(permit) if permit.state in IN_FORCE else None,
        "amends": amended,
        "can_amend": permit.state in IN_FORCE and amended is None and may_amend(user, permit),
    }
