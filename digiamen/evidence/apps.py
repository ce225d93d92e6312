from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "digiamen.evidence"
    label = "evidence"

    def ready(self) -> None:
        from digiamen.evidence import checks, tasks  # noqa: F401  (registers checks and jobs)
