"""Signals other apps listen to, so that the lower layers need not import the upper ones."""

from __future__ import annotations

from django.dispatch import Signal

# Sent inside the rotation's transaction with ``organisation`` and ``version`` (the new key
# generation's number), after the removed members' grants are gone.
organisation_key_rotated = Signal()
