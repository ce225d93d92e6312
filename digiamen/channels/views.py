"""Gateway endpoints: ``/channels/<gateway-id>/rapidpro`` (a RapidPro/TextIt flow's
call_webhook, JSON in and out; RapidPro gateways only), ``/channels/<gateway-id>/sms`` (a
form POST of ``from`` and ``text``, Twilio-style, answered with TwiML; plain SMS gateways
only), and the outbox the gateway collects.

Each request carries the gateway's shared secret as ``Authorization: Token <secret>``. No
cookie, no session, no CSRF token: these are machine-to-machine calls.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from digiamen.channels import actions, store
from digiamen.channels import rapidpro as rapidpro_webhook
from digiamen.channels.models import Gateway
from digiamen.core import crypto, untrusted
from digiamen.core.clients import RateLimit

BODY_MAX = 64 * 1024


class Refused(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status, self.detail = status, detail


def gateway_for(request: HttpRequest, gateway_id: str, provider: str = "") -> tuple[Gateway, str]:
    """The gateway and the secret its request carried (remembered answers are sealed
    under it), or Refused. With ``provider``, a gateway of another provider is refused."""
    try:
        public_id = uuid.UUID(gateway_id)
    except ValueError as error:
        raise Refused(404, _("Unknown gateway.")) from error
    gateway = (
        Gateway.objects.select_related("organisation")
        .filter(public_id=public_id, is_active=True)
        .first()
    )
    if gateway is None:
        raise Refused(404, _("Unknown gateway."))
    scheme, _space, secret = request.headers.get("Authorization", "").partition(" ")
    if (
        scheme.lower() != "token"
        or not secret
        or len(secret) > 200
        or not crypto.constant_time_equal(
            gateway.secret_hash, crypto.lookup_hash(secret.strip().encode())
        )
    ):
        raise Refused(401, _("The gateway's secret is missing or wrong."))
    if len(request.body) > BODY_MAX:
        raise Refused(413, _("The request is too large."))
    if provider and gateway.provider != provider:
        raise Refused(404, _("This gateway does not take messages at this address."))
    return gateway, secret.strip()


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return parse_datetime(value)
    except ValueError:
        return None


def _message(phone: Any, text: Any) -> tuple[str, str]:
    if not isinstance(phone, str) or not isinstance(text, str):
        raise Refused(400, _("A message needs the sender's number and a text."))
    number = store.normalise_phone(phone)
    if number is None:
        raise Refused(400, _("The sender's number is not a phone number."))
    _check_text(text)
    return number, text


def _check_text(text: str) -> None:
    if not text.strip() or len(text) > actions.MESSAGE_MAX:
        raise Refused(400, _("The text is empty or too long."))


def _check_rate(gateway: Gateway, sender: str) -> None:
    """Each number (or RapidPro contact) may send only so many messages an hour."""
    limit = RateLimit("channel-number", settings.CHANNEL_MESSAGES_PER_HOUR, 3600)
    subject = f"{gateway.pk}:{store.sender_lookup(gateway.provider, sender)}"
    if limit.exceeded(subject):
        raise Refused(429, _("Too many messages from this number. Wait an hour."))
    limit.hit(subject)


def _json(status: int, payload: dict[str, Any]) -> JsonResponse:
    return JsonResponse(payload, status=status, json_dumps_params={"ensure_ascii": False})


@csrf_exempt
@require_POST
def rapidpro(request: HttpRequest, gateway_id: str) -> HttpResponse:
    try:
        gateway, secret = gateway_for(request, gateway_id, Gateway.Provider.RAPIDPRO)
        try:
            body = untrusted.read_json(request.body)
        except ValueError as error:
            raise Refused(400, _("The body must be JSON in UTF-8.")) from error
        if not isinstance(body, dict):
            raise Refused(400, _("The body must be a JSON object."))
        # The contact's UUID only: the URN (the number) is never read out of the body.
        contact = rapidpro_webhook.contact_uuid(body)
        given: dict[str, Any] = body["input"] if isinstance(body.get("input"), dict) else {}
        text = given.get("text") if "text" in given else body.get("text")
        if contact is None or not isinstance(text, str):
            raise Refused(400, _("A message needs the contact's UUID and a text."))
        _check_text(text)
        message_id = str(given.get("uuid") or body.get("message_id") or "")[:100]
        sent_at = _time(given.get("created_on") or body.get("created_on"))
        _check_rate(gateway, contact)
    except Refused as refused:
        return _json(refused.status, {"error": refused.detail, "messages": []})
    answer = actions.receive(
        gateway, sender=contact, text=text, secret=secret, message_id=message_id, sent_at=sent_at
    )
    return _json(
        200 if answer.status < 400 else answer.status,
        {
            "messages": answer.replies,
            "reply": "\n\n".join(answer.replies),
            "done": answer.status == 201,
        },
    )


def _twiml(status: int, texts: list[str]) -> HttpResponse:
    body = "".join(f"<Message>{escape(text)}</Message>" for text in texts)
    return HttpResponse(
        f'<?xml version="1.0" encoding="UTF-8"?><Response>{body}</Response>',
        status=status,
        content_type="text/xml; charset=utf-8",
    )


@csrf_exempt
@require_POST
def sms(request: HttpRequest, gateway_id: str) -> HttpResponse:
    try:
        gateway, secret = gateway_for(request, gateway_id, Gateway.Provider.SMS_GATEWAY)
        data = request.POST
        phone, text = _message(
            data.get("from") or data.get("From"), data.get("text") or data.get("Body")
        )
        message_id = (data.get("id") or data.get("MessageSid") or data.get("message_id") or "")[
            :100
        ]
        sent_at = _time(data.get("sent_at") or data.get("timestamp"))
        _check_rate(gateway, phone)
    except Refused as refused:
        return _twiml(refused.status, [refused.detail])
    answer = actions.receive(
        gateway, sender=phone, text=text, secret=secret, message_id=message_id, sent_at=sent_at
    )
    return _twiml(200 if answer.status < 400 else answer.status, answer.replies)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def outbox(request: HttpRequest, gateway_id: str) -> HttpResponse:
    """GET: the messages waiting to be sent (``to`` a number, or ``contact`` a RapidPro
    contact UUID). POST {"sent": [ids]}: the gateway has them, and they are deleted."""
    try:
        gateway, _secret = gateway_for(request, gateway_id)
        if request.method == "GET":
            return _json(200, {"messages": actions.queued(gateway)})
        try:
            body = untrusted.read_json(request.body)
        except ValueError as error:
            raise Refused(400, _("The body must be JSON in UTF-8.")) from error
        sent = body.get("sent") if isinstance(body, dict) else None
        if not isinstance(sent, list) or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in sent
        ):
            raise Refused(400, _('Send {"sent": [message ids]}.'))
    except Refused as refused:
        return _json(refused.status, {"error": refused.detail})
    return _json(200, {"marked": actions.mark_sent(gateway, sent[:1000])})
