from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "digiamen.training"
    label = "training"
