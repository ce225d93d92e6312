from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "digiamen.feedback"
    label = "feedback"

    def ready(self) -> None:
        from digiamen.feedback import offers, texts  # noqa: F401  (connects the receivers)
