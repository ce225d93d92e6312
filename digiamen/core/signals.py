"""Signals other apps listen to, so that the lower layers need not import the upper ones."""

from __future__ import annotations

from django.dispatch import Signal

# Sent inside the rotation's transaction with ``organisation`` and ``version`` (the new key
# generation's number), after the removed members' grants are gone.
organisation_key_rotated = Signal()

# Sent when a member holding ``organisation``'s casework key signs in, with their unlocked
# ``keyring``: what still waits for such a member (case data sealed to the organisation key
# before the casework key existed) can be done then.
casework_key_unlocked = Signal()

# Sent inside ``accounts.actions.renew_key_pair``'s transaction, once per organisation, with
# ``organisation``, ``user`` and ``old_keyring`` (their old key pair, unlocked): what was
# sealed to the old public key (their assigned cases) is sealed to the new one.
key_pair_renewed = Signal()

# Sent inside ``cases.actions.assign``'s transaction with ``case``, ``assignee`` and ``actor``
# once the case is assigned: the assignee is alerted (alerts) after the commit.
case_assigned = Signal()
