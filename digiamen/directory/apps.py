from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "digiamen.directory"
    label = "directory"
