"""Decisions with four eyes, the decision PDF, and what follows a grant (terms, testing, production).

A presenting officer drafts a decision (a grant or a rejection); a decision maker who is someone else
makes it. Making it runs the transition, gives the decision an unguessable verification code and queues
its PDF (in the applicant's language) after commit. After a grant the holder's signatory accepts the
terms in force, an officer opens testing, the signatory reports the tests done and an officer confirms
production. A decision maker may revoke a permit in force; the daily sweep expires those past validity.

Every service here goes through `permits.workflow.change_case` (lock, stale-form check, right → 403,
state → 409, one PermitEvent and one audit row). The forms of these actions and the context of the two
case-page partials (`_officer_decision.html`, `_applicant_permit.html`) live here too.
"""

import hashlib
import secrets
from collections.abc import Callable, Iterable
from datetime import date
from functools import partial
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.audit import audit
from accounts.models import User
from accounts.rules import is_decision_maker, is_officer
from accounts.services import PortalError
from applications.models import DataGroup, TermsVersion
from permits.display import plain_state
from permits.models import (
    DECIDABLE,
    IN_FORCE,
    Decision,
    DecisionKind,
    DocumentKind,
    Permit,
    PermitDocument,
    PermitEvent,
)
from permits.models import PermitState as S
from permits.pdf import render_pdf
from permits.rules import signs_for_holder
from permits.selectors.decisions import (
    CODE_ALPHABET,
    CODE_LENGTH,
    pending_draft,
    requested_groups,
    verify_url,
)
from permits.services.amendments import amendment_apply, ensure_first_version
from permits.workflow import change_case, enqueue

TEXT_MAX_LENGTH = 10000


# The conditions that domain.md says every permit repeats; a grant draft starts from them.
STANDARD_CONDITIONS = [
    gettext_lazy("The data is not public."),
    gettext_lazy("The data may not be disclosed onward to third parties unless a law allows it."),
    gettext_lazy("The data may be stored in the holder's own register only where a law allows it."),
    gettext_lazy("The agency may demand a written account of the security of the data."),
    gettext_lazy(
        "Every query must be traceable to a named end user, and the holder keeps that trace for five years."
    ),
    gettext_lazy("Fees follow the agency's yearly fee decree."),
]


FOUR_EYES_REFUSAL = gettext_lazy("You drafted this decision; another decision maker must make it.")


def new_verification_code() -> str:
    """A fresh, unused code such as `K7QM-2XRD-9HWA`, typable from a printed decision."""
    while True:
        raw = "".join(secrets.choice(CODE_ALPHABET) for _position in range(CODE_LENGTH))
        code = "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))
        if not Decision.objects.filter(verification_code=code).exists():
            return code


def _wrong_state(state: str) -> PortalError:
    return PortalError(
        _("This cannot be done while the case is in the state: %(state)s.") % {"state": plain_state(state)},
        status=409,
    )


def _require_state(states: Iterable[str], then: Callable[[Permit], None] | None = None):
    """A `before_save` for an action without a transition: refuse it (409) outside `states`."""
    allowed = set(states)

    def check(locked: Permit) -> None:
        if locked.state not in allowed:
            raise _wrong_state(locked.state)
        if then:
            then(locked)

    return check


def _lock(permit: Permit) -> Permit:
    """Lock the case first when a service reads rows that hang off it (drafts) before `change_case`."""
    return Permit.objects.select_for_update(of=("self",)).get(pk=permit.pk)


def _draft(
    *,
    permit: Permit,
    presenter: User,
    revision: int | None,
    action: str,
    check: Callable[[Permit], None],
    **fields: Any,
) -> Decision:
    """Record a new pending draft, discarding the previous one; the case's state does not change."""
    _lock(permit)
    previous = pending_draft(permit)
    locked, _event = change_case(
        permit=permit,
        actor=presenter,
        action=action,
        allowed=is_officer(presenter),
        refusal=_("Only an officer of the agency can draft a decision."),
        revision=revision,
        visible_to_applicant=False,
        before_save=_require_state(DECIDABLE, check),
        replaces=previous.uuid if previous else None,
    )
    if previous:
        previous.discarded_at = timezone.now()
        previous.save(update_fields=["discarded_at"])
    groups = fields.pop("granted_groups", None)
    decision = Decision.objects.create(permit=locked, presenter=presenter, **fields)
    if groups is not None:
        decision.granted_groups.set(groups)
    return decision


