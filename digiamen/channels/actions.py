"""The only writers of channel data: messages in, conversations, reports, the outbox.

What a seized server (database and SECRET_KEY) can read of a text-message reporter is
kept to what it must read to reply; see docs/security-model.md for the table:

* the reporter's words are sealed for the organisation as they arrive (``_seal_record``);
  the channel key holds only the step, the language and the categorical choices;
* a plain SMS gateway's number is kept (channel key) only after a report whose reporter
  agreed to be contacted, for CHANNEL_FOLLOWUP_DAYS; a RapidPro reporter's number is never
  read at all: the contact's UUID takes its place;
* the outbox goes when the gateway has it, or after CHANNEL_OUTBOX_MAX_AGE_HOURS.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from digiamen.awareness import campaigns
from digiamen.channels import script, store
from digiamen.channels.models import Conversation, Gateway, InboundMessage, OutboundMessage
from digiamen.core import audit, crypto, encryption, signals
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


def _reply_to_purpose(gateway: Gateway) -> str:
    # The name is older than RapidPro contacts: numbers stored before still open.
    return f"channels:phone:{gateway.pk}"


def _answers_purpose(conversation_id: int) -> str:
    return f"channels:answers:{conversation_id}"


OUTBOX_PURPOSE = "channels:outbox"


def _remembered_purpose(gateway: Gateway, message_id: str) -> str:
    return f"channels:reply:{gateway.pk}:{message_id}"


def _campaign_in(text: str) -> str:
    """A running campaign's code among the first words of a first message ("HELP
    SCHOOL-RABAT-2027"); '' when there is none. Never an error for the reporter."""
    for word in script.clean_text(text).split()[:5]:
        code = campaigns.running(word)
        if code:
            return code
    return ""


