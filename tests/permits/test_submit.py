import hashlib
import re
import threading
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.db import connection
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format

from accounts.models import AuditEvent
from accounts.services import PortalError
from applications.catalogue import SECURITY_THEME_CODES
from applications.models import Application, ApplicationStatus, ApplicationVersion
from notifications.models import Notification
from permits.deadlines import decision_due_for
from permits.models import DocumentKind, Permit, PermitEvent, PermitState
from permits.services import submission as services
from tests.factories import ApplicationFactory, MembershipFactory, OrganisationFactory
from tests.permits.conftest import pdf_text, squash

REFERENCE = re.compile(r"^VTJ/\d{4}/\d{6}$")


def submit_url(application: Application) -> str:
    return reverse("permits:submit", args=[application.uuid])


def nothing_created(application: Application) -> bool:
    application.refresh_from_db()
    return (
        application.status == ApplicationStatus.DRAFT
        and not Permit.objects.filter(application=application).exists()
        and not ApplicationVersion.objects.filter(application=application).exists()
        and not PermitEvent.objects.exists()
    )


@pytest.fixture
def application(organisation):
    """A complete draft whose every section holds a value that can be found in the receipt."""
    application = ApplicationFactory(complete=True, organisation=organisation)
    application.purpose_description = "Purpose marker: collecting debts from customers who moved."
    application.hosting_description = "Hosting marker: our own data centre in Kajaani."
    application.security_report = {**application.security_report, SECURITY_THEME_CODES[2]: "Security marker."}
    application.technical_email = "marker.tech@example.test"
    application.save()
    application.requested_groups.filter(data_group__code="VAKINAINEN_OSOITE").update(
        justification="Justification marker: letters must reach the debtor's permanent address."
    )
    return application


def test_signatory_submits_a_complete_application(
    client, signatory, application, mailoutbox, django_capture_on_commit_callbacks
):
    signatory.language = "sv"
    signatory.save()
    client.force_login(signatory)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(submit_url(application))

    permit = Permit.objects.get(application=application)
    assert response.status_code == 302
    assert response.url == reverse("permits:case", args=[permit.uuid])
    assert REFERENCE.match(permit.reference)
    assert permit.state == PermitState.SUBMITTED
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.submitted_at == permit.submitted_at

    version = application.versions.get()
    assert version.number == 1
    assert version.submitted_by == signatory
    assert version.snapshot["purpose_description"] == application.purpose_description
    assert version.snapshot["hosting_description"] == application.hosting_description

    event = permit.events.get()
    assert (event.action, event.actor, event.to_state) == ("submitted", signatory, PermitState.SUBMITTED)
    assert event.visible_to_applicant
    assert AuditEvent.objects.filter(action="application_submitted", target_id=str(permit.uuid)).exists()

    # One email to the organisation's address and one to the submitter, in the submitter's language.
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [application.organisation.contact_email, signatory.email]
    )
    with translation.override("sv"):
        due_in_swedish = date_format(permit.decision_due, "DATE_FORMAT")
    with translation.override("en"):
        assert date_format(permit.decision_due, "DATE_FORMAT") != due_in_swedish
    for message in mailoutbox:
        assert permit.reference in message.subject
        assert due_in_swedish in message.body
        assert reverse("permits:case", args=[permit.uuid]) in message.body

    # The receipt: the whole application, in the submitter's language.
    receipt = permit.documents.get()
    assert (receipt.kind, receipt.version_number, receipt.language) == (DocumentKind.RECEIPT, 1, "sv")
    data = receipt.file.read()
    assert data.startswith(b"%PDF")
    assert receipt.sha256 == hashlib.sha256(data).hexdigest()
    text = pdf_text(data)
    assert permit.reference in text
    assert squash("Myndigheten för digitalisering och befolkningsdata") in text
    assert application.organisation.business_id in text
    for value in [
        "Purpose marker: collecting debts from customers who moved.",
        "Justification marker: letters must reach the debtor's permanent address.",
        "Security marker.",
        "Hosting marker: our own data centre in Kajaani.",
        "marker.tech@example.test",
    ]:
        assert squash(value) in text, value


def test_submission_follows_the_configured_target(
    client, signatory, application, settings, no_follow_ups, django_capture_on_commit_callbacks
):
    settings.DECISION_TARGET_MONTHS = 2
    with time_machine.travel(datetime(2026, 12, 31, 23, 30, tzinfo=UTC), tick=False):
        client.force_login(signatory)
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post(submit_url(application)).status_code == 302
    permit = Permit.objects.get(application=application)
    # Already 1 January in Helsinki: the year of the reference and the target date follow it.
    assert permit.reference == "VTJ/2027/000001"
    assert permit.decision_due == date(2027, 3, 1)
    # The receipt is queued; the confirmation emails are outbox rows written with the submission.
    assert no_follow_ups == ["permits.tasks.render_receipt"]
    assert sorted(Notification.objects.values_list("email", "kind")) == sorted(
        [(application.organisation.contact_email, "submission"), (signatory.email, "submission")]
    )


