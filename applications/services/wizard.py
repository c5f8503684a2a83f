"""Every write to an application draft. Submission and everything after it live in permits.services."""

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.audit import audit
from accounts.models import Organisation, User
from accounts.services import PortalError
from applications.access import is_member
from applications.models import Application, Consultation, DataGroup, RequestedDataGroup

# What each wizard section may write; anything else posted is ignored.
SECTION_FIELDS = {
    "purpose": ["product", "purpose", "purpose_description", "legal_basis", "requested_valid_until"],
    "data-use": [
        "use_description",
        "access_description",
        "storage_description",
        "retention_description",
        "onward_disclosure",
    ],
    "security": ["security_report"],
    "technical": ["system_description", "integration_method", "hosting_description", "test_environment"],
    "contacts": [
        f"{role}_{part}"
        for role in ("responsible", "technical", "deputy")
        for part in ("name", "email", "phone")
    ],
}


COPIED_FIELDS = [name for fields in SECTION_FIELDS.values() for name in fields]


def _check_editable(application: Application, user: User, section: str) -> None:
    if not is_member(user, application):
        raise PortalError(
            _("Only members of the applicant organisation may edit the application."), status=403
        )
    if not application.is_editable(section):
        raise PortalError(_("The application has been submitted and can no longer be changed."), status=409)


@transaction.atomic
def application_create(
    *, organisation: Organisation, user: User, consultation: Consultation | None = None
) -> Application:
    """Start a draft for the organisation, optionally referring to the consultation it came from."""
    if user.is_staff or not organisation.memberships.filter(user=user).exists():
        raise PortalError(_("Only members of the organisation may start an application for it."), status=403)
    if consultation is not None and consultation.organisation_id != organisation.pk:
        raise PortalError(_("The consultation belongs to another organisation."), status=400)
    application = Application.objects.create(
        organisation=organisation, created_by=user, consultation=consultation
    )
    audit(actor=user, action="application_created", target=application, organisation=organisation)
    return application


@transaction.atomic
def application_save_section(
    *, application: Application, user: User, section: str, data: dict
) -> Application:
    """Save one wizard section of a draft. `data` holds that section's cleaned values only."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    _check_editable(application, user, section)
    changed = []
    if section == "data-groups":
        changed = _save_data_groups(application, data["data_groups"])
    else:
        for name in SECTION_FIELDS[section]:
            if name in data and getattr(application, name) != data[name]:
                setattr(application, name, data[name])
                changed.append(name)
    application.save()  # also moves updated_at, so "last saved" is right even when nothing changed
    if changed:
        audit(
            actor=user,
            action="application_saved",
            target=application,
            organisation=application.organisation,
            section=section,
            fields=changed,
        )
    return application


def _save_data_groups(application: Application, justifications: dict[str, str]) -> list[str]:
    existing = {r.data_group.code: r for r in application.requested_groups.select_related("data_group")}
    groups = {g.code: g for g in DataGroup.objects.filter(code__in=justifications)}
    changed = []
    for code, row in existing.items():
        if code not in justifications:
            row.delete()
            changed.append(f"-{code}")
    for code, justification in justifications.items():
        current = existing.get(code)
        if current is None:
            RequestedDataGroup.objects.create(
                application=application, data_group=groups[code], justification=justification
            )
            changed.append(f"+{code}")
        elif current.justification != justification:
            current.justification = justification
            current.save(update_fields=["justification"])
            changed.append(code)
    return changed


@transaction.atomic
def application_copy(*, application: Application, user: User) -> Application:
    """A new draft with the earlier application's contents (renewal), without its attachments."""
    if not is_member(user, application):
        raise PortalError(
            _("Only members of the applicant organisation may copy the application."), status=403
        )
    copy = Application.objects.create(
        organisation=application.organisation,
        created_by=user,
        renewal_of=application,
        **{name: getattr(application, name) for name in COPIED_FIELDS},
    )
    RequestedDataGroup.objects.bulk_create(
        RequestedDataGroup(application=copy, data_group_id=r.data_group_id, justification=r.justification)
        for r in application.requested_groups.all()
    )
    audit(
        actor=user,
        action="application_copied",
        target=copy,
        organisation=copy.organisation,
        copied_from=str(application.uuid),
    )
    return copy
