from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "digiamen.cases"
    label = "cases"

    def ready(self) -> None:
        from digiamen.cases import tasks  # noqa: F401  (registers periodic jobs)
