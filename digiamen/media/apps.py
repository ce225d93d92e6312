from django.apps import AppConfig


class MediaConfig(AppConfig):
    name = "digiamen.media"
    label = "media"
