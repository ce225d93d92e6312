"""What a page shows for a sealed value that does not belong where it was found.

``encryption.open_many_for_member`` returns None for such a value (and audits it); pages
show this marker in its place instead of the text, so that the rest of the record still
reads and nobody mistakes a moved or forged entry for the real one.
"""

from __future__ import annotations

from django.utils.translation import gettext as _


class TamperedText(str):
    """The marker, as a string: ``{% if text.tampered %}`` tells it from a real text."""

    tampered = True


def text_of(opened: bytes | None) -> str:
    if opened is None:
        return TamperedText(
            _(
                "This entry has been tampered with: it does not belong here. "
                "The attempt is recorded."
            )
        )
    return opened.decode("utf-8")
