from django.apps import AppConfig


class AwarenessConfig(AppConfig):
    name = "digiamen.awareness"
    label = "awareness"