def receive(
    gateway: Gateway,
    *,
    sender: str,
    text: str,
    secret: str,
    message_id: str = "",
    sent_at: datetime | None = None,
) -> Answer:
    """One message from a gateway. The same message id twice gets the same answer, once.

    ``sender`` is a phone number (plain SMS gateway) or a RapidPro contact UUID; ``secret``
    is the gateway's secret from the request, under which the answer is remembered for
    retries (the last answer holds the receipt: a seized server must not read it).

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
                        try:
                            replies = store.recall(
                                secret,
                                bytes(seen.reply),
                                purpose=_remembered_purpose(gateway, message_id),
                            )
                        except crypto.DecryptionError:
                            # Remembered under a secret since replaced: answer nothing
                            # rather than apply the message twice.
                            replies = []
                        return Answer(replies)
                answer = _converse(gateway, sender, script.clean_text(text), sent_at)
                if message_id:
                    InboundMessage.objects.create(
                        gateway=gateway,
                        message_id=message_id,
                        reply=store.remember(
                            secret,
                            answer.replies,
                            purpose=_remembered_purpose(gateway, message_id),
                        ),
                    )
            return answer
        except IntegrityError:
            if attempt:
                raise
    raise RuntimeError("unreachable")


def _converse(gateway: Gateway, sender: str, text: str, sent_at: datetime | None) -> Answer:
    # The first is how the sender is filed now; the other finds what an earlier key
    # derivation filed (store.sender_lookups).
    lookups = store.sender_lookups(gateway.provider, sender)
    lookup = lookups[0]
    now = timezone.now()
    # A consultation's keyword, or an answer to one under way, is not a report.
    for _receiver, replies in signals.text_received.send(
        sender=Gateway, gateway=gateway, lookups=lookups, text=text, now=now
    ):
        if replies:
            return Answer(list(replies))
    organisation = gateway.organisation
    default_language = (organisation.languages or ["ar"])[0]
    conversation = (
        Conversation.objects.select_for_update()
        .filter(gateway=gateway, sender_lookup__in=lookups, report__isnull=True)
        .first()
    )
    if conversation is not None and conversation.expires_at <= now:
        conversation.delete()  # abandoned: nothing of it is kept
        conversation = None
    if conversation is None:
        followed = _follow_up(gateway, lookups, text, now)
        if followed is not None:
            return followed
        outcome = script.start(text, default_language, organisation.country)
        code = _campaign_in(text)
        if code:  # the keyword a poster or a session gave: counted for its campaign
            outcome.state.answers["campaign"] = code
        conversation = Conversation(
            gateway=gateway, sender_lookup=lookup, answers=b"", expires_at=now
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
    # The reporter's own words leave the server's reach at once: sealed for the
    # organisation, and never stored under the channel key.
    own_words = {
        name: outcome.state.answers.pop(name)
        for name in script.FREE_TEXT
        if name in outcome.state.answers
    }
    if own_words:
        conversation.sealed = _seal_record(gateway, sender, own_words)
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
        return _submit(gateway, conversation, sender, outcome.state)
    return Answer(outcome.replies)


def _contact_for_organisation(gateway: Gateway, sender: str) -> str:
    """What counsellors see as the contact of a reporter who agreed to be contacted."""
    if gateway.provider == Gateway.Provider.RAPIDPRO:
        return f"RapidPro contact {sender}"  # the number stays in RapidPro
    return sender


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _seal_record(gateway: Gateway, sender: str, own_words: dict[str, str]) -> dict[str, str]:
    """The report-to-be's protected fields, sealed now for the organisation.

    A fresh data key, sealed to the organisation's public key, encrypts every protected
    field the report will have, and is then forgotten: the server keeps only ciphertexts
    it cannot open. The contact is sealed both ways because consent is asked afterwards.
    """
    record = str(uuid.uuid4())
    record_key = encryption.new_case_record_key(gateway.organisation)

    def sealed(value: str, field: str) -> str:
        return _b64(record_key.encrypt(value, field=field, record=record))

    return {
        "record": record,
        "envelope": _b64(record_key.envelope),
        "narrative": sealed(own_words.get("narrative", ""), "narrative"),
        "involved_accounts": sealed("", "involved_accounts"),
        "contact_if_agreed": sealed(_contact_for_organisation(gateway, sender), "contact"),
        "contact_if_refused": sealed("", "contact"),
    }


def _follow_up(gateway: Gateway, lookups: list[str], text: str, now: datetime) -> Answer | None:
    """After a report, a message from the same sender goes to its counsellor (for a while)."""
    conversation = (
        Conversation.objects.filter(
            gateway=gateway,
            sender_lookup__in=lookups,
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
    for _receiver, replies in signals.text_follow_up.send(
        sender=Conversation, report=conversation.report, text=text, language=conversation.language
    ):
        if replies:
            return Answer(list(replies))
    try:
        intake_actions.post_reporter_message(conversation.report, text[:MESSAGE_MAX])
    except intake_actions.NoMailbox:
        return None  # the case was purged: nobody is there to read it
    with translation.override(conversation.language):
        return Answer([_("Your message was passed to a counsellor.")])


def _submit(
    gateway: Gateway, conversation: Conversation, sender: str, state: script.State
) -> Answer:
    raw = dict(state.answers)
    raw["reporter_type"] = "unknown"
    # The contact is sealed already (``_seal_record``); only the choices are validated here.
    raw["contact_method"] = "receipt"
    raw["contact_value"] = ""
    answers, errors = validate_answers(raw)
    if errors:  # the script only offers valid choices; a changed taxonomy could still differ
        conversation.delete()
        with translation.override(state.language):
            return Answer([_("Sorry, your report could not be saved. Please start again.")], 422)
    answers["campaign"] = raw.get("campaign", "")  # the first message's keyword, if any
    agreed = bool(answers.get("consent_contact"))
    # A RapidPro reporter is reached only through RapidPro (no number here to call).
    reached_by = "rapidpro" if gateway.provider == Gateway.Provider.RAPIDPRO else "phone"
    answers["contact_method"] = reached_by if agreed else "receipt"
    pieces = conversation.sealed or _seal_record(gateway, sender, {})
    sealed = intake_actions.SealedFields(
        record=uuid.UUID(pieces["record"]),
        envelope=base64.b64decode(pieces["envelope"]),
        narrative=base64.b64decode(pieces["narrative"]),
        involved_accounts=base64.b64decode(pieces["involved_accounts"]),
        contact=base64.b64decode(pieces["contact_if_agreed" if agreed else "contact_if_refused"]),
    )
    submission = intake_actions.submit_report(
        answers,
        channel=gateway.kind,
        submission_id=crypto.lookup_hash(f"channels:{pieces['record']}".encode()),
        organisation=gateway.organisation,
        sealed=sealed,
    )
    if agreed:
        # The way back, for counsellors' replies and the reporter's next messages.
        conversation.report = submission.report
        conversation.reply_to = store.seal(sender, purpose=_reply_to_purpose(gateway))
        conversation.answers = b""
        conversation.sealed = {}
        conversation.step = "done"
        conversation.save(update_fields=["report", "reply_to", "answers", "sealed", "step"])
    else:
        # Not to be contacted: the number (or contact id) is forgotten now; replies reach
        # only the web mailbox, and a later text starts a new conversation.
        conversation.delete()
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
    """A counsellor's reply to a report made by text message goes out the same way, if the
    reporter agreed to be contacted (otherwise no way back is kept)."""
    conversation = Conversation.objects.filter(report=report).select_related("gateway").first()
    if conversation is None or not bytes(conversation.reply_to):
        return None
    gateway = conversation.gateway
    address = store.unseal(bytes(conversation.reply_to), purpose=_reply_to_purpose(gateway))
    return OutboundMessage.objects.create(
        gateway=gateway,
        report=report,
        reply_to=store.seal(address, purpose=_reply_to_purpose(gateway)),
        text=store.seal(text[:MESSAGE_MAX], purpose=OUTBOX_PURPOSE),
    )


def sms_gateway(organisation: Any) -> Gateway | None:
    """The organisation's active plain SMS gateway (the one that sends to numbers), if any;
    the oldest when there are several."""
    return (
        Gateway.objects.filter(
            organisation=organisation,
            is_active=True,
            kind=Gateway.Kind.SMS,
            provider=Gateway.Provider.SMS_GATEWAY,
        )
        .order_by("id")
        .first()
    )


def queue_text_to_number(gateway: Gateway, number: str, text: str) -> OutboundMessage:
    """A text of the server's own (a staff alert, never a report's content) for a number,
    in the gateway's outbox like a counsellor's reply but of no report."""
    return OutboundMessage.objects.create(
        gateway=gateway,
        report=None,
        reply_to=store.seal(number, purpose=_reply_to_purpose(gateway)),
        text=store.seal(text[:MESSAGE_MAX], purpose=OUTBOX_PURPOSE),
    )


@dataclass(frozen=True)
class Outgoing:
    id: int
    address: str  # a number (SMS gateway) or a RapidPro contact UUID
    text: str


def outgoing(gateway: Gateway, limit: int = 100) -> list[Outgoing]:
    messages = OutboundMessage.objects.filter(gateway=gateway)[:limit]
    return [
        Outgoing(
            message.pk,
            store.unseal(bytes(message.reply_to), purpose=_reply_to_purpose(gateway)),
            store.unseal(bytes(message.text), purpose=OUTBOX_PURPOSE),
        )
        for message in messages
    ]


def queued(gateway: Gateway, limit: int = 100) -> list[dict[str, Any]]:
    """The outbox as the gateway collects it: ``to`` a number, or ``contact`` for RapidPro."""
    field = "contact" if gateway.provider == Gateway.Provider.RAPIDPRO else "to"
    return [
        {"id": item.id, field: item.address, "text": item.text} for item in outgoing(gateway, limit)
    ]


def mark_sent(gateway: Gateway, ids: list[int]) -> int:
    """The gateway has them: the messages are deleted, number (or contact) and text."""
    with transaction.atomic():
        count, _deleted = OutboundMessage.objects.filter(gateway=gateway, pk__in=ids).delete()
        record_outbox_sent(gateway, count)
    return count


def record_outbox_sent(gateway: Gateway, count: int) -> None:
    """How many messages left the outbox (never to whom or what), in the audit log."""
    if count:
        audit.record(
            "channels.outbox_sent",
            organisation=gateway.organisation,
            obj=gateway,
            details={"count": count},
        )


def expire_conversations() -> int:
    """Abandoned conversations go: their partial answers are never read again. After the
    follow-up period, a reporter's number goes too (later replies reach only the web mailbox);
    remembered answers go after a day, and outbox messages no gateway collected after
    CHANNEL_OUTBOX_MAX_AGE_HOURS.
    """
    now = timezone.now()
    abandoned, _ = Conversation.objects.filter(report__isnull=True, expires_at__lt=now).delete()
    finished, _ = Conversation.objects.filter(
        report__isnull=False,
        created_at__lt=now - timedelta(days=settings.CHANNEL_FOLLOWUP_DAYS),
    ).delete()
    # Remembered answers exist for gateways' retries, which come within minutes.
    InboundMessage.objects.filter(created_at__lt=now - timedelta(days=1)).delete()
    # A reply nobody collected is readable with the server's key: it does not wait forever
    # (the counsellor's copy stays in the report's mailbox).
    cutoff = now - timedelta(hours=settings.CHANNEL_OUTBOX_MAX_AGE_HOURS)
    for gateway in (
        Gateway.objects.filter(outbox__created_at__lt=cutoff)
        .distinct()
        .select_related("organisation")
    ):
        with transaction.atomic():
            stale, _ = OutboundMessage.objects.filter(
                gateway=gateway, created_at__lt=cutoff
            ).delete()
            audit.record(
                "channels.outbox_expired",
                organisation=gateway.organisation,
                obj=gateway,
                details={"count": stale},
            )
    return abandoned + finished


def _token_purpose(gateway: Gateway) -> str:
    return f"channels:rapidpro-token:{gateway.pk}"


def rapidpro_token(gateway: Gateway) -> str:
    if not bytes(gateway.rapidpro_token):
        return ""
    return store.unseal(bytes(gateway.rapidpro_token), purpose=_token_purpose(gateway))


def create_gateway(
    organisation: Any,
    *,
    name: str,
    kind: str = Gateway.Kind.SMS,
    provider: str = Gateway.Provider.SMS_GATEWAY,
    rapidpro_url: str = "",
    rapidpro_token: str = "",
    actor: Any = None,
) -> tuple[Gateway, str]:
    """A gateway and its shared secret (shown once; the database keeps a hash).

    A RapidPro gateway may get its API address and token, to send counsellors' replies to
    the contact through RapidPro; the token must be readable by the server (channel key).
    """
    secret = crypto.random_token(24)
    with transaction.atomic():
        gateway = Gateway.objects.create(
            organisation=organisation,
            name=name,
            kind=kind,
            provider=provider,
            rapidpro_url=rapidpro_url if provider == Gateway.Provider.RAPIDPRO else "",
            secret_hash=crypto.lookup_hash(secret.encode()),
        )
        if provider == Gateway.Provider.RAPIDPRO and rapidpro_token:
            gateway.rapidpro_token = store.seal(rapidpro_token, purpose=_token_purpose(gateway))
            gateway.save(update_fields=["rapidpro_token"])
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
