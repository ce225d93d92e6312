"""Who manages hash banks and the exchange with hotlines: an organisation's admins and data
officers. Caseworkers see matches on their cases, never the banks. Everyone else gets 404."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from digiamen.accounts.models import Membership, Role
from digiamen.accounts.permissions import get_membership
from digiamen.media.models import BankEntry, HashBank

MANAGERS = [Role.ORG_ADMIN, Role.DATA_OFFICER]


def bank_manager(request: HttpRequest, org: str) -> Membership:
    return get_membership(request, org, MANAGERS)


def own_bank(membership: Membership, bank_id: int) -> HashBank:
    """A bank of the member's organisation (never another's, even if shared with it)."""
    if bank_id <= 0:
        raise Http404
    return get_object_or_404(HashBank, pk=bank_id, organisation=membership.organisation)


def own_entry(bank: HashBank, entry_id: int) -> BankEntry:
    if entry_id <= 0:
        raise Http404
    return get_object_or_404(BankEntry.objects.select_related("bank"), pk=entry_id, bank=bank)
