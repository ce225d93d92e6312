from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "digiamen.evidence"
    label = "evidence"
