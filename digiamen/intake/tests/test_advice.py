"""Safety advice never asks a child to capture a sexual image (a screenshot of such a chat is
itself one): where sexual pictures may be involved it says to keep names, links and dates,
and not to screenshot, save or forward the pictures; in Arabic and French too."""

from __future__ import annotations

import pytest
from django.utils import translation

from digiamen.core.taxonomy import HarmType
from digiamen.intake.advice import ADVICE, GENERAL, NO_PICTURES, advice_for

NO_PICTURES_EN = "If there are sexual pictures or videos, do not take screenshots of them"

SEXUAL_IMAGES_POSSIBLE = {
    HarmType.SEXUAL_EXTORTION,
    HarmType.NON_CONSENSUAL_IMAGE_SHARING,
    HarmType.ONLINE_GROOMING,
    HarmType.ONLINE_COMMERCIAL_SEXUAL_EXPLOITATION,
    HarmType.FAKE_OPPORTUNITY_EXPLOITATION,
}


@pytest.mark.parametrize("language", ["en", "ar", "fr"])
def test_no_advice_asks_for_a_screenshot_and_image_harms_warn_against_one(language: str) -> None:
    with translation.override(language):
        warning = str(NO_PICTURES)
        for code, advice in [*ADVICE.items(), ("general", GENERAL)]:
            steps = [str(step) for step in advice.steps]
            if code in SEXUAL_IMAGES_POSSIBLE or code == "general":
                assert warning in steps, code
            if language == "en":
                asking = [s for s in steps if "screenshot" in s.lower() and s != warning]
                assert asking == [], code
                assert all(
                    "username" in s or "account name" in s for s in steps if "Keep the chat" in s
                )
        if language != "en":  # translated, not the English sentence
            assert not warning.startswith(NO_PICTURES_EN)


def test_the_report_api_gives_the_same_advice(db: object) -> None:
    steps = [str(step) for advice in advice_for(["sexual_extortion"]) for step in advice.steps]
    assert str(NO_PICTURES) in steps
