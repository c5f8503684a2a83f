"""Reads about a licensee's clients and a client's commitment: the clients with a mandate in force, whether
the commitment matches the application as it is now, and who may confirm or submit it."""

import hashlib
import json

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.mandates import is_licensee_acting
from accounts.models import (
    ClientMandate,
    Membership,
    Organisation,
    User,
)
from applications.completeness import snapshot
from applications.models import Application, ClientCommitment


def active_clients(licensee: Organisation) -> list[Organisation]:
    """The clients `licensee` holds a mandate in force for, by name."""
    mandates = ClientMandate.objects.active_on(timezone.localdate()).filter(licensee=licensee)
    return list(Organisation.objects.filter(licensee_mandates__in=mandates).distinct().order_by("name"))


def content_hash(content: dict) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def latest_commitment(application: Application) -> ClientCommitment | None:
    return application.commitments.select_related("confirmed_by").first()


def commitment_is_current(application: Application) -> bool:
    """Whether the client has confirmed the application exactly as it is now."""
    commitment = latest_commitment(application)
    return commitment is not None and commitment.snapshot_sha256 == content_hash(snapshot(application))


def is_client_signatory(user: User, application: Application) -> bool:
    return Membership.objects.filter(
        organisation_id=application.organisation_id, user=user, is_signatory=True
    ).exists()


def may_submit(user: User, application: Application) -> bool:
    """A signatory of the applicant; for an application a licensee filed, also the licensee's members
    acting for the client (the client's confirmation is checked separately: `commitment_is_current`)."""
    return is_client_signatory(user, application) or is_licensee_acting(
        user, client_id=application.organisation_id, licensee_id=application.filed_by_id
    )


def _client_signatories(application: Application) -> QuerySet[User]:
    return User.objects.filter(
        memberships__organisation_id=application.organisation_id,
        memberships__is_signatory=True,
        is_active=True,
    )


def client_signatories(application: Application) -> list[User]:
    """The active signatories of the client organisation, who confirm the application."""
    return list(_client_signatories(application).order_by("pk"))


def client_has_signatory(application: Application) -> bool:
    return _client_signatories(application).exists()


def no_signatory_message(application: Application) -> str:
    """Why the client cannot be asked to confirm yet."""
    return _(
        "%(name)s has no signatory in the portal yet. Its representative becomes one on accepting "
        "the invitation."
    ) % {"name": application.organisation.name}
