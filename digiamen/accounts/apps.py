from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "digiamen.accounts"
    label = "accounts"

    def ready(self) -> None:
        from digiamen.accounts import tasks  # noqa: F401  (registers periodic jobs)
