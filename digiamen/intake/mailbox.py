"""One reporter, one receipt, one mailbox: possibly with several organisations.

A report received by transfer with the reporter's own consent carries the mailbox public
key (and the summary sealed to it) of the report it came from, and ``mailbox_home`` points at
the report whose receipt opens the mailbox. The reporter's follow-up page reads the
conversation of every report of the mailbox; their own messages go to the report that holds
the case now. Each organisation still reads only its own part: what it wrote and what
reached it, sealed to its own key.
"""

from __future__ import annotations

from django.db.models import Q

from digiamen.intake.models import Report

# Channels whose reporter never saw a receipt: a field worker's offline form keeps the one
# drawn for it nowhere, so a reply sealed to its mailbox could never be read.
NO_RECEIPT_CHANNELS = frozenset({"offline_form"})


def has_mailbox(report: Report) -> bool:
    """The report still has a mailbox key (purging and key-less transfers leave none)."""
    return bool(bytes(report.mailbox_public_key))


def reachable(report: Report) -> bool:
    """A reply sealed to this report's mailbox can be read by someone holding a receipt."""
    return has_mailbox(report) and report.channel not in NO_RECEIPT_CHANNELS


def home_of(report: Report) -> Report:
    """The report whose receipt opens this report's mailbox."""
    return report.mailbox_home if report.mailbox_home_id else report  # type: ignore[return-value]


def mailbox_reports(home: Report, public_key: bytes | None = None) -> list[Report]:
    """The home report and the copies that still have its mailbox, oldest first.

    With ``public_key`` (derived from the receipt), only reports sealed to that very key:
    a row pointing at the home with another key is never shown to the reporter.
    """
    reports = (
        Report.objects.filter(Q(pk=home.pk) | Q(mailbox_home=home))
        .select_related("organisation", "case")
        .order_by("created_at", "id")
    )
    return [
        report
        for report in reports
        if has_mailbox(report)
        and (public_key is None or bytes(report.mailbox_public_key) == public_key)
    ]


def _case_is_active(report: Report) -> bool:
    case = getattr(report, "case", None)
    return case is not None and case.purged_at is None and case.status != "closed"


def holder(home: Report, public_key: bytes | None = None) -> Report | None:
    """Where the reporter's own messages go: the newest report of the mailbox whose case is
    still worked on (the organisation that received the case last), or else the newest one
    that still has the mailbox. None when every part was purged."""
    reports = mailbox_reports(home, public_key)
    active = [report for report in reports if _case_is_active(report)]
    if active:
        return active[-1]
    return reports[-1] if reports else None
