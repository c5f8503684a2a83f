from django.core.management.base import BaseCommand, CommandError

from accounts.audit import verify_chain
from accounts.models import AuditEvent


class Command(BaseCommand):
    help = "Check the audit trail's HMAC chain; exits non-zero and lists the rows that do not verify."

    def handle(self, *args: object, **options: object) -> None:
        broken = verify_chain()
        if broken:
            raise CommandError(
                f"The audit trail does not verify at event id(s): {', '.join(map(str, broken))}"
            )
        self.stdout.write(
            self.style.SUCCESS(f"Audit trail intact: {AuditEvent.objects.count()} events verified.")
        )
