from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "digiamen.channels"
    label = "channels"
