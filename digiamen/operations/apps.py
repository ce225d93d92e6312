from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "digiamen.operations"
    label = "operations"
    verbose_name = "Operations: backups, restore, health"
