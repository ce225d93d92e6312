"""gunicorn's own error log without reporters' addresses (the logger class of every
gunicorn this project starts: the Makefile, deploy/systemd, docs/operations.md).

gunicorn writes ``Invalid request from ip=<address>: <detail>`` for every malformed,
oversized or forbidden request, and the detail can quote the request's headers. Neither
belongs in a log of a reporting service for children: the line keeps that a request was
refused, and nothing of who sent it or what it held.
"""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

INVALID_REQUEST = "Invalid request from ip="
REFUSED = "Invalid request refused (its address and content are not logged)"


class AddressFreeLogger(Logger):
    def warning(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        if isinstance(msg, str) and msg.startswith(INVALID_REQUEST):
            msg, args = REFUSED, ()
        super().warning(msg, *args, **kwargs)
