"""The OpenAPI document says what the API answers (issue: the document under-declared)."""

from __future__ import annotations

import inspect
import json
from typing import Any

from ninja import Schema

from digiamen import api as api_module
from digiamen.api import api

API_MODULES = [
    "digiamen.accounts.api",
    "digiamen.alerts.api",
    "digiamen.cases.api",
    "digiamen.directory.api",
    "digiamen.referrals.api",
    "digiamen.evidence.api",
    "digiamen.intake.api",
    "digiamen.media.api",
    "digiamen.media.schemas",
    "digiamen.safeguarding.api",
    "digiamen.core.api_errors",
]


def _document() -> dict[str, Any]:
    return api.get_openapi_schema(path_prefix="/api/v1")


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in _document()["paths"].items()
        for method, operation in item.items()
    ]


def test_openapi_lists_the_errors_each_operation_can_answer() -> None:
    operations = _operations()
    components = _document()["components"]["schemas"]
    assert len(operations) >= 30
    for path, method, operation in operations:
        statuses = set(operation["responses"])
        label = f"{method.upper()} {path}"
        assert all(isinstance(status, str) for status in statuses), label
        if operation.get("security"):
            assert {"401", "403"} <= statuses, label
        if "{" in path:
            assert "404" in statuses, label
        if "requestBody" in operation:
            assert {"400", "422"} <= statuses, label
        for status, answer in operation["responses"].items():
            if status.startswith(("4", "5")):
                reference = answer["content"]["application/json"]["schema"]["$ref"]
                error = components[reference.removeprefix("#/components/schemas/")]
                assert "detail" in error["required"], (label, status)


def test_openapi_document_is_the_same_each_time_it_is_built() -> None:
    # Parts of it are module constants: building it must not change them.
    first = json.dumps(_document(), sort_keys=True, default=str)
    assert json.dumps(_document(), sort_keys=True, default=str) == first


def test_openapi_references_all_resolve() -> None:
    document = _document()
    text = json.dumps(document, default=str)
    assert '"$defs"' not in text
    components = document["components"]["schemas"]
    for reference in set(_references(document)):
        assert reference.startswith("#/components/schemas/"), reference
        assert reference.removeprefix("#/components/schemas/") in components, reference


def _references(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in _references(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _references(value)]
    return []


def test_openapi_schema_names_are_unique() -> None:
    """django-ninja names components after their class: two classes of one name would
    silently share one schema in the document (it happened: a referral's answer was
    documented as a safeguarding answer)."""
    seen: dict[str, str] = {}
    for name in API_MODULES:
        module = __import__(name, fromlist=["_"])
        for class_name, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, Schema) and value.__module__ == name:
                assert class_name not in seen, f"{class_name} in {name} and {seen[class_name]}"
                seen[class_name] = name
    assert api_module.api is api


def test_openapi_declares_input_constraints() -> None:
    components = _document()["components"]["schemas"]
    task = components["TaskIn"]["properties"]
    assert task["due_at"]["format"] == "date-time"
    assert "pattern" in task["title"]  # the one rule for text
    report = components["ReportIn"]
    assert "MA" in report["properties"]["country"]["enum"]
    assert report["allOf"]  # a region of the chosen country, a contact of the chosen kind
    assert components["DeviceHashSetIn"]["dependentSchemas"]["pdq"]
