"""Filing a change notification: who may, on which permits, numbering, attachments, and what is refused."""

import time
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from notifications.models import Notification
from permits.deadlines import local_date
from permits.models import (
    ChangeAttachment,
    ChangeKind,
    ChangeNotification,
    ChangeState,
    PermitEvent,
    PermitState,
)
from permits.selectors import changes as changes_selectors
from permits.services import changes
from tests.changes.conftest import file_change, in_force_permit
from tests.factories import MembershipFactory, PermitFactory
from tests.licensing.test_access import licensee_member
from tests.permits.test_concurrency import race

S = PermitState
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"


def form_data(**overrides) -> dict:
    return {
        "kind": ChangeKind.TECHNICAL,
        "description": "Palvelu siirtyy uudelle palveluntarjoajalle (Pilvi Oy, Helsinki).",
        "effective_on": "2026-09-01",
        **overrides,
    }


def post(client, permit, data):
    return client.post(reverse("permits:change_new", args=[permit.uuid]), data)


def test_signatory_files_a_change_notification(client, permit, signatory, officer):
    client.force_login(signatory)
    pdf = SimpleUploadedFile("../sopimus.pdf", PDF, content_type="application/pdf")
    response = post(client, permit, form_data(attachments=[pdf]))
    change = ChangeNotification.objects.get(permit=permit)
    assert response.status_code == 302
    assert response.url == reverse("permits:change", args=[change.uuid])
    assert change.reference == f"{permit.reference}/M1"
    assert change.state == ChangeState.RECEIVED
    assert change.filed_by == signatory
    assert change.due == local_date(timezone.now()) + timedelta(days=30)
    (attachment,) = change.attachments.all()
    assert attachment.display_name == "sopimus.pdf" and len(attachment.sha256) == 64
    assert "sopimus" not in attachment.file.name
    event = PermitEvent.objects.get(permit=permit, action="change_notified")
    assert event.visible_to_applicant and event.actor == signatory
    assert event.note.splitlines() == [change.reference, str(ChangeKind.TECHNICAL.label)]
    assert AuditEvent.objects.filter(action="case_change_notified", details__change=change.reference).exists()
    assert Notification.objects.filter(recipient=officer, link__contains=str(permit.uuid)).exists()


def test_the_handling_target_date_is_a_setting(permit, signatory, settings):
    settings.CHANGE_NOTIFICATION_TARGET_DAYS = 10
    change = file_change(permit, signatory)
    assert change.due == local_date(timezone.now()) + timedelta(days=10)


def test_numbers_run_per_permit(organisation, permit, signatory):
    first = file_change(permit, signatory)
    second = file_change(permit, signatory)
    other = file_change(in_force_permit(organisation), signatory)
    assert [first.number, second.number, other.number] == [1, 2, 1]
    assert second.reference == f"{permit.reference}/M2"


@pytest.mark.django_db(transaction=True)
def test_two_filings_at_once_get_distinct_numbers(monkeypatch):
    """The permit row lock orders the two; without it both would read the same last number."""
    membership = MembershipFactory(is_signatory=True)
    permit = in_force_permit(membership.organisation)
    real = changes.change_case

    def slow(**kwargs):
        result = real(**kwargs)
        time.sleep(0.3)
        return result

    monkeypatch.setattr(changes, "change_case", slow)
    results = race(lambda: file_change(permit, membership.user), lambda: file_change(permit, membership.user))
    assert not any(isinstance(result, Exception) for result in results), results
    assert sorted(ChangeNotification.objects.filter(permit=permit).values_list("number", flat=True)) == [1, 2]


@pytest.mark.parametrize("state", [S.GRANTED, S.TERMS_ACCEPTED, S.TESTING, S.PRODUCTION])
def test_every_state_in_force_accepts_a_notification(organisation, signatory, state):
    change = file_change(in_force_permit(organisation, state=state), signatory)
    assert change.number == 1


def test_the_licensee_acting_under_a_mandate_files_for_its_client(client, organisation):
    acting, licensee = licensee_member(organisation)
    permit = in_force_permit(organisation, application__filed_by=licensee)
    client.force_login(acting)
    response = post(client, permit, form_data())
    assert response.status_code == 302
    assert ChangeNotification.objects.get(permit=permit).filed_by == acting


def test_contact_persons_are_kept_with_the_notification(permit, signatory):
    contacts = {"technical": {"name": "Uusi Tekninen", "email": "uusi@example.test", "phone": "+358 40 1"}}
    change = file_change(permit, signatory, kind=ChangeKind.CONTACTS, contacts=contacts)
    assert change.contacts == contacts


# -- refusals: nothing is saved ---------------------------------------------------------------------------


def nothing_saved(permit) -> bool:
    return (
        not ChangeNotification.objects.filter(permit=permit).exists()
        and not ChangeAttachment.objects.exists()
        and not PermitEvent.objects.filter(permit=permit, action="change_notified").exists()
    )


@pytest.mark.parametrize("state", [S.REJECTED, S.WITHDRAWN, S.REVOKED, S.EXPIRED, S.SUBMITTED])
def test_no_notification_on_a_permit_not_in_force(client, organisation, signatory, state):
    permit = in_force_permit(organisation, state=state)
    client.force_login(signatory)
    response = post(client, permit, form_data())
    assert response.status_code == 409
    assert nothing_saved(permit)


