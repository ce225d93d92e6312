from django.apps import AppConfig


class ConsultationsConfig(AppConfig):
    name = "digiamen.consultations"
    label = "consultations"

    def ready(self) -> None:
        from digiamen.consultations import receivers  # noqa: F401  (connects the receivers)
