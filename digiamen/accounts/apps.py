from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "digiamen.accounts"
    label = "accounts"
