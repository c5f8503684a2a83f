from datetime import date

import pytest
from django.utils import timezone

from permits.models import ChangeKind, Permit, PermitState
from permits.services import changes
from tests.factories import PermitFactory

S = PermitState


def in_force_permit(organisation, state=S.PRODUCTION, **kwargs) -> Permit:
    return PermitFactory(
        application__organisation=organisation, state=state, decided_at=timezone.now(), **kwargs
    )


@pytest.fixture
def permit(organisation):
    """A permit of `organisation` in production use."""
    return in_force_permit(organisation)


def file_change(permit, user, **overrides):
    """File a change notification through the service."""
    arguments = {
        "kind": ChangeKind.TECHNICAL,
        "description": "Siirrymme uuteen palvelintarjoajaan (Pilvi Oy).",
        "effective_on": date(2026, 9, 1),
        **overrides,
    }
    return changes.change_notify(permit=Permit.objects.get(pk=permit.pk), user=user, **arguments)


@pytest.fixture
def change(permit, signatory):
    """A change notification just received."""
    return file_change(permit, signatory)
