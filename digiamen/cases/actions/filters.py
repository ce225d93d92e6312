"""A member's saved queue filters (kept on their membership: cases.saved_filters)."""

from __future__ import annotations

import secrets

from django.db import transaction

from digiamen.accounts.models import Membership
from digiamen.cases.actions.base import ActionError
from digiamen.core import audit

MAX_SAVED_FILTERS = 20


def save_queue_filter(membership: Membership, name: str, params: dict[str, str]) -> str:
    """Keep ``params`` (categories only: cases.saved_filters) under ``name``; its id."""
    if not params:
        raise ActionError("no_filter")
    with transaction.atomic():
        member = Membership.objects.select_for_update().get(pk=membership.pk)
        saved = list(member.saved_filters or [])
        if any(entry["name"].casefold() == name.casefold() for entry in saved):
            raise ActionError("filter_name_taken")
        if len(saved) >= MAX_SAVED_FILTERS:
            raise ActionError("too_many_filters")
        filter_id = secrets.token_hex(4)
        member.saved_filters = [*saved, {"id": filter_id, "name": name, "params": params}]
        member.save(update_fields=["saved_filters"])
        # The filter's name is the member's own words: not in the audit log.
        audit.record(
            "queue_filter.saved",
            actor=member.user,
            organisation=member.organisation,
            details={"categories": len(params)},
        )
    membership.saved_filters = member.saved_filters
    return filter_id


def delete_queue_filter(membership: Membership, filter_id: str) -> bool:
    """Whether the member had a saved filter with this id (now gone)."""
    with transaction.atomic():
        member = Membership.objects.select_for_update().get(pk=membership.pk)
        kept = [entry for entry in member.saved_filters or [] if entry["id"] != filter_id]
        if len(kept) == len(member.saved_filters or []):
            return False
        member.saved_filters = kept
        member.save(update_fields=["saved_filters"])
        audit.record("queue_filter.deleted", actor=member.user, organisation=member.organisation)
    membership.saved_filters = kept
    return True
