from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "digiamen.intake"
    label = "intake"

    def ready(self) -> None:
        from digiamen.intake import checks, tasks  # noqa: F401  (registers checks and jobs)
