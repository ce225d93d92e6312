"""The API's errors: one error body, translated validation messages (pydantic's own are
English only), and the error answers every operation can give, declared in the OpenAPI
document from what the code does rather than repeated on each operation."""

from __future__ import annotations

import copy
import re
from datetime import datetime
from typing import Annotated, Any

from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import BeforeValidator, model_serializer

from digiamen.core.text import BIDI_MESSAGE, CONTROL_MESSAGE, TextRefused


def field_message(error: dict[str, Any]) -> str:
    kind = str(error.get("type", ""))
    if kind == "missing":
        return _("This field is required.")
    if kind in {"string_too_long", "too_long"}:
        return _("This value is too long.")
    if kind in {"string_too_short", "too_short"}:
        return _("This value is too short.")
    if kind.endswith("_type") or kind.endswith("_parsing"):
        return _("This value has the wrong type.")
    if kind == "literal_error" or kind == "enum":
        return _("This value is not one of the allowed choices.")
    if kind == "extra_forbidden":
        return _("This field is not allowed.")
    refused = (error.get("ctx") or {}).get("error")
    # pydantic keeps the exception; django-ninja hands it over as its text.
    if kind == "value_error" and (
        isinstance(refused, TextRefused) or refused in {str(BIDI_MESSAGE), str(CONTROL_MESSAGE)}
    ):
        return str(refused)  # already in the request's language
    return _("This value is not valid.")


# RFC 3339, as the OpenAPI `date-time` format says: with seconds and an offset. pydantic alone
# would also take "0" (a Unix time) or a time without offset (whose zone nobody knows).
RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})")


def _rfc3339_text(value: Any) -> Any:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not RFC3339.fullmatch(value):
        raise ValueError("an RFC 3339 date and time with its offset is expected")
    return value


# The type of every date-and-time the API reads.
DateTimeIn = Annotated[datetime, BeforeValidator(_rfc3339_text)]


class ErrorOut(Schema):
    """Every error of the API: a sentence in the request's language, and per-field messages
    when values were refused."""

    detail: str
    errors: dict[str, list[str]] | None = None

    # No return annotation on purpose: pydantic would take it as the schema of the whole
    # error in the OpenAPI document; without one, the fields are the schema.
    @model_serializer(mode="wrap")
    def _without_empty_errors(self, serialize: Any):  # type: ignore[no-untyped-def]
        # `errors` only when values were refused: other errors are `{"detail": ...}`.
        data: dict[str, Any] = serialize(self)
        if data.get("errors") is None:
            data.pop("errors", None)
        return data


ERROR_SCHEMA_REF = {"$ref": "#/components/schemas/ErrorOut"}

# Answers that follow from how an operation is declared, whatever its view does.
AUTHENTICATION_REQUIRED = "Authentication is required, or the credentials are not valid."
ROLE_REFUSED = "These credentials (their role, or an organisation key) may not do this."
NOT_FOUND = "Nothing with this identifier is visible to this caller."
UNREADABLE_BODY = "The body could not be read: not JSON in UTF-8, too large or too deep."
NOT_VALID = "Some values are not valid (per-field messages in `errors`)."


def declare_common_errors(document: dict[str, Any]) -> dict[str, Any]:
    """Add to each operation of an OpenAPI document the error answers it can give because of
    its declaration: 401 when it needs credentials, 404 when its path names an object, 400
    when it reads a body, 422 when it validates parameters or a body. Answers an operation
    declares itself are kept. The document is copied first: parts of it (``openapi_extra``)
    are the modules' own constants."""
    document = copy.deepcopy(document)
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["ErrorOut"] = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
    _hoist_definitions(document.get("paths", {}), schemas)
    for item in document.get("paths", {}).values():
        for operation in item.values():
            parameters = operation.get("parameters", [])
            implied: dict[str, str] = {}
            if operation.get("security"):
                implied["401"] = AUTHENTICATION_REQUIRED
                implied["403"] = ROLE_REFUSED
            if any(parameter.get("in") == "path" for parameter in parameters):
                implied["404"] = NOT_FOUND
            if "requestBody" in operation:
                implied["400"] = UNREADABLE_BODY
            if "requestBody" in operation or parameters:
                implied["422"] = NOT_VALID
            responses = {str(code): answer for code, answer in operation["responses"].items()}
            operation["responses"] = responses
            for status, description in implied.items():
                responses.setdefault(
                    status,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": ERROR_SCHEMA_REF}},
                    },
                )
    return document


def _hoist_definitions(node: Any, schemas: dict[str, Any]) -> None:
    """Move the ``$defs`` of schemas written by hand (with pydantic's ``model_json_schema``
    and the components ``ref_template``) into the document's components, where their
    references point."""
    if isinstance(node, dict):
        for name, definition in node.pop("$defs", {}).items():
            schemas.setdefault(name, definition)
        for value in node.values():
            _hoist_definitions(value, schemas)
    elif isinstance(node, list):
        for value in node:
            _hoist_definitions(value, schemas)
