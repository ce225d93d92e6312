from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "digiamen.core"
    label = "core"

    def ready(self) -> None:
        from digiamen.core import (  # noqa: F401  (registers checks and jobs)
            checks,
            checks_disk,
            checks_keys,
            tasks,
        )
