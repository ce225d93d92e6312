"""The only writers of channel data: messages in, conversations, reports, the outbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from digiamen.channels import script, store
from digiamen.channels.models import Conversation, Gateway, InboundMessage, OutboundMessage
from digiamen.core import audit, crypto
from digiamen.intake import actions as intake_actions
from digiamen.intake.advice import advice_for
from digiamen.intake.forms import validate_answers
from digiamen.intake.models import Report
from digiamen.intake.receipts import format_receipt

MESSAGE_MAX = 1600  # ten SMS segments; longer is not a text message


@dataclass
class Answer:
    replies: list[str]
    status: int = 200


def _phone_purpose(gateway: Gateway) -> str:
    return f"channels:phone:{gateway.pk}"


def _answers_purpose(conversation_id: int) -> str:
    return f"channels:answers:{conversation_id}"


def receive(
    gateway: Gateway,
    *,
    phone: str,
    text: str,
    message_id: str = "",
    sent_at: datetime | None = None,
) -> Answer:
    """One message from a gateway. The same message id twice gets the same answer, once.

    All or nothing: the conversation, the report and the remembered answer are stored in
    one transaction. Two deliveries racing (a retry arriving before the first answer, or two
    first messages from one number) collide on a unique constraint; the loser is rolled
    back and tried again, and then finds what the winner stored.
    """
    for attempt in range(2):
        try:
            with transaction.atomic():
                if message_id:
                    seen = InboundMessage.objects.filter(
                        gateway=gateway, message_id=message_id
                    ).first()
                    if seen is not None:
                        replies = store.unseal_json(bytes(seen.reply), purpose="channels:reply")
                        return Answer(replies)
                answer = _converse(gateway, phone, script.clean_text(text), sent_at)
                if message_id:
                    InboundMessage.objects.create(
                        gateway=gateway,
                        message_id=message_id,
                        reply=store.seal_json(answer.replies, purpose="channels:reply"),
                    )
            return answer
        except IntegrityError:
            if attempt:
                raise
    raise RuntimeError("unreachable")


def _converse(gateway: Gateway, phone: str, text: str, sent_at: datetime | None) -> Answer:
    lookup = store.phone_lookup(phone)
    now = timezone.now()
    organisation = gateway.organisation
    default_language = (organisation.languages or ["ar"])[0]
    conversation = (
        Conversation.objects.select_for_update()
        .filter(gateway=gateway, phone_lookup=lookup, report__isnull=True)
        .first()
    )
    if conversation is not None and conversation.expires_at <= now:
        conversation.delete()  # abandoned: nothing of it is kept
        conversation = None
    if conversation is None:
        followed = _follow_up(gateway, lookup, text, now)
        if followed is not None:
            return followed
        outcome = script.start(text, default_language, organisation.country)
        conversation = Conversation(
            gateway=gateway,
            phone_lookup=lookup,
            phone=store.seal(phone, purpose=_phone_purpose(gateway)),
            answers=b"",
            expires_at=now,
        )
    else:
        if sent_at and conversation.last_sent_at and sent_at < conversation.last_sent_at:
            with translation.override(conversation.language):
                return Answer([_("This message arrived late and was ignored.")], status=409)
        state = script.State(
            conversation.language,
            conversation.step,
            store.unseal_json(
                bytes(conversation.answers), purpose=_answers_purpose(conversation.pk)
            ),
        )
        outcome = script.answer(state, text, organisation.country)
    if outcome.stopped:
        conversation.delete()
        return Answer(outcome.replies)
    conversation.language = outcome.state.language
    conversation.step = outcome.state.step
    conversation.last_sent_at = sent_at or conversation.last_sent_at
    conversation.expires_at = now + timedelta(minutes=settings.CHANNEL_CONVERSATION_MINUTES)
    if conversation.pk is None:
        conversation.save()
    conversation.answers = store.seal_json(
        outcome.state.answers, purpose=_answers_purpose(conversation.pk)
    )
    conversation.save()
    if outcome.finished:
        return _submit(gateway, conversation, phone, outcome.state)
    return Answer(outcome.replies)


def _follow_up(gateway: Gateway, lookup: str, text: str, now: datetime) -> Answer | None:
    """After a report, a message from the same number goes to its counsellor (for a while)."""
    conversation = (
        Conversation.objects.filter(
            gateway=gateway,
            phone_lookup=lookup,
            report__isnull=False,
            created_at__gte=now - timedelta(days=settings.CHANNEL_FOLLOWUP_DAYS),
        )
        .select_related("report")
        .order_by("-created_at")
        .first()
    )
    if conversation is None or conversation.report is None or not text:
        return None
    if script.word_of(text) in script.STOP_WORDS:
        return None
    try:
        intake_actions.post_reporter_message(conversation.report, text[:MESSAGE_MAX])
    except intake_actions.NoMailbox:
        return None  # the case was purged: nobody is there to read it
    with translation.override(conversation.language):
        return Answer([_("Your message was passed to a counsellor.")])


def _submit(
    gateway: Gateway, conversation: Conversation, phone: str, state: script.State
) -> Answer:
    raw = dict(state.answers)
    raw["reporter_type"] = "unknown"
    raw["contact_method"] = "phone" if raw.get("consent_contact") else "receipt"
    raw["contact_value"] = phone if raw.get("consent_contact") else ""
    answers, errors = validate_answers(raw)
    if errors:  # the script only offers valid choices; a changed taxonomy could still differ
        conversation.delete()
        with translation.override(state.language):
            return Answer([_("Sorry, your report could not be saved. Please start again.")], 422)
    submission = intake_actions.submit_report(
        answers,
        channel=gateway.kind,
        submission_id=crypto.lookup_hash(f"channels:{conversation.pk}".encode()),
        organisation=gateway.organisation,
    )
    conversation.report = submission.report
    conversation.answers = b""
    conversation.step = "done"
    conversation.save(update_fields=["report", "answers", "step"])
    with translation.override(state.language):
        receipt = _(
            "Thank you, we received your report. Your secret number is %(receipt)s: keep it "
            "hidden; with it you can talk to a counsellor on our website."
        ) % {"receipt": format_receipt(submission.receipt)}
        advice = advice_for(submission.report.harm_types)[0]
        tips = str(advice.title) + ": " + " ".join(str(step) for step in advice.steps[:3])
    return Answer([receipt, tips], status=201)


# --- Outbox ---------------------------------------------------------------------------------------


def queue_reply_for_report(report: Report, text: str) -> OutboundMessage | None:
    """A counsellor's reply to a report made by text message goes out the same way."""
    conversation = Conversation.objects.filter(report=report).select_related("gateway").first()
    if conversation is None:
        return None
    gateway = conversation.gateway
    phone = store.unseal(bytes(conversation.phone), purpose=_phone_purpose(gateway))
    message = OutboundMessage.objects.create(
        gateway=gateway,
        report=report,
        phone=store.seal(phone, purpose=_phone_purpose(gateway)),
        text=store.seal(text[:MESSAGE_MAX], purpose="channels:outbox"),
    )
    return message


