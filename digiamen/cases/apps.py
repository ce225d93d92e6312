from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "digiamen.cases"
    label = "cases"

    def ready(self) -> None:
        from digiamen.cases import duplicates, tasks  # noqa: F401  (registers periodic jobs)
        from digiamen.core import signals

        signals.organisation_key_rotated.connect(
            duplicates.forget_on_rotation, dispatch_uid="duplicates.forget_on_rotation"
        )
