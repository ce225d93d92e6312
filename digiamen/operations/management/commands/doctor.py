from typing import Any

from django.core.management.base import BaseCommand, CommandError

from digiamen.operations.doctor import examine


class Command(BaseCommand):
    help = "Say what is wrong with this installation, in plain words, and what to do about it."

    def handle(self, *args: Any, **options: Any) -> None:
        checks = examine()
        for check in checks:
            self.stdout.write(f"{'OK' if check.ok else 'PROBLEM':<8} {check.name}: {check.detail}")
        problems = sum(not check.ok for check in checks)
        if problems:
            raise CommandError(f"{problems} problem{'s' if problems > 1 else ''} found.")
        self.stdout.write("Nothing wrong found.")
