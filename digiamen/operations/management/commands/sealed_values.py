from typing import Any

from django.core.management.base import BaseCommand

from digiamen.operations.sealed_values import counts


class Command(BaseCommand):
    help = (
        "Count the values sealed on their own, per organisation and column: bound to their "
        "place, or from before binding (bound by the first member who opens them)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        total_unbound = 0
        for count in counts():
            total_unbound += count.unbound
            self.stdout.write(
                f"{count.organisation:<24} {count.column:<40} "
                f"{count.bound} bound, {count.unbound} unbound"
            )
        self.stdout.write(f"Values from before binding left: {total_unbound}")
