"""Expire the permits in force whose validity has ended (run daily, e.g. from Celery beat or cron)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_date

from permits.deadlines import local_date
from permits.services.decisions import permits_expire_due


class Command(BaseCommand):
    help = "Expire the permits in force whose validity ended before today (Helsinki time)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--today",
            type=parse_date,
            help="The date to sweep as, YYYY-MM-DD (default: today in Helsinki).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        today = options["today"] or local_date(timezone.now())
        count = permits_expire_due(today=today)
        self.stdout.write(f"Expired {count} permit(s) whose validity ended before {today:%Y-%m-%d}.")
