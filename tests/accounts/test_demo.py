import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import Membership, Organisation, User


def test_demo_data_loads_twice_without_change(db, settings, capsys):
    settings.DEMO_MODE = True
    call_command("seed_demo")
    counts = (User.objects.count(), Organisation.objects.count(), Membership.objects.count())
    call_command("seed_demo")
    assert (User.objects.count(), Organisation.objects.count(), Membership.objects.count()) == counts
    out = capsys.readouterr().out
    for email in ["admin@", "signatory@", "member@", "officer@", "decision@", "registry@"]:
        assert email in out
    assert "make totp USER=" in out


def test_demo_staff_sign_in_with_the_printed_code(client, db, settings, capsys):
    settings.DEMO_MODE = True
    call_command("seed_demo")
    password = next(
        line.split(": ", 1)[1] for line in capsys.readouterr().out.splitlines() if "Password" in line
    )
    response = client.post("/accounts/login/", {"login": "officer@demo.vtj.test", "password": password})
    assert response.url == "/accounts/2fa/authenticate/"
    call_command("demo_totp", "officer@demo.vtj.test")
    code = capsys.readouterr().out.strip()
    response = client.post("/accounts/2fa/authenticate/", {"code": code})
    assert response.status_code == 302
    assert client.get("/home/").status_code == 200


def test_demo_commands_refuse_outside_demo_mode(db, settings):
    settings.DEMO_MODE = False
    with pytest.raises(CommandError):
        call_command("seed_demo")
    with pytest.raises(CommandError):
        call_command("demo_totp", "officer@demo.vtj.test")


def test_demo_has_drafts_and_cases_in_several_states(
    db, settings, django_capture_on_commit_callbacks, tmp_path
):
    from applications.models import Application, Consultation
    from permits.models import Permit

    settings.DEMO_MODE = True
    settings.MEDIA_ROOT = tmp_path
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo")
    call_command("seed_demo")
    # One draft of a new application (the other draft of an organisation's own is a required amendment).
    assert Application.objects.filter(status="draft", filed_by=None, amends=None).count() == 1
    assert set(Permit.objects.values_list("state", flat=True)) == {
        "submitted",
        "supplement_requested",
        "technical_review",
        "withdrawn",
        "production",
        "applied",
        "revoked",
    }
    assert Consultation.objects.get().messages.count() == 2
    assert all(p.documents.filter(kind="receipt").exists() for p in Permit.objects.all())


def test_demo_cases_are_on_the_clock_with_reminders(client, db, settings, tmp_path):
    from notifications.models import Notification, NotificationKind
    from permits.models import Permit, Reminder, ReminderKind

    settings.DEMO_MODE = True
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo")
    call_command("seed_demo")
    assert sorted(Reminder.objects.values_list("kind", flat=True)) == sorted(
        [ReminderKind.TARGET_SOON, ReminderKind.OVERDUE, ReminderKind.REPLY_SOON]
    )
    for email, kind_count in [("officer@", 1), ("decision@", 1), ("signatory@", 1)]:
        user = User.objects.get(email=f"{email}demo.vtj.test")
        assert (
            Notification.objects.filter(recipient=user, kind=NotificationKind.REMINDER).count() == kind_count
        )
    overdue = Permit.objects.get(reminders__kind=ReminderKind.OVERDUE)
    client.force_login(User.objects.get(email="signatory@demo.vtj.test"))
    page = client.get(f"/cases/{overdue.uuid}/").content.decode()
    assert 'id="clock-heading"' in page and "<dd>100</dd>" in page


def test_demo_has_a_licensee_with_two_clients(client, db, settings, tmp_path):
    from accounts.models import ClientMandate, FrameworkLicence
    from applications.models import Application
    from applications.selectors.licensing import commitment_is_current
    from permits.models import Permit

    settings.DEMO_MODE = True
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo")
    call_command("seed_demo")
    licensee = Organisation.objects.get(business_id="1618033-3")
    assert FrameworkLicence.objects.filter(licensee=licensee).count() == 1
    clients = sorted(ClientMandate.objects.filter(licensee=licensee).values_list("client__name", flat=True))
    assert clients == ["Asiakas Alfa Oy", "Asiakas Beeta Oy"]
    submitted = Permit.objects.get(application__filed_by=licensee)
    assert submitted.application.organisation.name == "Asiakas Alfa Oy"
    waiting = Application.objects.get(filed_by=licensee, status="draft")
    assert waiting.organisation.invitations.pending().get().email == "edustaja@beeta.example"
    assert not commitment_is_current(waiting)
    client.force_login(User.objects.get(email="licensee@demo.vtj.test"))
    assert client.get(f"/cases/{submitted.uuid}/").status_code == 200


def test_demo_has_a_permit_amended_to_version_2(client, db, settings, tmp_path):
    from permits.models import Permit

    settings.DEMO_MODE = True
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo")
    call_command("seed_demo")
    permit = Permit.objects.get(application__organisation__business_id="6613186-3", application__amends=None)
    assert permit.state == "production"
    assert list(permit.versions.values_list("number", flat=True)) == [1, 2]
    assert permit.granted_groups.filter(code="KOTIKUNTA").exists()
    assert Permit.objects.get(application__amends=permit).state == "applied"


def test_demo_has_change_notifications_in_every_handling_state(client, db, settings, tmp_path):
    from django.utils import timezone

    from permits.models import ChangeNotification, ChangeState

    settings.DEMO_MODE = True
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo")
    call_command("seed_demo")
    changes = {change.state: change for change in ChangeNotification.objects.select_related("permit")}
    assert sorted(changes) == sorted(ChangeState.values)
    assert ChangeNotification.objects.count() == len(ChangeState.values)
    # Each in the state its services leave behind.
    received = changes[ChangeState.RECEIVED]
    assert received.due < timezone.localdate()  # past its handling target date
    assert changes[ChangeState.INFO_REQUESTED].info_request
    acknowledged = changes[ChangeState.ACKNOWLEDGED]
    assert acknowledged.permit.application.technical_name == "Tiina Tekninen"
    amendment = changes[ChangeState.AMENDMENT_REQUIRED].amendment
    assert amendment.status == "draft" and amendment.amends == changes[ChangeState.AMENDMENT_REQUIRED].permit
    proposed = changes[ChangeState.REVOCATION_PROPOSED]
    assert proposed.permit.state == "production"
    assert proposed.handled_by.email == "officer@demo.vtj.test"
    revoked = changes[ChangeState.PERMIT_REVOKED]
    assert revoked.permit.state == "revoked"
    assert revoked.handled_by.email == "decision@demo.vtj.test"
    assert (
        revoked.permit.events.get(action="change_revocation_proposed").actor.email == "officer@demo.vtj.test"
    )
    # The demo signatory sees its organisation's four on its permit's page.
    signatory = User.objects.get(email="signatory@demo.vtj.test")
    client.force_login(signatory)
    page = client.get(f"/cases/{received.permit.uuid}/").content.decode()
    for state in [ChangeState.RECEIVED, ChangeState.INFO_REQUESTED, ChangeState.ACKNOWLEDGED]:
        assert changes[state].reference in page
    assert changes[ChangeState.AMENDMENT_REQUIRED].reference in page
