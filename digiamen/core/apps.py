from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "digiamen.core"
    label = "core"

    def ready(self) -> None:
        from digiamen.core import checks, checks_disk  # noqa: F401  (registers checks)
