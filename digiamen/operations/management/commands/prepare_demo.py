from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = (
        "What `make run` does before serving, in one process: migrate, collect the static "
        "files, load the demo data if it is not loaded, print the demo logins."
    )
    # migrate runs the system checks itself.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", default="8000")

    def handle(self, *args: Any, **options: Any) -> None:
        out = {"stdout": self.stdout, "stderr": self.stderr}
        call_command("migrate", interactive=False, verbosity=0, **out)
        call_command("collectstatic", interactive=False, verbosity=0, **out)
        call_command("load_demo", quiet_if_loaded=True, **out)
        call_command("demo_banner", port=options["port"], **out)
