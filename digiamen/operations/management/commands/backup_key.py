from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from digiamen.operations.backups import new_key_pair


class Command(BaseCommand):
    help = (
        "Make the backup key pair: the public key is written for the backup job, the private "
        "key is printed once (keep it offline, like a recovery key) and never stored here."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Replace an existing public key (older backups still need the old private key).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(settings.BACKUP_PUBLIC_KEY_FILE)
        if path.exists() and not options["replace"]:
            raise CommandError(
                f"A backup public key is already at {path}; nothing changed. "
                "Use --replace to make a new pair."
            )
        pair = new_key_pair()
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".new")
        partial.write_text(pair.public_text + "\n", encoding="utf-8")
        partial.chmod(0o644)
        partial.replace(path)
        self.stdout.write(f"Backup public key written to {path}.")
        self.stdout.write(
            "Backup PRIVATE key (shown once; write it down, keep it offline, away from the "
            "server; without it no backup can be restored):"
        )
        self.stdout.write(f"    {pair.private_text}")
