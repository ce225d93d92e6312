from django.apps import AppConfig
from django.db.models.signals import post_migrate


class EvidenceConfig(AppConfig):
    name = "digiamen.evidence"
    label = "evidence"

    def ready(self) -> None:
        from digiamen.evidence import checks, report_days, tasks  # noqa: F401  (registers checks and jobs)

        # The reports' day counts are whole again after every migrate (report_days says why).
        post_migrate.connect(report_days.keep_after_migrate, sender=self)