@transaction.atomic
def decision_draft_grant(
    *,
    permit: Permit,
    presenter: User,
    revision: int | None,
    granted_groups: Iterable[DataGroup],
    conditions: str,
    valid_from: date,
    valid_until: date | None,
) -> Decision:
    """Draft a grant: the data groups granted (a subset of those requested), conditions and validity.

    A new draft replaces the pending one. The applicant does not see drafts.
    """
    groups = list(granted_groups)
    conditions = conditions.strip()

    def check(locked: Permit) -> None:
        if not groups:
            raise PortalError(_("Choose at least one data group to grant."), status=400)
        allowed_ids = set(requested_groups(locked).values_list("pk", flat=True))
        if any(group.pk not in allowed_ids for group in groups):
            raise PortalError(_("Only data groups that the applicant requested can be granted."), status=400)
        if not conditions:
            raise PortalError(_("Write the conditions of the permit."), status=400)
        if valid_until and valid_until < valid_from:
            raise PortalError(_("The permit cannot end before it starts."), status=400)

    return _draft(
        permit=permit,
        presenter=presenter,
        revision=revision,
        action="grant_drafted",
        check=check,
        kind=DecisionKind.GRANT,
        granted_groups=groups,
        conditions=conditions,
        valid_from=valid_from,
        valid_until=valid_until,
    )


@transaction.atomic
def decision_draft_reject(*, permit: Permit, presenter: User, revision: int | None, reasons: str) -> Decision:
    """Draft a rejection with its reasons. A new draft replaces the pending one."""
    reasons = reasons.strip()

    def check(locked: Permit) -> None:
        if not reasons:
            raise PortalError(_("Write the reasons for the rejection."), status=400)

    return _draft(
        permit=permit,
        presenter=presenter,
        revision=revision,
        action="rejection_drafted",
        check=check,
        kind=DecisionKind.REJECT,
        reasons=reasons,
    )


@transaction.atomic
def decision_discard(*, permit: Permit, officer: User, revision: int | None, note: str = "") -> Decision:
    """Set the pending draft aside (a decision maker returns it, or its presenter withdraws it)."""
    _lock(permit)
    draft = pending_draft(permit)

    def check(locked: Permit) -> None:
        if draft is None:
            raise PortalError(_("There is no drafted decision."), status=409)

    change_case(
        permit=permit,
        actor=officer,
        action="draft_discarded",
        allowed=is_officer(officer),
        refusal=_("Only an officer of the agency can discard a draft decision."),
        revision=revision,
        note=note.strip(),
        visible_to_applicant=False,
        before_save=check,
        decision=draft.uuid if draft else None,
    )
    if draft is None:  # not reached: check() has refused it inside change_case
        raise PortalError(_("There is no drafted decision."), status=409)
    draft.discarded_at = timezone.now()
    draft.save(update_fields=["discarded_at"])
    return draft


@transaction.atomic
def decision_make(*, permit: Permit, decision_maker: User, revision: int | None) -> Decision:
    """Make the pending draft the case's decision: grant or reject. The presenter may not make it.

    A grant copies the granted data groups, conditions and validity onto the permit. The decision gets
    its verification code; its PDF is rendered after commit and the applicant is notified.
    """
    _lock(permit)
    draft = pending_draft(permit)
    right = is_decision_maker(decision_maker)
    own = draft is not None and draft.presenter_id == decision_maker.pk
    now = timezone.now()

    def apply(locked: Permit) -> None:
        if draft is None:
            raise PortalError(_("There is no drafted decision to make."), status=409)
        if draft.kind == DecisionKind.GRANT:
            locked.conditions = draft.conditions
            locked.valid_from = draft.valid_from
            locked.valid_until = draft.valid_until

    granting = draft is not None and draft.kind == DecisionKind.GRANT
    locked, _event = change_case(
        permit=permit,
        actor=decision_maker,
        action="decision_granted" if granting else "decision_rejected",
        allowed=right and not own,
        refusal=str(FOUR_EYES_REFUSAL) if right else _("Only a decision maker can make the decision."),
        revision=revision,
        transition=None if draft is None else ("grant" if granting else "reject"),
        transition_kwargs={"at": now},
        note="" if granting or draft is None else draft.reasons,
        notify=True,
        before_save=apply,
        decision=draft.uuid if draft else None,
    )
    if draft is None:  # not reached: apply() has refused it inside change_case
        raise PortalError(_("There is no drafted decision to make."), status=409)
    if granting:
        locked.granted_groups.set(draft.granted_groups.all())
    draft.decision_maker = decision_maker
    draft.decided_at = now
    draft.verification_code = new_verification_code()
    draft.save(update_fields=["decision_maker", "decided_at", "verification_code"])
    if granting:
        if locked.application.amends_id:
            amendment_apply(case=locked, decision=draft, actor=decision_maker)
        else:
            ensure_first_version(locked)
    decision_id = draft.pk
    transaction.on_commit(lambda: enqueue("permits.tasks.render_decision", decision_id))
    return draft


