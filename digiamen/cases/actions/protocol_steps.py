"""The organisation's response protocols and the ticks of their steps on a case."""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from digiamen.accounts.models import Organisation, User
from digiamen.cases import protocols
from digiamen.cases.actions.base import ActionError, _event, _locked
from digiamen.cases.models import (
    Case,
    Protocol,
    ProtocolTick,
    protocols_cache_key,
)
from digiamen.core import audit

# --- Protocols -------------------------------------------------------------------------------


def organisation_protocols(organisation: Organisation) -> dict[str, Protocol]:
    """The organisation's protocols, made from the defaults on first use; from the cache
    (the case page's query budget), forgotten when one is changed."""
    cached: dict[str, Protocol] | None = cache.get(protocols_cache_key(organisation.pk))
    if cached is not None and all(h in cached for h in protocols.DEFAULTS):
        return cached
    existing = {p.harm_type: p for p in Protocol.objects.filter(organisation=organisation)}
    missing = [h for h in protocols.DEFAULTS if h not in existing]
    if missing:
        with transaction.atomic():
            for harm_type in missing:
                existing[harm_type], _created = Protocol.objects.get_or_create(
                    organisation=organisation,
                    harm_type=harm_type,
                    defaults={"steps": protocols.default_steps(harm_type)},
                )
    cache.set(protocols_cache_key(organisation.pk), existing, 3600)
    return existing


def protocols_for_case(case: Case) -> list[Protocol]:
    available = organisation_protocols(case.organisation)
    chosen = [available[h] for h in case.report.harm_types if h in available]
    return chosen or [available[protocols.GENERAL]]


def tick_protocol_step(case: Case, actor: User, step_id: str) -> None:
    steps = {s["id"] for p in protocols_for_case(case) for s in p.steps}
    if step_id not in steps:
        raise ActionError("wrong_state")
    with transaction.atomic():
        case = _locked(case, None)
        _tick, created = ProtocolTick.objects.get_or_create(
            case=case, step_id=step_id, defaults={"done_by": actor}
        )
        if created:
            _event(case, "protocol_step_done", actor, step=step_id)


def update_protocol(protocol: Protocol, actor: User, texts: dict[str, list[str]]) -> None:
    """Replace the steps' texts; steps keep their ids by position, new ones get new ids."""
    count = len(texts["en"])
    if not count or any(len(lines) != count for lines in texts.values()):
        raise ActionError("protocol_lines")
    with transaction.atomic():
        old_ids = [step["id"] for step in protocol.steps]
        next_number = len(old_ids) + 1
        steps = []
        for index in range(count):
            if index < len(old_ids):
                step_id = old_ids[index]
            else:
                step_id = f"{protocol.harm_type}-{next_number}"
                next_number += 1
            steps.append({"id": step_id, **{lang: texts[lang][index] for lang in texts}})
        protocol.steps = steps
        protocol.updated_at = timezone.now()
        protocol.save(update_fields=["steps", "updated_at"])  # forgets the cached ones
        audit.record(
            "protocol.updated",
            actor=actor,
            organisation=protocol.organisation,
            obj=protocol,
            details={"steps": count},
        )
