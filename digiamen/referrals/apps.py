from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "digiamen.referrals"
    label = "referrals"

    def ready(self) -> None:
        from digiamen.cases import case_data
        from digiamen.referrals.case_data import KEEPER

        # The cases app closes, reopens, purges and re-keys a case with its referrals.
        case_data.register(KEEPER)
