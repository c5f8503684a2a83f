"""Decisions with four eyes, the decision PDF, and what follows a grant (terms, testing, production)."""

from accounts.models import User
from permits.models import Permit


def officer_decision_context(user: User, permit: Permit) -> dict:
    """What templates/permits/_officer_decision.html needs on the officers' case page."""
    return {}


def applicant_permit_context(user: User, permit: Permit) -> dict:
    """What templates/permits/_applicant_permit.html needs on the applicant's case page."""
    return {}
