"""One picture's hashes as the API takes them: in a report (computed on the reporter's device)
and in a match query (a platform's). The rules are written in the OpenAPI document too, so a
client knows beforehand which sets are valid: at least one hash, hexadecimal of the right
length, and a PDQ hash with its quality."""

from __future__ import annotations

from typing import Annotated, Any

from ninja import Schema
from pydantic import BeforeValidator, ConfigDict, Field


def _number_not_text(value: Any) -> Any:
    """A JSON number (3 or 3.0, as JSON Schema's integer allows); not "3", not true."""
    if isinstance(value, str | bool):
        raise ValueError("a number is expected")
    return value


def _at_least_one_hash(schema: dict[str, Any]) -> None:
    schema["anyOf"] = [
        {"required": [kind], "properties": {kind: {"type": "string"}}}
        for kind in ("pdq", "md5", "sha256")
    ]


def _pdq_with_its_quality(schema: dict[str, Any]) -> None:
    _at_least_one_hash(schema)
    schema["dependentSchemas"] = {
        "pdq": {
            "anyOf": [
                {"properties": {"pdq": {"type": "null"}}},
                {"required": ["quality"], "properties": {"quality": {"type": "integer"}}},
            ]
        }
    }


class HashSetIn(Schema):
    """One picture's hashes, at least one of them (a match query: a platform's PDQ hash
    without a quality is taken as of full quality)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_at_least_one_hash)

    pdq: str | None = Field(
        default=None,
        pattern=r"^[0-9a-fA-F]{64}$",
        description="PDQ hash, 64 hexadecimal characters.",
    )
    quality: Annotated[int | None, BeforeValidator(_number_not_text)] = Field(
        default=None, ge=0, le=100, description="PDQ quality."
    )
    md5: str | None = Field(
        default=None, pattern=r"^[0-9a-fA-F]{32}$", description="MD5 of the file, hexadecimal."
    )
    sha256: str | None = Field(
        default=None, pattern=r"^[0-9a-fA-F]{64}$", description="SHA-256 of the file."
    )


class DeviceHashSetIn(HashSetIn):
    """A picture hashed on a reporter's device: a PDQ hash comes with its quality."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_pdq_with_its_quality)
