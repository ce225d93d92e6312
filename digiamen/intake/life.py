"""The report's life beyond intake: the stages that apps above intake add to a report, named
and typed here, wired to those apps in one place (``digiamen/report_life.py``).

Intake stands below cases, media and channels (docs/architecture.md, "Layers"), so it never
imports them; ``submit_report`` and ``post_staff_reply`` call the stages of ``report_life``
instead, in this order (``STAGES``):

1. ``case_opened``: a case for the report (cases);
2. ``pictures_recorded``: the pictures' hashes stored and matched against the banks (media);
3. ``known_picture_found``: a match makes the case urgent (cases);
4. ``staff_alerted``: the staff on call (or the team) are alerted once the report has
   committed (alerts);
5. ``reply_queued``: a counsellor's reply goes out by text message too (channels).

Each stage runs inside its caller's transaction: when one fails, nothing of the report (or
of the reply) is kept. A stage nobody wired fails loudly (``StageNotWired``); it is never
skipped, since a report without its case would be a report nobody sees.

Besides the stages, the web flow offers one page of another app: the picture step (media),
shown when the reporter adds a picture from the "Tell us more" step.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, TypeVar

from django.http import HttpRequest, HttpResponse

from digiamen.intake.models import Report

# The stages in the order they run, as docs/architecture.md tells them.
STAGES = (
    "case_opened",
    "pictures_recorded",
    "known_picture_found",
    "staff_alerted",
    "reply_queued",
)
# What else the wiring names: the web flow's picture step.
PAGES = ("picture_step",)


class KnownPicture(Protocol):
    """A match of a reported picture in a hash bank, as the case needs it."""

    @property
    def bank_id(self) -> int: ...


class OpenCase(Protocol):
    def __call__(self, report: Report, /) -> object: ...


class RecordPictures(Protocol):
    """Store the pictures' hashes and return the matches found in the banks (none: empty)."""

    def __call__(
        self, report: Report, hash_sets: list[dict[str, Any]], /
    ) -> Sequence[KnownPicture]: ...


class FlagKnownPicture(Protocol):
    def __call__(self, report: Report, matches: Sequence[KnownPicture], /) -> object: ...


class AlertStaff(Protocol):
    """Alert the staff of a new report, after the report's transaction has committed."""

    def __call__(self, report: Report, /) -> object: ...


class QueueReply(Protocol):
    def __call__(self, report: Report, text: str, /) -> object: ...


class PictureStep(Protocol):
    def __call__(self, request: HttpRequest, *, token: str) -> HttpResponse: ...


class StageNotWired(RuntimeError):
    def __init__(self, stage: str) -> None:
        super().__init__(
            f"The report's life has no {stage!r}: digiamen/report_life.py wires every stage "
            "when the project starts (DigiAmenConfig.ready, INSTALLED_APPS)."
        )
        self.stage = stage


Step = TypeVar("Step")


def _wired(step: Step | None, stage: str) -> Step:
    if step is None:
        raise StageNotWired(stage)
    return step


class ReportLife:
    """The stages of a report's life that belong to other apps, each wired once."""

    def __init__(self) -> None:
        self._case_opened: OpenCase | None = None
        self._pictures_recorded: RecordPictures | None = None
        self._known_picture_found: FlagKnownPicture | None = None
        self._staff_alerted: AlertStaff | None = None
        self._reply_queued: QueueReply | None = None
        self._picture_step: PictureStep | None = None

    def wire(
        self,
        *,
        case_opened: OpenCase,
        pictures_recorded: RecordPictures,
        known_picture_found: FlagKnownPicture,
        staff_alerted: AlertStaff,
        reply_queued: QueueReply,
        picture_step: PictureStep,
    ) -> None:
        """Every stage at once (keyword-only, none optional): none can be forgotten."""
        self._case_opened = case_opened
        self._pictures_recorded = pictures_recorded
        self._known_picture_found = known_picture_found
        self._staff_alerted = staff_alerted
        self._reply_queued = reply_queued
        self._picture_step = picture_step

    def wiring(self) -> dict[str, object]:
        """What each stage and page is wired to (None: not wired), in the order they run."""
        return {name: getattr(self, f"_{name}") for name in (*STAGES, *PAGES)}

    # --- In the report's transaction (intake.actions.submit_report) ---

    def case_opened(self, report: Report) -> None:
        _wired(self._case_opened, "case_opened")(report)

    def pictures_recorded(
        self, report: Report, hash_sets: list[dict[str, Any]]
    ) -> Sequence[KnownPicture]:
        return _wired(self._pictures_recorded, "pictures_recorded")(report, hash_sets)

    def known_picture_found(self, report: Report, matches: Sequence[KnownPicture]) -> None:
        _wired(self._known_picture_found, "known_picture_found")(report, matches)

    def staff_alerted(self, report: Report) -> None:
        _wired(self._staff_alerted, "staff_alerted")(report)

    # --- In the reply's transaction (intake.actions.post_staff_reply) ---

    def reply_queued(self, report: Report, text: str) -> None:
        _wired(self._reply_queued, "reply_queued")(report, text)

    # --- The web flow ---

    def picture_step(self, request: HttpRequest, *, token: str) -> HttpResponse:
        return _wired(self._picture_step, "picture_step")(request, token=token)


report_life = ReportLife()
