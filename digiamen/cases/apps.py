from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "digiamen.cases"
    label = "cases"

    def ready(self) -> None:
        from digiamen.cases import (  # noqa: F401  (tasks: periodic jobs)
            assignment_keys,
            duplicates,
            key_migration,
            tasks,
        )
        from digiamen.core import signals

        signals.organisation_key_rotated.connect(
            duplicates.forget_on_rotation, dispatch_uid="duplicates.forget_on_rotation"
        )
        signals.casework_key_unlocked.connect(
            key_migration.on_casework_key_unlocked,
            dispatch_uid="key_migration.on_casework_key_unlocked",
        )
        # After the migration above (connected first): a case is sealed for its assignment
        # once its values are on the casework key.
        signals.casework_key_unlocked.connect(
            assignment_keys.on_casework_key_unlocked,
            dispatch_uid="assignment_keys.on_casework_key_unlocked",
        )
        signals.key_pair_renewed.connect(
            assignment_keys.on_key_pair_renewed,
            dispatch_uid="assignment_keys.on_key_pair_renewed",
        )
