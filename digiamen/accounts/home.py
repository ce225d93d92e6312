"""Panels of the organisation's home page that apps above accounts add (accounts imports
none of them): each is a function of the member's membership that returns what its template
shows, or None when it has nothing for this member. Registered in the apps' ``ready``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from digiamen.accounts.models import Membership


@dataclass(frozen=True)
class Panel:
    template: str
    context: dict[str, Any] = field(default_factory=dict)


PanelMaker = Callable[[Membership], Panel | None]
_makers: dict[str, PanelMaker] = {}


def register(name: str, maker: PanelMaker) -> None:
    """Once per name (a module reloaded in tests registers itself again, harmlessly)."""
    _makers[name] = maker


def panels(membership: Membership) -> list[Panel]:
    made = (maker(membership) for maker in _makers.values())
    return [panel for panel in made if panel is not None]
