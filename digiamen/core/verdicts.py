"""What a page says of one signed thing: signed, unsigned or broken (no Django here: the
benchmarks check signatures without a database)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Verified:
    """What a page says of one written row."""

    state: str  # "signed", "unsigned" or "broken"
    signer: str = ""  # the username whose certified key signed it

    @property
    def signed(self) -> bool:
        return self.state == "signed"

    @property
    def broken(self) -> bool:
        return self.state == "broken"
