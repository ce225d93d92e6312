"""The same questions by text message, for a reporter who reported so and can still be
reached: within the channel's follow-up period, with a way back kept (``channels``).

When the help is over (a case closed, a referral completed), the first question goes out
after the commit. Each reply of one digit answers the next question (Arabic-Indic digits
too); 0 declines; any other words go to the counsellor as before, the questions still open.
The answers given so far wait in ``TextQuestions`` until the last one, which stores the
``Answer`` and deletes them in one transaction.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from digiamen.cases.models import Case
from digiamen.channels.actions import queue_reply_for_report
from digiamen.channels.models import Conversation
from digiamen.core import signals
from digiamen.core.taxonomy import Channel
from digiamen.feedback import actions
from digiamen.feedback.models import TextQuestions
from digiamen.intake import mailbox
from digiamen.intake.models import Report
from digiamen.referrals.models import Referral

QUESTIONS_OPEN_DAYS = 7
ORDER = ("listened", "helped", "recommend")
ANSWER_CODES = {"1": "yes", "2": "partly", "3": "no"}
DECLINE = "0"
DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


def question(field: str) -> str:
    """One question and how to answer it, in the active language."""
    return {
        "listened": _("Did you feel listened to? Reply 1 for yes, 2 for a little, 3 for no."),
        "helped": _("Did you get the help you needed? Reply 1 for yes, 2 for partly, 3 for no."),
        "recommend": _(
            "Would you tell a friend to contact us? Reply 1 for yes, 2 for not sure, 3 for no."
        ),
    }[field]


def _reachable(report: Report) -> Conversation | None:
    """The report's text conversation, if it still holds a way back."""
    since = timezone.now() - timedelta(days=settings.CHANNEL_FOLLOWUP_DAYS)
    conversation = Conversation.objects.filter(report=report, created_at__gte=since).first()
    return conversation if conversation is not None and bytes(conversation.reply_to) else None


def offer(report: Report) -> bool:
    """Send the first question to the reporter of ``report``'s mailbox, if they reported by
    text message, can be reached, and were not asked yet."""
    home = mailbox.home_of(report)
    if home.channel not in (Channel.SMS, Channel.WHATSAPP):
        return False
    conversation = _reachable(home)
    if conversation is None:
        return False
    with transaction.atomic():
        locked = Report.objects.select_for_update().get(pk=home.pk)
        if locked.feedback_done or TextQuestions.objects.filter(report=locked).exists():
            return False
        if actions.subject_of(locked, None) is None:
            return False
        TextQuestions.objects.create(
            report=locked,
            language=conversation.language,
            expires_at=timezone.now() + timedelta(days=QUESTIONS_OPEN_DAYS),
        )
        with translation.override(conversation.language):
            text = " ".join(
                [
                    _(
                        "The help you asked for is over. Three short questions: your answers "
                        "are kept apart from your report. Reply 0 if you would rather not."
                    ),
                    question(ORDER[0]),
                ]
            )
        queue_reply_for_report(locked, text)
    return True


def take_reply(report: Report, text: str, language: str) -> list[str] | None:
    """The replies to one message of the reporter, if it answers a question; else None."""
    word = text.strip().strip(".!").translate(DIGITS)
    if word != DECLINE and word not in ANSWER_CODES:
        return None
    with transaction.atomic(), translation.override(language):
        pending = (
            TextQuestions.objects.select_for_update()
            .filter(report=report, expires_at__gt=timezone.now())
            .first()
        )
        if pending is None:
            return None
        if word == DECLINE:
            pending.delete()
            # Nothing left to decline (the case reopened): the questions simply end.
            with contextlib.suppress(actions.FeedbackRefused):
                actions.skip(report, None)
            return [_("That is fine. We will not ask you again.")]
        answer = ANSWER_CODES[word]
        if not pending.listened:
            pending.listened = answer
            pending.save(update_fields=["listened"])
            return [question("helped")]
        if not pending.helped:
            pending.helped = answer
            pending.save(update_fields=["helped"])
            return [question("recommend")]
        pending.delete()
        try:
            locked, subject = actions.locked_subject(report, None)
        except actions.FeedbackRefused as refused:
            return [str(refused)]
        actions.store_answer(
            locked,
            subject,
            listened=pending.listened,
            helped=pending.helped,
            recommend=answer,
            words="",
        )
        return [_("Thank you. Your answers help other children get better help.")]


def expire() -> int:
    """Questions left unanswered: what was answered of them goes, unread."""
    removed, _rows = TextQuestions.objects.filter(expires_at__lte=timezone.now()).delete()
    return removed


@receiver(signals.case_closed)
def _case_closed(sender: Any, case: Case, **kwargs: Any) -> None:
    report = case.report
    transaction.on_commit(lambda: offer(report))


@receiver(signals.referral_answered)
def _referral_answered(sender: Any, referral: Referral, status: str, **kwargs: Any) -> None:
    if status == Referral.Status.COMPLETED:
        report = referral.case.report
        transaction.on_commit(lambda: offer(report))


@receiver(signals.text_follow_up)
def _text_follow_up(
    sender: Any, report: Report, text: str, language: str, **kwargs: Any
) -> list[str] | None:
    return take_reply(report, text, language)
