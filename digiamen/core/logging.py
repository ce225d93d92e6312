import logging


class ScrubRequestFilter(logging.Filter):
    """Drop the request object Django attaches to log records.

    Handlers that format ``record.request`` (mail, error trackers) would otherwise carry
    the client address, headers and cookies of a reporter.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if hasattr(record, "request"):
            record.request = None
        return True
