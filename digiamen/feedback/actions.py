"""Asking a reporter about the help they got, once it is over; storing the answer apart.

The follow-up page (by receipt) offers the questions when the newest part of the mailbox
whose help is over has a completed referral or a closed case. The answer is attributed to
that organisation, the referred service (or its own help) and the case's first harm type,
in the month it was given; the receipt's report is marked as asked, in the same
transaction, so that nobody is asked twice. Nothing is audited here: an audit row would tie
the moment of an answer to a report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from digiamen.accounts.models import Organisation
from digiamen.cases.models import Case
from digiamen.core import encryption
from digiamen.directory.models import Service
from digiamen.feedback.models import OWN_HELP, Answer
from digiamen.intake import mailbox
from digiamen.intake.models import Report
from digiamen.referrals.models import Referral


class FeedbackRefused(Exception):
    """Why nothing was stored, translated for the reporter."""


@dataclass(frozen=True)
class Subject:
    """What the answer will be about: never anything that names the case."""

    organisation: Organisation
    service: Service | None
    service_type: str
    harm_type: str


def _first_harm(case: Case, report: Report) -> str:
    harms = list(case.harm_types or report.harm_types or [])
    return str(harms[0]) if harms else ""


def _finished_help(report: Report) -> Subject | None:
    case = Case.objects.filter(report=report, purged_at__isnull=True).first()
    if case is None:
        return None
    referral = (
        Referral.objects.filter(case=case, status=Referral.Status.COMPLETED)
        .select_related("service")
        .order_by("-completed_at", "-id")
        .first()
    )
    harm = _first_harm(case, report)
    if referral is not None:
        return Subject(report.organisation, referral.service, referral.service_type, harm)
    if case.status == Case.Status.CLOSED:
        return Subject(report.organisation, None, OWN_HELP, harm)
    return None


def subject_of(home: Report, public_key: bytes | None) -> Subject | None:
    """The help the reporter may rate now, or None (not over yet, or already asked).
    ``public_key`` (from the receipt) keeps to the parts sealed to it; None reads every
    part of the mailbox (the text-message channel, which knows the report, not the key)."""
    if home.feedback_done:
        return None
    for report in reversed(mailbox.mailbox_reports(home, public_key)):
        found = _finished_help(report)
        if found is not None:
            return found
    return None


def locked_subject(home: Report, public_key: bytes | None) -> tuple[Report, Subject]:
    locked = Report.objects.select_for_update().get(pk=home.pk)
    if locked.feedback_done:
        raise FeedbackRefused(_("You have already answered these questions. Thank you."))
    subject = subject_of(locked, public_key)
    if subject is None:
        raise FeedbackRefused(
            _("These questions open when the help you asked for is over. Come back later.")
        )
    return locked, subject


@transaction.atomic
def answer(
    home: Report, public_key: bytes, *, listened: str, helped: str, recommend: str, words: str
) -> Answer:
    """Store one answer and mark the receipt as asked; FeedbackRefused stores nothing."""
    locked, subject = locked_subject(home, public_key)
    return store_answer(
        locked, subject, listened=listened, helped=helped, recommend=recommend, words=words
    )


def store_answer(
    locked: Report, subject: Subject, *, listened: str, helped: str, recommend: str, words: str
) -> Answer:
    """The answer row, apart from the report, and the report marked as asked: inside the
    caller's transaction, the report locked."""
    row = Answer.objects.create(
        organisation=subject.organisation,
        # The month as the statistics count it (UTC), like a report's.
        month=timezone.now().astimezone(UTC).date().replace(day=1),
        service=subject.service,
        service_type=subject.service_type,
        harm_type=subject.harm_type,
        listened=listened,
        helped=helped,
        recommend=recommend,
    )
    if words:
        seal_words(row, words)
    Report.objects.filter(pk=locked.pk).update(feedback_done=True)
    return row


def seal_words(answer: Answer, words: str) -> None:
    """The child's few words, sealed for the organisation (bound to this answer)."""
    organisation = answer.organisation

    def seal(place: encryption.Place) -> bytes:
        return encryption.seal_for_organisation(organisation, words, place=place)

    encryption.store_sealed(answer, "sealed_words", seal, owner=organisation)


@transaction.atomic
def skip(home: Report, public_key: bytes | None) -> None:
    """The reporter would rather not answer: they are not asked again."""
    locked, _subject = locked_subject(home, public_key)
    Report.objects.filter(pk=locked.pk).update(feedback_done=True)
