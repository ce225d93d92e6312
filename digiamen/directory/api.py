"""The directory API (see digiamen/api.py)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["directory"])
