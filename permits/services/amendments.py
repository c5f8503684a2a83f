"""Amendments and renewals of a permit in force, and the permit's versions.

An amendment (or a renewal) is an application prefilled from the permit as it now is; the holder edits
what changes and submits it, and it is processed as a case of its own (`<permit reference>/A<n>`, or
`/R<n>` for a renewal) with supplements, review and a four-eyes decision, while the permit stays in force.
Granting it writes a new `PermitVersion` of the permit it amends (data groups, purpose, conditions,
validity, technical description) and closes the amendment case as applied. The permit page shows each
version and, field by field, what it changed. One amendment or renewal at a time per permit.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit
from accounts.models import User
from accounts.services import PortalError
from applications.completeness import snapshot
from applications.models import (
    Application,
    ApplicationKind,
    RequestedDataGroup,
)
from applications.services.wizard import COPIED_FIELDS
from permits.models import (
    IN_FORCE,
    ChangeNotification,
    Decision,
    Permit,
    PermitEvent,
    PermitVersion,
)
from permits.notifications import case_event_notify
from permits.selectors.amendments import may_amend, open_amendment
from permits.workflow import change_case

TECHNICAL_FIELDS = ["system_description", "integration_method", "hosting_description"]


def terms_snapshot(permit: Permit, application: Application) -> dict:
    """What a permit version fixes: the decision's terms and the application's purpose and technology."""
    content = snapshot(application)
    return {
        "product": content["product"],
        "purpose": content["purpose"],
        "purpose_description": content["purpose_description"],
        "data_groups": sorted(permit.granted_groups.values_list("code", flat=True)),
        "conditions": permit.conditions,
        "valid_from": permit.valid_from.isoformat() if permit.valid_from else None,
        "valid_until": permit.valid_until.isoformat() if permit.valid_until else None,
        **{name: content[name] for name in TECHNICAL_FIELDS},
    }


def ensure_first_version(permit: Permit) -> None:
    """Version 1 of a granted permit: the terms of its original decision (written at the grant)."""
    if permit.versions.exists() or permit.decided_at is None:
        return
    decision = permit.decisions.filter(decided_at__isnull=False).order_by("decided_at").first()
    PermitVersion.objects.create(
        permit=permit, number=1, decision=decision, snapshot=terms_snapshot(permit, permit.application)
    )


@transaction.atomic
def amendment_start(
    *,
    permit: Permit,
    user: User,
    kind: str = ApplicationKind.AMENDMENT,
    change: ChangeNotification | None = None,
) -> Application:
    """Open an amendment (or renewal) of a permit in force, prefilled from the permit as it now is.

    The holder's signatory (or the licensee acting for the holder) starts it; so does an officer's "amendment
    required" on a change notification, on behalf of the person who filed the notification.
    """
    locked = Permit.objects.select_for_update(of=("self",)).select_related("application").get(pk=permit.pk)
    if kind not in (ApplicationKind.AMENDMENT, ApplicationKind.RENEWAL):
        raise PortalError(_("Choose an amendment or a renewal."), status=400)
    if change is None and not may_amend(user, locked):
        raise PortalError(
            _("Only a signatory of the permit holder can amend or renew the permit."), status=403
        )
    if locked.state not in IN_FORCE:
        raise PortalError(_("Only a permit in force can be amended or renewed."), status=409)
    if locked.application.amends_id is not None:
        raise PortalError(_("Amend the original permit, not an amendment case."), status=409)
    existing = open_amendment(locked)
    if existing is not None:
        raise PortalError(
            _(
                "An amendment or renewal of this permit is already open. Finish or withdraw it before "
                "starting another one."
            ),
            status=409,
        )
    source = locked.application
    draft = Application.objects.create(
        organisation=source.organisation,
        filed_by=source.filed_by,
        created_by=user,
        kind=kind,
        amends=locked,
        renewal_of=source,
        **{name: getattr(source, name) for name in COPIED_FIELDS},
    )
    justifications = dict(source.requested_groups.values_list("data_group_id", "justification"))
    RequestedDataGroup.objects.bulk_create(
        RequestedDataGroup(
            application=draft, data_group=group, justification=justifications.get(group.pk, "")
        )
        for group in locked.granted_groups.all()
    )
    ensure_first_version(locked)
    action = "renewal_started" if kind == ApplicationKind.RENEWAL else "amendment_started"
    event = PermitEvent.objects.create(
        permit=locked,
        actor=user,
        action=action,
        from_state=locked.state,
        to_state=locked.state,
        note=change.reference if change else "",
        visible_to_applicant=True,
    )
    audit(
        actor=user,
        action=action,
        target=draft,
        organisation=source.organisation,
        reference=locked.reference,
        change=change.reference if change else None,
    )
    if change is not None:
        case_event_notify(event)
    return draft


def amendment_for_change(change: ChangeNotification, officer: User) -> Application:
    """The amendment an officer requires after a change notification, opened for the person who filed it."""
    return amendment_start(permit=change.permit, user=change.filed_by, change=change)


def amendment_reference(application: Application) -> str:
    """`<permit reference>/A<n>` for the n-th amendment case of a permit, `/R<n>` for a renewal."""
    letter = "R" if application.kind == ApplicationKind.RENEWAL else "A"
    earlier = Permit.objects.filter(
        application__amends_id=application.amends_id, application__kind=application.kind
    ).count()
    amended = application.amends
    if amended is None:
        raise ValueError("Only an amendment or a renewal has an amendment reference.")
    return f"{amended.reference}/{letter}{earlier + 1}"


def amendment_apply(*, case: Permit, decision: Decision, actor: User) -> PermitVersion:
    """Write the granted amendment (or renewal) into the permit it amends as its next version.

    Runs in the decision's transaction. The amended permit takes the new terms (data groups, conditions,
    validity); the amendment case is closed as applied. The amended permit keeps its state.
    """
    amended_id = case.application.amends_id
    if amended_id is None:
        raise ValueError("Only an amendment or a renewal is applied to the permit it amends.")
    target = Permit.objects.select_for_update(of=("self",)).get(pk=amended_id)
    ensure_first_version(target)
    target.granted_groups.set(decision.granted_groups.all())
    target.conditions = decision.conditions
    target.valid_from = decision.valid_from or target.valid_from
    target.valid_until = decision.valid_until
    target.revision += 1
    target.last_activity_at = timezone.now()
    target.save(update_fields=["conditions", "valid_from", "valid_until", "revision", "last_activity_at"])
    number = (target.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    version = PermitVersion.objects.create(
        permit=target,
        number=number,
        decision=decision,
        source_case=case,
        snapshot=terms_snapshot(target, case.application),
    )
    event = PermitEvent.objects.create(
        permit=target,
        actor=actor,
        action="permit_amended",
        from_state=target.state,
        to_state=target.state,
        note=_("Version %(number)d, by decision in case %(reference)s")
        % {"number": number, "reference": case.reference},
        visible_to_applicant=True,
    )
    audit(
        actor=actor,
        action="permit_amended",
        target=target,
        organisation=case.application.organisation,
        reference=target.reference,
        version=number,
        amendment=case.reference,
    )
    case_event_notify(event)
    change_case(
        permit=case,
        actor=actor,
        action="amendment_applied",
        allowed=True,
        refusal="",
        transition="apply_to_permit",
        transition_kwargs={"at": timezone.now()},
        note=target.reference,
        visible_to_applicant=True,
    )
    return version