def test_references_run_per_year(signatory, organisation, no_follow_ups):
    references = []
    for moment in [datetime(2026, 5, 1, 9, tzinfo=UTC)] * 2 + [datetime(2027, 5, 1, 9, tzinfo=UTC)]:
        with time_machine.travel(moment, tick=False):
            application = ApplicationFactory(complete=True, organisation=organisation)
            references.append(services.application_submit(application=application, user=signatory).reference)
    assert references == ["VTJ/2026/000001", "VTJ/2026/000002", "VTJ/2027/000001"]


@pytest.mark.parametrize("persona", ["member", "org_admin_without_signing"])
def test_non_signatory_cannot_submit(client, request, persona, organisation, application, mailoutbox):
    if persona == "member":
        user = request.getfixturevalue("member")
    else:
        user = MembershipFactory(organisation=organisation, role="admin", is_signatory=False).user
    client.force_login(user)
    response = client.post(submit_url(application))
    assert response.status_code == 403
    assert "signatory" in response.content.decode()
    assert nothing_created(application)
    assert mailoutbox == []


@pytest.mark.parametrize(("persona", "status"), [("outsider", 404), ("officer", 404)])
def test_others_cannot_see_the_draft_to_submit(client, request, persona, status, application):
    client.force_login(request.getfixturevalue(persona))
    response = client.post(submit_url(application))
    assert response.status_code == status
    assert nothing_created(application)


def test_anonymous_submission_goes_to_sign_in(client, application):
    response = client.post(submit_url(application))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert nothing_created(application)


def test_incomplete_application_is_refused_with_the_list(client, signatory, organisation, mailoutbox):
    application = ApplicationFactory(organisation=organisation)
    client.force_login(signatory)
    response = client.post(submit_url(application))
    assert response.status_code == 400
    page = response.content.decode()
    missing = response.context["missing"]
    assert len(missing) > 5
    assert f"{len(missing)} items are missing" in page
    for section in {item.section for item in missing}:
        assert reverse("applications:step", args=[application.uuid, section]) in page
    assert nothing_created(application)
    assert mailoutbox == []


def test_second_submission_is_refused(client, signatory, application, no_follow_ups):
    client.force_login(signatory)
    assert client.post(submit_url(application)).status_code == 302
    response = client.post(submit_url(application))
    assert response.status_code == 409
    assert "already been submitted" in response.content.decode()
    assert Permit.objects.filter(application=application).count() == 1
    assert ApplicationVersion.objects.filter(application=application).count() == 1
    assert PermitEvent.objects.count() == 1


def test_extra_post_fields_are_ignored(client, signatory, application, no_follow_ups):
    other = OrganisationFactory()
    client.force_login(signatory)
    response = client.post(
        submit_url(application),
        {
            "state": PermitState.GRANTED,
            "organisation": str(other.uuid),
            "reference": "VTJ/2026/999999",
            "decision_due": "2026-01-01",
        },
    )
    assert response.status_code == 302
    permit = Permit.objects.select_related("application").get(application=application)
    assert permit.state == PermitState.SUBMITTED
    assert permit.reference.endswith("/000001")
    assert permit.application.organisation_id == application.organisation_id
    assert permit.decision_due == decision_due_for(permit.submitted_at)


def run_in_threads(count: int, target) -> list:
    """Run target(i) in `count` threads that start together; return what each returned or raised."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = target(i)
        except Exception as exc:  # collected for the assertions
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_submissions_open_one_case(organisation, no_follow_ups):
    signatory = MembershipFactory(organisation=organisation, is_signatory=True).user
    application = ApplicationFactory(complete=True, organisation=organisation)

    results = run_in_threads(
        2, lambda i: services.application_submit(application=application, user=signatory)
    )

    permits = [r for r in results if isinstance(r, Permit)]
    errors = [r for r in results if isinstance(r, PortalError)]
    assert len(permits) == 1, results
    assert len(errors) == 1 and errors[0].status == 409, results
    assert Permit.objects.count() == 1
    assert ApplicationVersion.objects.count() == 1
    assert PermitEvent.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_simultaneous_submissions_get_gap_free_references(organisation, no_follow_ups):
    signatory = MembershipFactory(organisation=organisation, is_signatory=True).user
    applications = [ApplicationFactory(complete=True, organisation=organisation) for _ in range(8)]

    results = run_in_threads(
        8, lambda i: services.application_submit(application=applications[i], user=signatory).reference
    )

    assert all(isinstance(r, str) for r in results), results
    year = results[0].split("/")[1]
    assert sorted(results) == [f"VTJ/{year}/{n:06d}" for n in range(1, 9)]
    assert Permit.objects.count() == 8