def decision_pdf_create(decision: Decision) -> PermitDocument:
    """Render and store the PDF of a made decision in the applicant's language; once per decision."""

    code = decision.verification_code
    if code is None:
        raise ValueError("A decision that has not been made has no PDF.")
    permit = decision.permit
    application = permit.application
    version = application.versions.order_by("-number").first()
    number = version.number if version else 1
    kind = DocumentKind.DECISION
    existing = PermitDocument.objects.filter(permit=permit, kind=kind, version_number=number).first()
    if existing:
        return existing
    # The applicant's language: that of the person who started the application.
    language = application.created_by.language
    context = {
        "permit": permit,
        "decision": decision,
        "application": application,
        "organisation": application.organisation,
        "licensee": application.filed_by,
        "granted_groups": list(decision.granted_groups.order_by("sort_order", "code")),
        "verify_url": verify_url(code),
    }
    pdf = render_pdf("pdf/decision.html", context, language=language)
    document = PermitDocument(
        permit=permit,
        kind=kind,
        version_number=number,
        language=language,
        sha256=hashlib.sha256(pdf).hexdigest(),
    )
    document.file.save(f"{secrets.token_urlsafe(24)}.pdf", ContentFile(pdf), save=False)
    try:
        with transaction.atomic():
            document.save()
    except IntegrityError:
        # Another worker stored it meanwhile: keep theirs.
        document.file.delete(save=False)
        return PermitDocument.objects.get(permit=permit, kind=kind, version_number=number)
    return document


@transaction.atomic
def permit_accept_terms(
    *, permit: Permit, user: User, revision: int | None, terms_version: TermsVersion
) -> Permit:
    """The holder's signatory accepts the terms version in force: who, when and which version are kept."""
    locked = _lock(permit)
    if locked.terms_accepted_at is not None and signs_for_holder(user, locked):
        raise PortalError(_("The terms of this permit have already been accepted."), status=409)
    in_force = TermsVersion.objects.in_force()

    def check(locked: Permit) -> None:
        if in_force is None or in_force.pk != terms_version.pk:
            raise PortalError(
                _("The terms changed while you were reading them. Read the version in force and accept it."),
                status=409,
            )

    locked, _event = change_case(
        permit=permit,
        actor=user,
        action="terms_accepted",
        allowed=signs_for_holder(user, permit),
        refusal=_("Only a signatory of the permit holder can accept the terms."),
        revision=revision,
        transition="accept_terms",
        transition_kwargs={"terms_version": terms_version, "by": user, "at": timezone.now()},
        note=_("Terms version %(version)s") % {"version": terms_version.version},
        notify=True,
        notify_officers=True,
        before_save=check,
        terms_version=terms_version.version,
    )
    return locked


@transaction.atomic
def permit_open_testing(*, permit: Permit, officer: User, revision: int | None, note: str) -> Permit:
    """Open testing once the terms are accepted, noting the test access given."""
    note = note.strip()

    def check(locked: Permit) -> None:
        if not note:
            raise PortalError(_("Note the test access given."), status=400)

    locked, _event = change_case(
        permit=permit,
        actor=officer,
        action="testing_opened",
        allowed=is_officer(officer),
        refusal=_("Only an officer of the agency can open testing."),
        revision=revision,
        transition="open_testing",
        transition_kwargs={"note": note},
        note=note,
        notify=True,
        before_save=check,
    )
    return locked


