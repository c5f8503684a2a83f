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
    assert Application.objects.filter(status="draft").count() == 1
    assert set(Permit.objects.values_list("state", flat=True)) == {
        "submitted",
        "technical_review",
        "withdrawn",
    }
    assert Consultation.objects.get().messages.count() == 2
    assert all(p.documents.filter(kind="receipt").exists() for p in Permit.objects.all())