def test_a_member_who_is_not_a_signatory_is_refused(client, permit, member):
    client.force_login(member)
    assert client.get(reverse("permits:change_new", args=[permit.uuid])).status_code == 403
    response = post(client, permit, form_data())
    assert response.status_code == 403
    assert nothing_saved(permit)


def test_a_licensee_whose_mandate_ended_does_not_see_the_permit(client, organisation):
    ended, licensee = licensee_member(organisation, mandate_ended=True)
    permit = in_force_permit(organisation, application__filed_by=licensee)
    client.force_login(ended)
    response = post(client, permit, form_data())
    assert response.status_code == 404
    assert nothing_saved(permit)


def test_an_outsider_gets_404(client, permit, outsider):
    client.force_login(outsider)
    assert post(client, permit, form_data()).status_code == 404
    assert nothing_saved(permit)


def test_an_officer_cannot_notify_for_the_holder(client, permit, officer):
    client.force_login(officer)
    assert post(client, permit, form_data()).status_code == 403
    assert nothing_saved(permit)


def test_anonymous_goes_to_sign_in(client, permit):
    response = post(client, permit, form_data())
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))
    assert nothing_saved(permit)


@pytest.mark.parametrize(
    "overrides",
    [
        {"description": "   "},
        {"kind": ""},
        {"kind": "merger"},
        {"effective_on": "31.2.2026"},
        {"effective_on": ""},
        {"kind": ChangeKind.CONTACTS},
        {"kind": ChangeKind.CONTACTS, "technical_name": "Vain Nimi"},
        {"kind": ChangeKind.CONTACTS, "technical_name": "A", "technical_email": "x", "technical_phone": "1"},
    ],
)
def test_bad_input_is_refused_with_400(client, permit, signatory, overrides):
    client.force_login(signatory)
    response = post(client, permit, form_data(**overrides))
    assert response.status_code == 400
    assert nothing_saved(permit)


def test_an_attachment_of_a_wrong_type_is_refused_with_415(client, permit, signatory):
    client.force_login(signatory)
    good = SimpleUploadedFile("a.pdf", PDF)
    bad = SimpleUploadedFile("ohjelma.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff")
    response = post(client, permit, form_data(attachments=[good, bad]))
    assert response.status_code == 415
    assert "ohjelma.pdf" in response.content.decode()
    assert nothing_saved(permit)


def test_at_most_five_attachments(client, permit, signatory):
    client.force_login(signatory)
    files = [SimpleUploadedFile(f"{n}.pdf", PDF) for n in range(6)]
    response = post(client, permit, form_data(attachments=files))
    assert response.status_code == 400
    assert nothing_saved(permit)


def test_extra_fields_are_ignored(client, permit, signatory, officer):
    client.force_login(signatory)
    post(client, permit, form_data(state="acknowledged", number="7", assigned_to=str(officer.pk)))
    change = ChangeNotification.objects.get(permit=permit)
    assert (change.state, change.number, change.assigned_to) == (ChangeState.RECEIVED, 1, None)


# -- the pages -------------------------------------------------------------------------------------------------


def test_the_case_page_offers_notifying_a_change_to_a_signatory_only(client, permit, signatory, member):
    client.force_login(signatory)
    assert (
        reverse("permits:change_new", args=[permit.uuid])
        in client.get(reverse("permits:case", args=[permit.uuid])).content.decode()
    )
    client.force_login(member)
    assert (
        reverse("permits:change_new", args=[permit.uuid])
        not in client.get(reverse("permits:case", args=[permit.uuid])).content.decode()
    )


def test_the_case_page_lists_the_notifications_in_plain_words(client, change, member):
    client.force_login(member)
    page = client.get(reverse("permits:case", args=[change.permit.uuid])).content.decode()
    assert change.reference in page
    assert str(changes_selectors.plain_change_state(ChangeState.RECEIVED)) in page


def test_no_button_on_a_case_still_in_processing(client, organisation, signatory):
    permit = PermitFactory(application__organisation=organisation, state=S.SUBMITTED)
    client.force_login(signatory)
    page = client.get(reverse("permits:case", args=[permit.uuid])).content.decode()
    assert reverse("permits:change_new", args=[permit.uuid]) not in page


def test_the_form_page_opens_for_a_signatory(client, permit, signatory):
    client.force_login(signatory)
    response = client.get(reverse("permits:change_new", args=[permit.uuid]))
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in response.content.decode()


def test_attachments_download_with_access_control(client, permit, signatory, outsider, officer):
    change = file_change(permit, signatory, files=[SimpleUploadedFile("liite.pdf", PDF)])
    attachment = change.attachments.get()
    url = reverse("permits:change_attachment", args=[attachment.uuid])
    client.force_login(signatory)
    response = client.get(url)
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == PDF
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    client.force_login(officer)
    assert client.get(url).status_code == 200
    assert AuditEvent.objects.filter(action="change_attachment_viewed", actor=officer).exists()


def test_the_holder_sees_the_change_page(client, change, member, outsider):
    url = reverse("permits:change", args=[change.uuid])
    client.force_login(member)
    response = client.get(url)
    assert response.status_code == 200 and change.description in response.content.decode()
    client.force_login(outsider)
    assert client.get(url).status_code == 404
