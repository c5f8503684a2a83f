"""Reads about a client's mandates: the cases a licensee filed under one."""

from accounts.models import ClientMandate
from permits.models import Permit


def cases_filed_under(mandate: ClientMandate) -> list[Permit]:
    """The client's cases that the mandate's licensee filed."""
    return list(
        Permit.objects.filter(
            application__organisation_id=mandate.client_id, application__filed_by_id=mandate.licensee_id
        ).order_by("pk")
    )
