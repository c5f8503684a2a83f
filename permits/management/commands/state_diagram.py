from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from permits.diagram import document

TARGET = Path(settings.BASE_DIR) / "docs" / "state-diagram.md"


class Command(BaseCommand):
    help = "Write docs/state-diagram.md from the Permit state machine (Mermaid)."

    def handle(self, *args: object, **options: object) -> None:
        TARGET.write_text(document(), encoding="utf-8")
        self.stdout.write(f"Wrote {TARGET.relative_to(settings.BASE_DIR)}")
