from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "digiamen.alerts"
    label = "alerts"

    def ready(self) -> None:
        # A case assigned to someone alerts them (core.signals, sent by cases.actions).
        from digiamen.alerts import receivers
        from digiamen.core import signals

        signals.case_assigned.connect(receivers.case_assigned, dispatch_uid="alerts-assigned")
