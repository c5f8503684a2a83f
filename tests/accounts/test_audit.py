import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from accounts import services
from accounts.audit import verify_chain
from accounts.models import AuditEvent


def make_events(user, organisation, n=3):
    for i in range(n):
        services.organisation_update(
            organisation=organisation, actor=user, require_mfa=bool(i % 2), name=f"Name {i}"
        )


def test_changes_are_audited_with_actor_and_details(org_admin, organisation):
    make_events(org_admin, organisation, 1)
    event = AuditEvent.objects.get()
    assert event.actor == org_admin
    assert event.organisation == organisation
    assert event.target_id == str(organisation.uuid)
    assert event.details["changes"]["name"][1] == "Name 0"


def test_audit_rows_cannot_be_updated_or_deleted(org_admin, organisation):
    make_events(org_admin, organisation, 1)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.update(action="tampered")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get().action == "organisation_updated"


def test_chain_verifies_and_detects_tampering(org_admin, organisation, capsys):
    make_events(org_admin, organisation, 3)
    assert verify_chain() == []
    call_command("verify_audit")
    assert "3 events verified" in capsys.readouterr().out
    # Someone with database superuser rights bypasses the trigger and edits a row.
    middle = AuditEvent.objects.order_by("id")[1]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")  # skips triggers
        cursor.execute("UPDATE accounts_auditevent SET details = '{}' WHERE id = %s", [middle.id])
        cursor.execute("SET LOCAL session_replication_role = origin")
    assert verify_chain() == [middle.id]
    with pytest.raises(CommandError, match=str(middle.id)):
        call_command("verify_audit")


def test_deleted_row_breaks_the_chain(org_admin, organisation):
    make_events(org_admin, organisation, 3)
    _first, second, third = AuditEvent.objects.order_by("id")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("DELETE FROM accounts_auditevent WHERE id = %s", [second.id])
        cursor.execute("SET LOCAL session_replication_role = origin")
    assert verify_chain() == [third.id]


def test_a_refused_change_leaves_no_audit_row(member, organisation):
    with pytest.raises(services.PortalError):
        services.organisation_update(organisation=organisation, actor=member, require_mfa=True, name="X")
    assert not AuditEvent.objects.exists()
