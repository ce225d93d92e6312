"""RapidPro/TextIt: who wrote (the contact's UUID, never its URN) and sending replies.

A flow's ``call_webhook`` posts the contact (``uuid``, ``urn``, name) and the input. Only
the UUID is read: the URN (the phone number) is never taken out of the body, so it never
reaches the database, a log or a hash. Replies go back through RapidPro's broadcasts API to
``contacts: [uuid]`` (RapidPro knows the number; Digi-Amen does not).
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
import uuid
from typing import Any

from digiamen.channels import actions
from digiamen.channels.models import Gateway, OutboundMessage

logger = logging.getLogger(__name__)
TIMEOUT_SECONDS = 15
BROADCASTS_PATH = "/api/v2/broadcasts.json"
TEXT_MAX = 640  # RapidPro's limit for a broadcast's text


def contact_uuid(body: dict[str, Any]) -> str | None:
    """The contact's UUID from a webhook body, in canonical form; None if there is none."""
    contact = body.get("contact")
    value = contact.get("uuid") if isinstance(contact, dict) else None
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


class SendFailed(Exception):
    def __init__(self, reason: str, *, later: bool = True) -> None:
        super().__init__(reason)
        self.later = later  # worth trying again later (network, overload), or not


def post_broadcast(base_url: str, token: str, contact: str, text: str) -> None:
    """Send one text to one contact through RapidPro's API (HTTPS only), in as many
    broadcasts as RapidPro's text limit needs."""
    if not base_url.startswith("https://"):
        raise SendFailed("not https", later=False)
    for start in range(0, len(text), TEXT_MAX):
        request = urllib.request.Request(  # noqa: S310  (https only, checked above)
            base_url.rstrip("/") + BROADCASTS_PATH,
            data=json.dumps(
                {"contacts": [contact], "text": text[start : start + TEXT_MAX]}
            ).encode(),
            headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
                status = int(response.status)
        except urllib.error.HTTPError as error:
            status = error.code
            error.close()
        except (urllib.error.URLError, OSError) as error:
            raise SendFailed(type(error).__name__) from error
        if not 200 <= status < 300:
            raise SendFailed(f"HTTP {status}", later=status == 429 or status >= 500)


def send_outbox(gateway: Gateway) -> int:
    """Send a RapidPro gateway's outbox through its API; each message sent is deleted.

    No database transaction is held during the network calls. When RapidPro is unreachable
    or overloaded the rest waits for the next run; a message RapidPro refuses (a contact
    gone) is skipped. Whatever is not sent goes at the outbox's maximum age.
    """
    token = actions.rapidpro_token(gateway)
    if gateway.provider != Gateway.Provider.RAPIDPRO or not gateway.rapidpro_url or not token:
        return 0
    sent = 0
    for item in actions.outgoing(gateway):
        try:
            post_broadcast(gateway.rapidpro_url, token, item.address, item.text)
        except SendFailed as error:
            # The gateway and the kind of failure only: never the contact or the text.
            logger.warning("RapidPro gateway %s did not take a message: %s", gateway.pk, error)
            if error.later:
                break
            continue
        OutboundMessage.objects.filter(pk=item.id).delete()
        sent += 1
    actions.record_outbox_sent(gateway, sent)
    return sent


def send_all() -> int:
    gateways = Gateway.objects.filter(
        provider=Gateway.Provider.RAPIDPRO, is_active=True, outbox__isnull=False
    ).exclude(rapidpro_url="")
    return sum(
        send_outbox(gateway) for gateway in gateways.distinct().select_related("organisation")
    )
