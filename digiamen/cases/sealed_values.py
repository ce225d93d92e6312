"""Every value of a case sealed to its own organisation, found in one place: closing, purging
and re-sealing for an assignment each apply a change of envelope to all of them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from digiamen.cases import case_data
from digiamen.cases.models import Case, ConsentRecord, Escalation, Note, Task
from digiamen.core import encryption
from digiamen.intake.models import Message


def rewrap_case_values(case: Case, rewrap: Callable[[bytes], bytes]) -> int:
    """Apply ``rewrap`` to the envelope of every value of the case sealed to its own
    organisation (the data keys and ciphertexts stay as they are). Returns how many.

    Copies sealed to another organisation (transfers, referrals' copies) cannot be
    re-sealed here: they are deleted at acceptance or at purge.
    """

    def sealed_value(value: bytes | None) -> bytes | None:
        if not value:
            return value
        envelope, ciphertext = encryption.split_sealed(bytes(value))
        return encryption.join_sealed(rewrap(envelope), ciphertext)

    changed = 0
    report = case.report
    if report.sealed_key:
        report.sealed_key = rewrap(bytes(report.sealed_key))
        report.save(update_fields=["sealed_key"])
        changed += 1
    sealed_fields: list[tuple[Any, str, Any]] = [
        (Note, "body", Note.objects.filter(case=case)),
        (Task, "title", Task.objects.filter(case=case)),
        (ConsentRecord, "override_reason", ConsentRecord.objects.filter(case=case)),
        (Escalation, "content_reference", Escalation.objects.filter(case=case)),
        (Message, "for_organisation", Message.objects.filter(report=report)),
        *(
            (column.rows.model, column.field, column.rows)
            for keeper in case_data.keepers()
            for column in keeper.own_values(case)
        ),
    ]
    for _model, field_name, rows in sealed_fields:
        for pk, value in rows.values_list("pk", field_name):
            if not value:
                continue
            rows.filter(pk=pk).update(**{field_name: sealed_value(value)})
            changed += 1
    return changed