def queued(gateway: Gateway, limit: int = 100) -> list[dict[str, Any]]:
    messages = OutboundMessage.objects.filter(
        gateway=gateway, status=OutboundMessage.Status.QUEUED
    )[:limit]
    return [
        {
            "id": message.pk,
            "to": store.unseal(bytes(message.phone), purpose=_phone_purpose(gateway)),
            "text": store.unseal(bytes(message.text), purpose="channels:outbox"),
        }
        for message in messages
    ]


def mark_sent(gateway: Gateway, ids: list[int]) -> int:
    """Sent messages keep no number and no text."""
    with transaction.atomic():
        count = OutboundMessage.objects.filter(
            gateway=gateway, pk__in=ids, status=OutboundMessage.Status.QUEUED
        ).update(status=OutboundMessage.Status.SENT, sent_at=timezone.now(), phone=b"", text=b"")
        if count:
            audit.record(
                "channels.outbox_sent",
                organisation=gateway.organisation,
                obj=gateway,
                details={"count": count},
            )
    return count


def expire_conversations() -> int:
    """Abandoned conversations go: their partial answers are never read again. After the
    follow-up period, a reporter's number goes too (later replies reach only the web mailbox),
    and remembered answers go after a day.
    """
    now = timezone.now()
    abandoned, _ = Conversation.objects.filter(report__isnull=True, expires_at__lt=now).delete()
    finished, _ = Conversation.objects.filter(
        report__isnull=False,
        created_at__lt=now - timedelta(days=settings.CHANNEL_FOLLOWUP_DAYS),
    ).delete()
    # Remembered answers exist for gateways' retries, which come within minutes; the last
    # one holds a receipt (a bearer secret), so none is kept longer than a day.
    InboundMessage.objects.filter(created_at__lt=now - timedelta(days=1)).delete()
    return abandoned + finished


def create_gateway(
    organisation: Any, *, name: str, kind: str = Gateway.Kind.SMS, actor: Any = None
) -> tuple[Gateway, str]:
    """A gateway and its shared secret (shown once; the database keeps a hash)."""
    secret = crypto.random_token(24)
    with transaction.atomic():
        gateway = Gateway.objects.create(
            organisation=organisation,
            name=name,
            kind=kind,
            secret_hash=crypto.lookup_hash(secret.encode()),
        )
        audit.record(
            "channels.gateway_created", actor=actor, organisation=organisation, obj=gateway
        )
    return gateway, secret


def rotate_secret(gateway: Gateway, actor: Any) -> str:
    """A new secret for the gateway; the old one stops working at once."""
    secret = crypto.random_token(24)
    with transaction.atomic():
        Gateway.objects.filter(pk=gateway.pk).update(
            secret_hash=crypto.lookup_hash(secret.encode())
        )
        audit.record(
            "channels.gateway_secret_changed",
            actor=actor,
            organisation=gateway.organisation,
            obj=gateway,
        )
    return secret
