from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time
from allauth.mfa.utils import decrypt
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Print the current two-factor code of a demo user. Works only in demo mode."

    def add_arguments(self, parser) -> None:
        parser.add_argument("email")

    def handle(self, *args: object, email: str, **options: object) -> None:
        if not settings.DEMO_MODE:
            raise CommandError(
                "Two-factor codes are printed only in demo mode (DEMO_MODE=1, not production)."
            )
        authenticator = Authenticator.objects.filter(
            user__email__iexact=email, type=Authenticator.Type.TOTP
        ).first()
        if authenticator is None:
            raise CommandError(f"{email!r} has no authenticator. Usage: make totp USER=officer@demo.vtj.test")
        counters = list(yield_hotp_counters_from_time())
        current = counters[len(counters) // 2]
        secret = decrypt(authenticator.data["secret"])
        self.stdout.write(format_hotp_value(hotp_value(secret, current)))
