from django.apps import AppConfig


class SafeguardingConfig(AppConfig):
    name = "digiamen.safeguarding"
    label = "safeguarding"
