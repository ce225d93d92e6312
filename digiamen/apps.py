from django.apps import AppConfig


class DigiAmenConfig(AppConfig):
    """The project itself, above every app: it wires the report's life (report_life.py)."""

    name = "digiamen"
    label = "digiamen"
    verbose_name = "Digi-Amen"

    def ready(self) -> None:
        # Here, not at the top: the apps' models are ready only now.
        from digiamen import report_life

        report_life.wire()
