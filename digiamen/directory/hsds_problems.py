"""What can be wrong with an HSDS document: the messages, the ``Problem`` that names where.

Every stage of the import (``hsds_reader``, ``hsds_read``, ``hsds_check``) notes its problems
with these messages; ``hsds_import`` re-exports those its callers show or test.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

REQUIRED = _("This field is required.")
WRONG_TYPE = _("This value has the wrong type.")
TOO_LONG = _("This value is too long.")
NOT_A_CHOICE = _("This value is not one of the allowed choices.")
NOT_UUID = _("This is not a UUID.")
DUPLICATE_ID = _("This id appears more than once in the file.")
TAKEN_ID = _("This id belongs to another record in the directory.")
UNKNOWN_ORGANISATION = _("No organisation with this id is in the file or the directory.")
UNKNOWN_LOCATION = _("No location with this id is in the file or the directory.")
UNKNOWN_CODE = _("This code is not known.")
UNKNOWN_LANGUAGE = _("This language code is not known.")
NOT_DATE = _("This is not a date (YYYY-MM-DD).")
NOT_DATETIME = _("This is not a date and time (ISO 8601).")
NOT_TIME = _("This is not a time (HH:MM).")
NOT_EMAIL = _("This is not an email address.")
NOT_URL = _("This is not a web address.")
OUT_OF_RANGE = _("This number is out of range.")
NOT_BOOLEAN = _('This value must be "true" or "false".')
ONE_ADDRESS = _("A location can have one address only.")
NO_ADDRESS = _("The location needs an address with its country.")
NO_COUNTRY = _("The organisation's country is missing.")
NOT_COUNTRY = _("This is not an ISO 3166-1 country code.")
TWICE = _("This is listed twice.")
ONE_TYPE = _("A service can have one type only.")
BAD_TRANSLATIONS = _("The translations are not valid.")
AGES_REVERSED = _("The youngest age served is above the oldest.")
NOT_JSON = _("The file is not valid JSON in UTF-8.")
NOT_DOCUMENT = _(
    'The file is not an HSDS document: it needs a list of "organizations" or "services".'
)
CONFLICT = _("The file conflicts with records in the directory; nothing was imported.")


@dataclass(frozen=True)
class Problem:
    row: str
    field: str
    why: str


class HsdsImportError(Exception):
    """The document cannot be imported; nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


class StopReading(Exception):
    """The document is read no further: the problems noted so far are the answer."""


def too_many_message(limit: int) -> str:
    return ngettext(
        "The file holds too many records: at most %(count)d.",
        "The file holds too many records: at most %(count)d.",
        limit,
    ) % {"count": limit}
