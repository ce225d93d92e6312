from __future__ import annotations

from typing import Any, ClassVar


class ActionError(Exception):
    """An action that cannot be carried out. Each app subclasses it with its messages."""

    messages: ClassVar[dict[str, Any]] = {}

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code

    @property
    def message(self) -> str:
        """The translated, user-facing explanation."""
        return str(self.messages[self.code])
