from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "digiamen.cases"
    label = "cases"

    def ready(self) -> None:
        from digiamen.cases import duplicates, key_migration, tasks  # noqa: F401  (periodic jobs)
        from digiamen.core import signals

        signals.organisation_key_rotated.connect(
            duplicates.forget_on_rotation, dispatch_uid="duplicates.forget_on_rotation"
        )
        signals.casework_key_unlocked.connect(
            key_migration.on_casework_key_unlocked,
            dispatch_uid="key_migration.on_casework_key_unlocked",
        )
