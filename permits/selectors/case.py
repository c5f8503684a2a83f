"""Reads for the officers' case page: the technical review checklist with its saved results."""

from permits.models import (
    Permit,
)
from permits.review import CHECKLIST


def checklist(permit: Permit) -> list[dict]:
    """The review checklist in order, each item with its saved result (or None)."""
    saved = {item.code: item for item in permit.review_items.select_related("reviewed_by")}
    return [{"code": code, "label": label, "item": saved.get(code)} for code, label in CHECKLIST]