@transaction.atomic
def permit_report_tests(*, permit: Permit, user: User, revision: int | None, note: str = "") -> Permit:
    """The holder's signatory tells the agency that the tests are done."""
    now = timezone.now()

    def record(locked: Permit) -> None:
        if locked.tests_reported_at is not None:
            raise PortalError(_("The tests have already been reported done."), status=409)
        locked.tests_reported_at = now

    locked, _event = change_case(
        permit=permit,
        actor=user,
        action="tests_reported",
        allowed=signs_for_holder(user, permit),
        refusal=_("Only a signatory of the permit holder can report the tests done."),
        revision=revision,
        note=note.strip(),
        notify_officers=True,
        before_save=_require_state([S.TESTING], record),
    )
    return locked


@transaction.atomic
def permit_confirm_production(*, permit: Permit, officer: User, revision: int | None) -> Permit:
    """Confirm that the tests passed and production use may start; the applicant must have reported them."""

    def check(locked: Permit) -> None:
        if locked.tests_reported_at is None:
            raise PortalError(
                _("The permit holder has not reported the tests done yet; production cannot start."),
                status=409,
            )

    locked, _event = change_case(
        permit=permit,
        actor=officer,
        action="production_confirmed",
        allowed=is_officer(officer),
        refusal=_("Only an officer of the agency can confirm production use."),
        revision=revision,
        transition="confirm_production",
        transition_kwargs={"at": timezone.now()},
        notify=True,
        before_save=check,
    )
    return locked


@transaction.atomic
def permit_revoke(*, permit: Permit, decision_maker: User, revision: int | None, reasons: str) -> Permit:
    """Revoke a permit in force, with reasons the holder sees; only a decision maker may."""
    reasons = reasons.strip()

    def check(locked: Permit) -> None:
        if not reasons:
            raise PortalError(_("Write the reasons for revoking the permit."), status=400)

    locked, _event = change_case(
        permit=permit,
        actor=decision_maker,
        action="permit_revoked",
        allowed=is_decision_maker(decision_maker),
        refusal=_("Only a decision maker can revoke a permit."),
        revision=revision,
        transition="revoke",
        transition_kwargs={"at": timezone.now()},
        note=reasons,
        notify=True,
        before_save=check,
    )
    return locked


EXPIRE_BATCH = 500


def _notify_all(event_ids: list[int]) -> None:
    for event_id in event_ids:
        enqueue("permits.tasks.notify_applicant", event_id)


def permits_expire_due(*, today: date) -> int:
    """Expire every permit in force whose validity ended before `today`; return how many.

    Set-based in batches: one UPDATE and one bulk INSERT of events per batch, and one audit row per case
    (the audit chain is appended row by row). Rows another transaction holds are skipped and left for
    the next run; an expired permit no longer matches, so running the sweep twice expires nothing twice.
    """
    total = 0
    while True:
        with transaction.atomic():
            ids = list(
                Permit.objects.select_for_update(skip_locked=True)
                .filter(state__in=IN_FORCE, valid_until__lt=today)
                .order_by("pk")
                .values_list("pk", flat=True)[:EXPIRE_BATCH]
            )
            if not ids:
                return total
            cases = list(
                Permit.objects.filter(pk__in=ids).select_related("application__organisation").order_by("pk")
            )
            now = timezone.now()
            Permit.objects.filter(pk__in=ids).update(
                state=S.EXPIRED, closed_at=now, last_activity_at=now, revision=F("revision") + 1
            )
            events = PermitEvent.objects.bulk_create(
                PermitEvent(
                    permit=case,
                    action="permit_expired",
                    from_state=case.state,
                    to_state=S.EXPIRED,
                    note="",
                    visible_to_applicant=True,
                )
                for case in cases
            )
            for case in cases:
                audit(
                    actor=None,
                    action="case_permit_expired",
                    target=case,
                    organisation=case.application.organisation,
                    reference=case.reference,
                    from_state=case.state,
                    to_state=S.EXPIRED,
                    valid_until=case.valid_until,
                )
            transaction.on_commit(partial(_notify_all, [event.pk for event in events]))
            total += len(cases)
