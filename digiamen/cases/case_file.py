"""A case file to print (PDF) for a referral to a court, a hospital or the police.

Only the sections the member ticks, and of those only what consent allows: the reporter's
words, contact, messages and the notes (what could identify the child) need consent to a
referral or to reporting to the authorities, or a supervisor's best-interests decision
(recorded as such). Each page carries who printed it and when, in the organisation's local
time; the printing is audited with the sections it held, never their content.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from digiamen.accounts import time_zones
from digiamen.cases import actions
from digiamen.cases.models import CaseEvent, ConsentRecord, Escalation, Note, ProtocolTick, Task
from digiamen.cases.permissions import CaseAccess
from digiamen.core import audit, encryption, tampering
from digiamen.core.pdf import render_pdf
from digiamen.intake import actions as intake_actions


@dataclass(frozen=True)
class Section:
    code: str
    label: Promise
    identifying: bool  # needs consent to be printed


SECTIONS = [
    Section("overview", _("Overview"), False),
    Section("story", _("What the reporter told us"), True),
    Section("conversation", _("Messages with the reporter"), True),
    Section("consent", _("Consent"), False),
    Section("protocol", _("Protocol"), False),
    Section("escalations", _("Escalations to platforms and hotlines"), False),
    Section("referrals", _("Referrals to services"), False),
    Section("notes", _("Notes and tasks"), True),
    Section("timeline", _("Timeline"), False),
]
CODES = [section.code for section in SECTIONS]
# Consent that lets the identifying sections leave the organisation on paper.
PRINT_PURPOSES = (ConsentRecord.Purpose.REFERRAL, ConsentRecord.Purpose.AUTHORITIES)


def identifying_allowed(access: CaseAccess) -> bool:
    consents = actions.current_consent(access.case)
    return any(
        consents.get(purpose) is not None and consents[purpose].granted
        for purpose in PRINT_PURPOSES
    )


def allowed_sections(access: CaseAccess) -> list[Section]:
    allowed = identifying_allowed(access)
    return [section for section in SECTIONS if allowed or not section.identifying]


def case_file_html(request: HttpRequest, access: CaseAccess, codes: list[str]) -> str:
    """The page to draw, with the chosen sections the case's consent allows."""
    context = case_file_context(request, access, codes, audit_action="case.printed")
    return render_to_string("cases/case_file.html", context, request=request)


def case_file_context(
    request: HttpRequest, access: CaseAccess, codes: list[str], *, audit_action: str
) -> dict[str, Any]:
    """What the chosen sections hold (those the case's consent allows), opened for the
    member; the export is audited as ``audit_action`` with its sections, never content."""
    case = access.case
    chosen = [s for s in allowed_sections(access) if s.code in set(codes)]
    wanted = {s.code for s in chosen}
    context: dict[str, Any] = {
        "case": case,
        "sections": wanted,
        "printed_by": access.membership.user.username,
        "printed_at": timezone.localtime(),
        "zone": time_zones.zone_name(case.organisation),
        "offset": time_zones.offset_label(),
        "direction": "rtl" if translation.get_language_bidi() else "ltr",
        "language": translation.get_language() or "en",
        "organisation": case.organisation,
    }
    if "consent" in wanted:
        context["consents"] = actions.current_consent(case)
    if "protocol" in wanted:
        ticks = {t.step_id: t for t in ProtocolTick.objects.filter(case=case)}
        language = context["language"]
        context["protocols"] = [
            (
                protocol.harm_type,
                [
                    (step.get(language) or step["en"], ticks.get(step["id"]))
                    for step in protocol.steps
                ],
            )
            for protocol in actions.protocols_for_case(case)
        ]
    if "escalations" in wanted:
        # What was asked and answered; the links and account names stay on the case page.
        context["escalations"] = list(Escalation.objects.filter(case=case))
    if "referrals" in wanted:
        context["referrals"] = list(case.referrals.select_related("service"))
    if "timeline" in wanted:
        context["events"] = list(CaseEvent.objects.filter(case=case).select_related("actor"))
    with audit.batched():
        if wanted & {"story", "conversation"}:
            context["opened"] = intake_actions.open_report(request, case.report)
        if "notes" in wanted:
            notes = list(Note.objects.filter(case=case).select_related("author"))
            tasks = list(Task.objects.filter(case=case))
            sealed = [(bytes(n.body), encryption.Place.of(n, "body", case)) for n in notes] + [
                (bytes(t.title), encryption.Place.of(t, "title", case)) for t in tasks
            ]
            texts = (
                encryption.open_many_for_member(
                    request,
                    case.organisation,
                    sealed,
                    audit_object=case,
                    audit_action="case.notes_opened",
                )
                if sealed
                else []
            )
            decoded = iter(tampering.text_of(text) for text in texts)
            context["notes"] = [(note, next(decoded)) for note in notes]
            context["tasks"] = [(task, next(decoded)) for task in tasks]
        audit.record(
            audit_action,
            actor=access.membership.user,
            organisation=case.organisation,
            obj=case,
            details={"sections": ",".join(sorted(wanted))},
        )
    return context


def case_file_pdf(request: HttpRequest, access: CaseAccess, codes: list[str]) -> bytes:
    return render_pdf(case_file_html(request, access, codes))
