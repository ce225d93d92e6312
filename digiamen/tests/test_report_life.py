"""The report's life in one place (issue #18): every stage is wired at start-up, a stage
nobody wired fails loudly, and the stages run in the documented order inside the report's
own transaction."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from digiamen.alerts import new_reports
from digiamen.cases import actions as cases_actions
from digiamen.cases import known_images
from digiamen.cases.models import Case
from digiamen.channels import actions as channels_actions
from digiamen.conftest import World
from digiamen.intake import actions as intake_actions
from digiamen.intake.life import PAGES, STAGES, ReportLife, StageNotWired, report_life
from digiamen.intake.models import Message, Report
from digiamen.media import actions as media_actions
from digiamen.media import views_public as media_pages
from digiamen.media.demo import demo_picture
from digiamen.media.hashing import hash_image
from digiamen.media.models import ImageMatch, ReportedImage

PICTURE = hash_image(demo_picture()).as_dict()
ANSWERS = {"harm_types": ["sexual_extortion"], "country": "MA"}


def _submit(submission_id: str, **answers: Any) -> intake_actions.Submission:
    return intake_actions.submit_report(
        {**ANSWERS, **answers}, channel="web", submission_id=submission_id
    )


def _known_bank(world: World) -> None:
    bank = media_actions.create_bank(world.amane, world.alice.user, name="Known", source="test")
    media_actions.add_entries(bank, world.alice.user, [{**PICTURE, "classification": "baseline"}])


def test_the_wiring_lists_every_stage_and_page() -> None:
    wiring = report_life.wiring()
    assert list(wiring) == [*STAGES, *PAGES]
    assert wiring == {
        "case_opened": cases_actions.open_case_for_report,
        "pictures_recorded": media_actions.record_report_images,
        "known_picture_found": known_images.raise_urgency,
        "staff_alerted": new_reports.report_stored,
        "reply_queued": channels_actions.queue_reply_for_report,
        "picture_step": media_pages.image_page,
    }
    # wire() takes every stage, none optional: a new stage cannot be left unwired.
    parameters = inspect.signature(ReportLife.wire).parameters.values()
    wired = [p.name for p in parameters if p.name != "self"]
    assert wired == [*STAGES, *PAGES]
    assert all(p.default is inspect.Parameter.empty for p in parameters)
    # The project wires them when it starts, after every app it wires.
    assert settings.INSTALLED_APPS[-1] == "digiamen.apps.DigiAmenConfig"


def test_an_unwired_stage_fails_loudly(rf: Any) -> None:
    life = ReportLife()
    calls: dict[str, Callable[[], object]] = {
        "case_opened": lambda: life.case_opened(Report()),
        "pictures_recorded": lambda: life.pictures_recorded(Report(), [PICTURE]),
        "known_picture_found": lambda: life.known_picture_found(Report(), []),
        "staff_alerted": lambda: life.staff_alerted(Report()),
        "reply_queued": lambda: life.reply_queued(Report(), "Hello"),
        "picture_step": lambda: life.picture_step(rf.get("/"), token=""),
    }
    assert list(calls) == [*STAGES, *PAGES]
    for stage, call in calls.items():
        with pytest.raises(StageNotWired, match=stage) as refused:
            call()
        assert refused.value.stage == stage
        assert "digiamen/report_life.py" in str(refused.value)


def test_a_report_whose_case_stage_is_unwired_is_not_kept(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(report_life, "_case_opened", None)
    with pytest.raises(StageNotWired, match="case_opened"):
        _submit("unwired")
    assert not Report.objects.exists() and not Case.objects.exists()


@pytest.fixture
def seen(world: World, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, bool]]:
    """Every wired stage, wrapped: each call notes the stage's name and whether it ran
    inside a transaction. A bank knows the picture of ``PICTURE``."""
    _known_bank(world)
    calls: list[tuple[str, bool]] = []

    def recording(stage: str, step: Callable[..., Any]) -> Callable[..., Any]:
        def recorded(*args: Any) -> Any:
            calls.append((stage, connection.in_atomic_block))
            return step(*args)

        return recorded

    for stage in STAGES:
        monkeypatch.setattr(
            report_life, f"_{stage}", recording(stage, getattr(report_life, f"_{stage}"))
        )
    return calls


def test_the_stages_run_in_the_documented_order_in_the_transaction(
    world: World, seen: list[tuple[str, bool]]
) -> None:
    report = _submit("in-order", image_hashes=[PICTURE]).report
    case = Case.objects.get(report=report)
    assert case.risk_level == "high" and ImageMatch.objects.filter(image__report=report).exists()
    intake_actions.post_staff_reply(report, world.bob.user, "We read your report.")
    assert Message.objects.filter(report=report).exists()
    assert [stage for stage, _inside in seen] == list(STAGES)
    assert all(inside for _stage, inside in seen)
    # docs/architecture.md tells them in the same order.
    text = (Path(settings.BASE_DIR) / "docs" / "architecture.md").read_text()
    story = text.split("## The report's life", 1)[1].split("\n## ", 1)[0]
    told = sorted(STAGES, key=lambda stage: story.index(f"`{stage}`"))
    assert told == list(STAGES)
    # So does the wiring module's own story.
    wiring = (Path(settings.BASE_DIR) / "digiamen" / "report_life.py").read_text()
    calls = re.findall(r"^\s+(\w+)=", wiring.split("report_life.wire(", 1)[1], re.MULTILINE)
    assert calls == [*STAGES, *PAGES]


def test_a_failing_stage_leaves_no_half_written_report(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    _known_bank(world)

    def broken(report: Report, matches: Any) -> None:
        raise RuntimeError("the case could not be made urgent")

    monkeypatch.setattr(report_life, "_known_picture_found", broken)
    with pytest.raises(RuntimeError, match="urgent"):
        _submit("half", image_hashes=[PICTURE])
    assert not Report.objects.exists()
    assert not Case.objects.exists() and not ReportedImage.objects.exists()


def test_a_report_without_pictures_skips_the_picture_stages(
    seen: list[tuple[str, bool]],
) -> None:
    _submit("no-picture")
    other = dict(PICTURE, md5="0" * 32, sha256="0" * 64, pdq="f" * 64)
    _submit("unknown-picture", image_hashes=[other])
    assert [stage for stage, _inside in seen] == [
        "case_opened",
        "staff_alerted",
        "case_opened",
        "pictures_recorded",
        "staff_alerted",
    ]
