"""One way to read untrusted structured input (request bodies, form fields, uploaded files).

``read_json`` bounds the size, the nesting depth and the number of values, refuses what
``json.loads`` would accept but no honest sender writes (duplicate keys, NaN and Infinity,
numbers too large for a float, integers of thousands of digits), and turns every failure,
``RecursionError`` included, into ``Unreadable``: a ``ValueError`` whose message is
translated. ``csv_rows`` does the same for CSV: a field past the csv module's limit
(128 KiB) or a broken quote is ``Unreadable``, never ``csv.Error``. XML goes through
defusedxml (channels).

Callers keep their own wording: ``Unreadable`` is a ``ValueError``, so the ``except
ValueError`` that gave their 4xx before still does; ``too_large`` tells 413 from 400.
A test lists every ``json.loads`` in the application: each other one reads data the
application wrote itself (sealed, shipped or its own files).
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

MAX_DEPTH = 32
MAX_VALUES = 200_000


class Unreadable(ValueError):
    def __init__(self, message: str, *, too_large: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.too_large = too_large


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise ValueError("duplicate key")
    return result


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("number out of range")
    return value


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _check_shape(value: Any, max_depth: int, max_values: int | None) -> None:
    """Depth and number of values, without recursion."""
    pending: list[tuple[Any, int]] = [(value, 1)]
    seen = 0
    while pending:
        item, depth = pending.pop()
        seen += 1
        if max_values is not None and seen > max_values:
            raise Unreadable(_("The data holds too many values."), too_large=True)
        if isinstance(item, dict | list):
            if depth > max_depth:
                raise Unreadable(_("The data is nested too deeply."))
            children = item.values() if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in children)


def read_json(
    data: bytes | str,
    *,
    max_bytes: int | None = None,
    max_depth: int = MAX_DEPTH,
    max_values: int | None = MAX_VALUES,
) -> Any:
    """The JSON value in ``data`` (UTF-8, a byte-order mark allowed), or ``Unreadable``."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE if max_bytes is None else max_bytes
    if len(data) > limit:
        raise Unreadable(_("The data is too large."), too_large=True)
    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    except UnicodeDecodeError:
        raise Unreadable(_("The data is not valid UTF-8.")) from None
    try:
        value = json.loads(
            text,
            object_pairs_hook=_no_duplicate_keys,
            parse_float=_finite,
            parse_constant=_refuse_constant,
        )
    except RecursionError:
        raise Unreadable(_("The data is nested too deeply.")) from None
    except ValueError:  # malformed, duplicate keys, huge numbers
        raise Unreadable(_("The data is not valid JSON.")) from None
    _check_shape(value, max_depth, max_values)
    return value


def csv_rows(text: str) -> Iterator[list[str]]:
    """The rows of CSV text; a field over the csv module's limit, a NUL or a broken quote
    is ``Unreadable``."""
    if "\x00" in text:
        raise Unreadable(_("The file is not valid UTF-8 text."))
    reader = csv.reader(io.StringIO(text, newline=""))
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error:
            raise Unreadable(
                _("A value of the CSV file is too long, or the file is not valid CSV.")
            ) from None
        yield row
