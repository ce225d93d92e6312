from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "digiamen.alerts"
    label = "alerts"

    def ready(self) -> None:
        # A case assigned to someone alerts them (core.signals, sent by cases.actions).
        from digiamen.alerts import receivers
        from digiamen.core import signals

        signals.case_assigned.connect(receivers.case_assigned, dispatch_uid="alerts-assigned")
        for name, receiver in receivers.CONNECTIONS.items():
            getattr(signals, name).connect(receiver, dispatch_uid=f"alerts-{name}")
        # The staff home's "what needs you now" (accounts.home: accounts imports no app above).
        from digiamen.accounts import home
        from digiamen.alerts import needs

        home.register("needs_you_now", needs.needs_you_now)
