"""Staff without a role (an account stripped of every staff group) see no case data: `is_staff` alone opens
nothing (accounts/rules.py). Every URL that names an object is walked with every object's UUID."""

import hashlib
import re
import uuid as uuid_module

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from applications.models import Attachment, Consultation
from permits.models import ChangeAttachment, DocumentKind, PermitDocument, PermitEvent
from permits.models import PermitState as S
from tests.changes.conftest import file_change
from tests.conftest import with_authenticator
from tests.factories import ApplicationFactory, ClientMandateFactory, PermitFactory, StaffFactory
from tests.test_url_access import ROUTES

PDF = b"%PDF-1.4 test\n%%EOF\n"
UUID_PARAMETER = re.compile(r"<uuid:\w+>")


def stored(**fields) -> dict:
    return {"file": ContentFile(PDF, name="x.pdf"), "sha256": hashlib.sha256(PDF).hexdigest(), **fields}


@pytest.fixture
def world(organisation, signatory, member):
    """One of everything a case has: a permit in production with a decision PDF, its application with an
    attachment and a consultation, a change notification with an attachment, a draft, and a mandate."""
    consultation = Consultation.objects.create(
        organisation=organisation, subject="Osoitteet", created_by=member
    )
    permit = PermitFactory(
        application__organisation=organisation,
        application__consultation=consultation,
        state=S.PRODUCTION,
        decided_at=timezone.now(),
    )
    Attachment.objects.create(
        application=permit.application,
        display_name="turvallisuus.pdf",
        content_type="application/pdf",
        size=len(PDF),
        uploaded_by=member,
        **stored(),
    )
    PermitDocument.objects.create(permit=permit, kind=DocumentKind.DECISION, language="fi", **stored())
    change = file_change(permit, signatory)
    ChangeAttachment.objects.create(
        change=change,
        display_name="sopimus.pdf",
        content_type="application/pdf",
        size=len(PDF),
        uploaded_by=signatory,
        **stored(),
    )
    ApplicationFactory(organisation=organisation)
    ClientMandateFactory(client=organisation)
    return permit


def object_uuids() -> list[uuid_module.UUID]:
    """The UUID of every object of the portal's own models."""
    found = []
    for model in apps.get_models():
        if model._meta.app_label in {"accounts", "applications", "permits", "notifications"} and any(
            field.name == "uuid" for field in model._meta.concrete_fields
        ):
            found.extend(model.objects.values_list("uuid", flat=True))
    return found


OBJECT_ROUTES = [
    (route, name) for route, name, _ in ROUTES if len(UUID_PARAMETER.findall(route)) == 1 and name
]


def test_every_object_url_is_walked():
    names = {name for _, name in OBJECT_ROUTES}
    for expected in (
        "permits:case",
        "permits:officer_case",
        "permits:document",
        "permits:officer_change",
        "applications:attachment_download",
        "permits:change_attachment",
        "permits:power_of_attorney",
        "accounts:organisation",
        "applications:consultation",
    ):
        assert expected in names


def test_staff_without_a_role_see_no_case_data(client, world):
    nobody = with_authenticator(StaffFactory(groups=[]))
    client.force_login(nobody)
    uuids = object_uuids()
    assert len(uuids) >= 10
    before = (PermitEvent.objects.count(), AuditEvent.objects.count())
    opened = []
    for route, name in OBJECT_ROUTES:
        for value in uuids:
            path = "/" + UUID_PARAMETER.sub(str(value), route)
            for method in (client.get, client.post):
                status = method(path).status_code
                if status not in (403, 404, 405):
                    opened.append((name, method.__name__, str(value), status))
    assert opened == []
    assert (PermitEvent.objects.count(), AuditEvent.objects.count()) == before
    # The lists are empty or refused too.
    assert client.get(reverse("permits:queue")).status_code == 403
    assert world.reference not in client.get(reverse("applications:consultations")).content.decode()
    assert world.reference not in client.get(reverse("permits:change_queue")).content.decode()
