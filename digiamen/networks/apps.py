from django.apps import AppConfig


class NetworksConfig(AppConfig):
    name = "digiamen.networks"
    label = "networks"
