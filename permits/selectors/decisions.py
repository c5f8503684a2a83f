"""Reads about decisions: the pending draft and the made decision of a case, the groups applied for, and
finding a decision by its verification code."""

import re
from dataclasses import dataclass
from operator import attrgetter

from django.conf import settings
from django.urls import reverse

from applications.models import DataGroup
from permits.models import (
    Decision,
    Permit,
)

# 32 symbols without the easily confused I, O, 0 and 1: 12 of them carry 60 random bits.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


CODE_LENGTH = 12


def normalise_verification_code(text: str) -> str | None:
    """The code in its stored form, whatever the case, spaces or hyphens typed; None if it cannot be one."""
    raw = re.sub(r"[\s\-]", "", text or "").upper()
    if len(raw) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in raw):
        return None
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def verify_url(code: str) -> str:
    """The public address that confirms a decision with this code."""
    return f"{settings.SITE_URL}{reverse('permits:verify')}?code={code}"


def decision_by_code(text: str) -> Decision | None:
    """The made decision with this verification code, or None."""
    code = normalise_verification_code(text)
    if code is None:
        return None
    return (
        Decision.objects.filter(verification_code=code, decided_at__isnull=False)
        .select_related("permit__application__organisation")
        .first()
    )


def requested_groups(permit: Permit):
    """The data groups the application asks for: the most a grant can give."""
    return DataGroup.objects.filter(requesteddatagroup__application_id=permit.application_id).order_by(
        "sort_order", "code"
    )


def pending_draft(permit: Permit) -> Decision | None:
    return (
        Decision.objects.filter(permit=permit, decided_at=None, discarded_at=None)
        .select_related("presenter")
        .prefetch_related("granted_groups")
        .first()
    )


@dataclass(frozen=True)
class CaseDecisions:
    """Every decision of a case, read in one query (two with their granted groups), as the pages show them."""

    draft: Decision | None  # pending: neither made nor discarded
    made: Decision | None  # the latest made decision
    discarded: list[Decision]  # earlier drafts, newest first


def case_decisions(permit: Permit) -> CaseDecisions:
    decisions = list(
        Decision.objects.filter(permit=permit)
        .select_related("presenter", "decision_maker")
        .prefetch_related("granted_groups")
        .order_by("-drafted_at", "-pk")
    )
    made = sorted(
        (d for d in decisions if d.decided_at is not None), key=attrgetter("decided_at"), reverse=True
    )
    return CaseDecisions(
        draft=next((d for d in decisions if d.decided_at is None and d.discarded_at is None), None),
        made=made[0] if made else None,
        discarded=[d for d in decisions if d.discarded_at is not None],
    )


def made_decision(permit: Permit) -> Decision | None:
    return (
        Decision.objects.filter(permit=permit, decided_at__isnull=False)
        .select_related("presenter", "decision_maker")
        .prefetch_related("granted_groups")
        .order_by("-decided_at")
        .first()
    )
