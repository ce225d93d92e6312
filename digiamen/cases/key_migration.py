"""Case data sealed to the organisation key, before the casework key existed, moved over.

Every record key envelope of case data ("DAk1", or "DAk1" inside a purge period's "DAp1")
is opened with the organisation key and its data key sealed to the current casework key
("DAc1"); ciphertexts stay as they are. Only a member holding both keys (a caseworker or
supervisor) can do it, so it runs when one signs in (``signals.casework_key_unlocked``).
Until then, and for copies of the database taken before, the organisation key still opens
those values: docs/security-model.md says so.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Model, QuerySet
from django.utils import timezone

from digiamen.accounts.models import Organisation
from digiamen.cases import case_data
from digiamen.cases.models import ConsentRecord, Escalation, Note, Task, Transfer
from digiamen.channels.models import Conversation
from digiamen.core import audit, encryption
from digiamen.core.models import CaseworkKey
from digiamen.intake.models import Message, Report


@dataclass(frozen=True)
class _Column:
    rows: QuerySet[Any]
    field: str
    whole_envelope: bool  # the column holds an envelope, not a value with its envelope


def _columns(organisation: Organisation) -> Iterator[_Column]:
    """Every column that holds case data of ``organisation`` sealed for it."""
    yield _Column(Report.objects.filter(organisation=organisation), "sealed_key", True)
    cases = {"case__organisation": organisation}
    yield _Column(Note.objects.filter(**cases), "body", False)
    yield _Column(Task.objects.filter(**cases), "title", False)
    yield _Column(ConsentRecord.objects.filter(**cases), "override_reason", False)
    yield _Column(Escalation.objects.filter(**cases), "content_reference", False)
    yield _Column(
        Message.objects.filter(report__organisation=organisation), "for_organisation", False
    )
    for keeper in case_data.keepers():  # referrals' reasons and copies
        for column in keeper.organisation_values(organisation):
            yield _Column(column.rows, column.field, False)
    yield _Column(Transfer.objects.filter(to_organisation=organisation), "sealed_copy", False)


def _is_old(envelope: bytes) -> bool:
    # A purge-wrapped envelope hides its kind: it is opened to find out.
    return envelope[:4] in (encryption.ENVELOPE_MAGIC, encryption.PURGE_ENVELOPE_MAGIC)


def left_to_migrate(organisation: Organisation) -> int:
    """How many values of case data are still sealed the old way (0 once migrated)."""
    if organisation.case_keys_migrated_at is not None:
        return 0
    left = 0
    for column in _columns(organisation):
        for value in column.rows.values_list(column.field, flat=True).iterator():
            if not value:
                continue
            envelope = bytes(value) if column.whole_envelope else encryption.split_sealed(value)[0]
            left += _is_old(envelope)
    for sealed in (
        Conversation.objects.filter(gateway__organisation=organisation)
        .exclude(sealed={})
        .values_list("sealed", flat=True)
    ):
        left += _is_old(base64.b64decode(sealed.get("envelope", "")))
    return left


def migrate_case_data(organisation: Organisation, keyring: encryption.KeyRing) -> int | None:
    """Seal the organisation's case data to its current casework key; returns how many
    values moved, or None when there is nothing to do or this member cannot do it."""
    current = encryption.current_casework_key(organisation)
    if current is None or current.version not in keyring.casework_private_keys(organisation):
        return None
    with transaction.atomic():
        organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
        if organisation.case_keys_migrated_at is not None:
            return None
        moved = sum(
            _migrate_column(column, keyring, organisation, current)
            for column in _columns(organisation)
        )
        moved += _migrate_conversations(organisation, keyring, current)
        organisation.case_keys_migrated_at = timezone.now()
        organisation.save(update_fields=["case_keys_migrated_at"])
        audit.record(
            "organisation.case_data_resealed",
            actor=keyring.user,
            organisation=organisation,
            details={"values": moved, "casework_version": current.version},
        )
    encryption.scrub_deleted_rows(
        [column.rows.model._meta.db_table for column in _columns(organisation)]
    )
    return moved


def _migrate_column(
    column: _Column, keyring: encryption.KeyRing, organisation: Organisation, key: CaseworkKey
) -> int:
    moved = 0
    model: type[Model] = column.rows.model
    for pk, value in column.rows.values_list("pk", column.field).iterator():
        if not value:
            continue
        value = bytes(value)
        if column.whole_envelope:
            resealed: bytes | None = encryption.reseal_to_casework(
                keyring, organisation, value, key
            )
        else:
            resealed = encryption.reseal_value_to_casework(keyring, organisation, value, key)
        if resealed != value:
            model._default_manager.filter(pk=pk).update(**{column.field: resealed})
            moved += 1
    return moved


def _migrate_conversations(
    organisation: Organisation, keyring: encryption.KeyRing, key: CaseworkKey
) -> int:
    moved = 0
    for conversation in Conversation.objects.filter(gateway__organisation=organisation).exclude(
        sealed={}
    ):
        sealed = dict(conversation.sealed)
        envelope = base64.b64decode(sealed.get("envelope", ""))
        resealed = encryption.reseal_to_casework(keyring, organisation, envelope, key)
        if resealed != envelope:
            sealed["envelope"] = base64.b64encode(resealed).decode("ascii")
            Conversation.objects.filter(pk=conversation.pk).update(sealed=sealed)
            moved += 1
    return moved


def on_casework_key_unlocked(
    sender: object, *, organisation: Organisation, keyring: encryption.KeyRing, **_: object
) -> None:
    if organisation.case_keys_migrated_at is None:
        migrate_case_data(organisation, keyring)
