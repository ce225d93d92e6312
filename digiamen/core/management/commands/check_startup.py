from typing import Any

from django.core.management.base import BaseCommand

from digiamen.core.startup import load_everything


class Command(BaseCommand):
    help = (
        "Load every module, URLconf, management command, queue task and template of the "
        "application, and the backends named in settings: fails if a runtime package is missing."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"Start-up check passed. {load_everything()}.")
