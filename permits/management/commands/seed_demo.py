from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from accounts import demo
from permits import demo as case_demo


class Command(BaseCommand):
    help = (
        "Load the quick start's demo people, organisations, applications and cases (idempotent) "
        "and print the demo sign-ins. Demo mode only."
    )

    def handle(self, *args: object, **options: object) -> None:
        if not settings.DEMO_MODE:
            raise CommandError("Demo data is loaded only with DEMO_MODE=1 outside production.")
        with translation.override("en"):
            rows = [(email, str(what)) for email, what in demo.seed()]
        case_demo.seed()
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("Demo sign-ins at http://127.0.0.1:8000/accounts/login/"))
        self.stdout.write(f"Password for everyone: {demo.DEMO_PASSWORD}")
        width = max(len(email) for email, _ in rows)
        for email, what in rows:
            self.stdout.write(f"  {email:<{width}}  {what}")
        self.stdout.write("Authority staff sign in with two-factor codes; print the current one with")
        self.stdout.write("  make totp USER=officer@demo.vtj.test")
        self.stdout.write("")
