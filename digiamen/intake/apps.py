from django.apps import AppConfig
from django.core.signals import setting_changed
from django.db.models.signals import post_delete, post_save


class IntakeConfig(AppConfig):
    name = "digiamen.intake"
    label = "intake"

    def ready(self) -> None:
        from digiamen.accounts.models import Organisation
        from digiamen.intake import checks, helplines, routing, tasks  # noqa: F401
        from digiamen.intake.models import Helpline, RoutingRule

        # The process caches of the report's hot path forget what an edit changes.
        for model in (RoutingRule, Organisation):
            post_save.connect(routing.clear_on_write, sender=model, weak=False)
            post_delete.connect(routing.clear_on_write, sender=model, weak=False)
        post_save.connect(helplines.clear_on_write, sender=Helpline, weak=False)
        post_delete.connect(helplines.clear_on_write, sender=Helpline, weak=False)
        # The fallback organisation is a setting (tests change it while the process runs).
        setting_changed.connect(routing.forget_routes_on_setting, weak=False)
