"""Referrals from a case to a service in the directory: suggestions, sending, answers, outcomes.

Consent first: nothing is sent without the consent to referral (or a supervisor's
best-interests decision, which records it). What the receiving service learns is what consent
allows and nothing more: the child's age band, sex, area, the kinds of harm, whether they have
a disability, the caseworker's reason for referring, and how to reach the child only if the
consent to be contacted was given. It is sealed to the receiving organisation when that
organisation is on the platform; for a service that is not, the caseworker prints the slip.

The statuses follow the referral: sent, then accepted or declined, and accepted, then
completed; each change is dated, versioned against a stale page, written on the case's
timeline and audited. The receiving organisation answers in its own referrals queue; for a
service off the platform, the referring organisation records the answers it hears of.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.db.models import Count, Exists, OuterRef, Q, Value, When
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from digiamen.accounts.models import Membership, Organisation, User
from digiamen.cases import actions as case_actions
from digiamen.cases import assignment_keys
from digiamen.cases.models import Case, ConsentRecord
from digiamen.core import audit, encryption, signals, tampering
from digiamen.core.errors import ActionError
from digiamen.core.taxonomy import AgeBand, HarmType
from digiamen.directory.models import Service, ServiceArea
from digiamen.directory.taxonomy import ServiceStatus, ServiceType
from digiamen.intake.actions import open_report
from digiamen.referrals.models import Referral

MAX_SUGGESTIONS = 30
REASON_MAX_LENGTH = 2000


class ReferralError(ActionError):
    messages = {
        "no_consent": _(
            "Consent does not allow referring this child. Record the consent to referral, "
            "or a supervisor's best-interests decision, first."
        ),
        "service_not_active": _("This service is not active, so it cannot receive referrals."),
        "case_closed": _("A closed case cannot be referred."),
        "purged": _("This case was purged after its retention period."),
        "no_area": _("The case has no country, so no services can be suggested."),
        "stale": _(
            "Someone else answered this referral while you were looking at it. "
            "Check it again and repeat your answer."
        ),
        "wrong_state": _("This answer is not possible for the referral's current status."),
        "not_receiver": _("Only the organisation that received the referral can answer it."),
    }


# What a child who lived through each harm is likely to need, most pressing first. Every child
# is offered listening and psychosocial support as well.
NEEDS_BY_HARM: dict[str, list[str]] = {
    HarmType.ONLINE_GROOMING: [
        ServiceType.POLICE_CYBERCRIME_UNIT,
        ServiceType.CHILD_FRIENDLY_JUSTICE,
        ServiceType.LEGAL_AID,
    ],
    HarmType.SEXUAL_EXTORTION: [
        ServiceType.DIGITAL_EVIDENCE_AND_TAKEDOWN,
        ServiceType.POLICE_CYBERCRIME_UNIT,
        ServiceType.LEGAL_AID,
    ],
    HarmType.NON_CONSENSUAL_IMAGE_SHARING: [
        ServiceType.DIGITAL_EVIDENCE_AND_TAKEDOWN,
        ServiceType.LEGAL_AID,
        ServiceType.POLICE_CYBERCRIME_UNIT,
    ],
    HarmType.CSAM: [
        ServiceType.DIGITAL_EVIDENCE_AND_TAKEDOWN,
        ServiceType.POLICE_CYBERCRIME_UNIT,
        ServiceType.CHILD_FRIENDLY_JUSTICE,
    ],
    HarmType.LIVE_STREAMED_ABUSE: [
        ServiceType.MEDICAL_CARE,
        ServiceType.SAFE_ACCOMMODATION,
        ServiceType.POLICE_CYBERCRIME_UNIT,
        ServiceType.CHILD_FRIENDLY_JUSTICE,
    ],
    HarmType.ONLINE_COMMERCIAL_SEXUAL_EXPLOITATION: [
        ServiceType.SAFE_ACCOMMODATION,
        ServiceType.MEDICAL_CARE,
        ServiceType.ECONOMIC_EMPOWERMENT,
        ServiceType.POLICE_CYBERCRIME_UNIT,
    ],
    HarmType.FAKE_OPPORTUNITY_EXPLOITATION: [
        ServiceType.ECONOMIC_EMPOWERMENT,
        ServiceType.LEGAL_AID,
        ServiceType.POLICE_CYBERCRIME_UNIT,
    ],
    HarmType.EXPOSURE_TO_SEXUAL_CONTENT: [ServiceType.EDUCATION_AND_AWARENESS],
    HarmType.CYBERBULLYING: [
        ServiceType.EDUCATION_AND_AWARENESS,
        ServiceType.DIGITAL_EVIDENCE_AND_TAKEDOWN,
    ],
    HarmType.ONLINE_RADICALISATION: [ServiceType.EDUCATION_AND_AWARENESS],
}
EVERY_CHILD = [ServiceType.PSYCHOSOCIAL_SUPPORT, ServiceType.CHILD_HELPLINE]
AGE_BAND_YEARS: dict[str, tuple[int, int]] = {
    AgeBand.AGE_0_5: (0, 5),
    AgeBand.AGE_6_11: (6, 11),
    AgeBand.AGE_12_14: (12, 14),
    AgeBand.AGE_15_17: (15, 17),
}
# Fields of the report the receiving service may learn when consent to referral is given.
REFERRED_FIELDS = ("age_band", "sex", "country", "admin1", "harm_types", "disability")


def needed_service_types(harm_types: Iterable[str], disability: str) -> list[str]:
    """Service types this child probably needs, most pressing first, without repeats."""
    needed: list[str] = []
    for harm in harm_types:
        needed.extend(NEEDS_BY_HARM.get(harm, []))
    if disability == "yes":
        needed.insert(0, ServiceType.DISABILITY_SERVICES)
    needed.extend(EVERY_CHILD)
    return list(dict.fromkeys(str(kind) for kind in needed))


@dataclass(frozen=True)
class Suggestion:
    service: Service
    in_area: bool  # serves the child's own area (otherwise the whole country)
    meets_need: bool
    already_referred: bool


def suggest_services(case: Case, *, service_type: str = "") -> list[Suggestion]:
    """Active services for the child's area and needs: needed types first, the area's own
    before country-wide ones, then in order of need; accessible ones first for a child with a
    disability; services whose age range excludes the child are left out."""
    report = case.report
    if not report.country:
        raise ReferralError("no_area")
    areas = ServiceArea.objects.filter(service=OuterRef("pk"))
    in_area = (
        Exists(areas.filter(country=report.country, admin1=report.admin1))
        if report.admin1
        else Value(False)
    )
    needs = needed_service_types(report.harm_types, report.disability)
    need_rank = models.Case(
        *(When(service_type=kind, then=Value(rank)) for rank, kind in enumerate(needs)),
        default=Value(len(needs)),
        output_field=models.IntegerField(),
    )
    services = (
        Service.objects.active()
        .annotate(
            in_area=in_area,
            country_wide=Exists(areas.filter(country=report.country, admin1="")),
            need_rank=need_rank,
            meets_need=models.Case(
                When(need_rank__lt=len(needs), then=Value(True)),
                default=Value(False),
                output_field=models.BooleanField(),
            ),
        )
        .filter(Q(in_area=True) | Q(country_wide=True))
        .select_related("organisation")
        .prefetch_related("phones", "areas")
    )
    if service_type:
        services = services.filter(service_type=service_type)
    years = AGE_BAND_YEARS.get(report.age_band)
    if years:
        youngest, oldest = years
        services = services.filter(
            Q(minimum_age__isnull=True) | Q(minimum_age__lte=oldest),
            Q(maximum_age__isnull=True) | Q(maximum_age__gte=youngest),
        )
    # Needed types first; among them, the area's own before country-wide ones.
    order = ["-meets_need", "-in_area", "need_rank"]
    if report.disability == "yes":
        order.append("-disability_access")
    services = services.order_by(*order, "name", "id")[:MAX_SUGGESTIONS]
    referred = set(
        case.referrals.filter(
            status__in=[Referral.Status.SENT, Referral.Status.ACCEPTED]
        ).values_list("service_id", flat=True)
    )
    return [
        Suggestion(
            service=service,
            in_area=bool(service.in_area),  # type: ignore[attr-defined]
            meets_need=bool(service.meets_need),  # type: ignore[attr-defined]
            already_referred=service.pk in referred,
        )
        for service in services
    ]


def _copy_for_receiver(request: HttpRequest, case: Case, reason: str) -> dict[str, Any]:
    report = case.report
    copy: dict[str, Any] = {name: getattr(report, name) for name in REFERRED_FIELDS}
    copy["reason"] = reason
    copy["from_organisation"] = case.organisation.name
    if case_actions.consent_allows(case, ConsentRecord.Purpose.CONTACT):
        copy["contact_method"] = report.contact_method
        copy["contact"] = open_report(request, report).contact
    return copy


def refer(
    request: HttpRequest, case: Case, actor: User, *, service: Service, reason: str
) -> Referral:
    """Send a referral: refused without consent, for a closed case or an inactive service."""
    if not case_actions.consent_allows(case, ConsentRecord.Purpose.REFERRAL):
        raise ReferralError("no_consent")
    with transaction.atomic():
        locked = Case.objects.select_for_update().select_related("organisation").get(pk=case.pk)
        if locked.purged_at is not None:
            raise ReferralError("purged")
        if locked.status == Case.Status.CLOSED:
            raise ReferralError("case_closed")
        service = (
            # Only the service row is locked: the owner is an outer join, which PostgreSQL
            # cannot lock.
            Service.objects.select_for_update(of=("self",))
            .select_related("organisation__owner")
            .get(pk=service.pk)
        )
        if service.status != ServiceStatus.ACTIVE:
            raise ReferralError("service_not_active")
        receiver: Organisation | None = service.organisation.owner
        referral = Referral.objects.create(
            case=locked,
            from_organisation=locked.organisation,
            service=service,
            to_organisation=receiver,
            service_type=service.service_type,
            country=case.report.country,
            admin1=case.report.admin1,
            created_by=actor,
        )
        encryption.store_sealed(
            referral,
            "sealed_reason",
            lambda place: assignment_keys.seal_for_case(locked, reason, place),
            owner=locked,
        )
        # Only an organisation on the platform gets a copy; nothing is opened otherwise.
        if receiver is not None:
            copy = json.dumps(_copy_for_receiver(request, locked, reason), ensure_ascii=False)
            encryption.store_sealed(
                referral,
                "sealed_copy",
                lambda place: encryption.seal_for_casework(receiver, copy, place=place),
            )
        case_actions.record_event(
            locked,
            "referred",
            actor,
            service_type=service.service_type,
            on_platform=receiver is not None,
        )
        if receiver is not None:
            audit.record(
                "referral.received",
                actor=actor,
                organisation=receiver,
                obj=referral,
                details={"from": locked.organisation.slug, "service_type": service.service_type},
            )
            # The receiving organisation learns of it (alerts), once committed.
            signals.referral_sent.send(sender=Referral, referral=referral)
    return referral


# Who answers: the receiving organisation; for a service off the platform, the sender.
NEXT_STATUS = {
    Referral.Status.SENT: {Referral.Status.ACCEPTED, Referral.Status.DECLINED},
    Referral.Status.ACCEPTED: {Referral.Status.COMPLETED},
}


def may_answer(membership: Membership, referral: Referral) -> bool:
    if referral.to_organisation_id is not None:
        return referral.to_organisation_id == membership.organisation_id
    return referral.from_organisation_id == membership.organisation_id


def answer_referral(
    membership: Membership, referral: Referral, *, status: str, version: int
) -> Referral:
    with transaction.atomic():
        locked = Referral.objects.select_for_update().select_related("case").get(pk=referral.pk)
        if not may_answer(membership, locked):
            raise ReferralError("not_receiver")
        if locked.version != version:
            raise ReferralError("stale")
        if status not in NEXT_STATUS.get(Referral.Status(locked.status), set()):
            raise ReferralError("wrong_state")
        now = timezone.now()
        previous, locked.status = locked.status, status
        setattr(locked, f"{status}_at", now)
        locked.answered_by = membership.user
        locked.version += 1
        locked.save(update_fields=["status", f"{status}_at", "answered_by", "version"])
        case_actions.record_event(
            locked.case,
            f"referral_{status}",
            membership.user if membership.organisation_id == locked.from_organisation_id else None,
            service_type=locked.service_type,
        )
        audit.record(
            "referral.answered",
            actor=membership.user,
            organisation=membership.organisation,
            obj=locked,
            details={"from": previous, "to": status},
        )
        # The member who referred learns of the answer (alerts), once committed.
        signals.referral_answered.send(sender=Referral, referral=locked, status=status)
    return locked


def open_reason(request: HttpRequest, referral: Referral, case: Case) -> str:
    """The referring caseworker's reason, for the referring organisation (audited); the
    tampering marker if it does not belong to this referral of this case."""
    (opened,) = encryption.open_many_for_member(
        request,
        referral.from_organisation,
        [(bytes(referral.sealed_reason), encryption.Place.of(referral, "sealed_reason", case))],
        audit_object=referral,
        audit_action="referral.reason_opened",
    )
    return tampering.text_of(opened)


def open_copy(request: HttpRequest, referral: Referral) -> dict[str, Any]:
    """What the receiving organisation was sent (audited)."""
    if referral.to_organisation is None or not referral.sealed_copy:
        return {}
    (opened,) = encryption.open_many_for_member(
        request,
        referral.to_organisation,
        [(bytes(referral.sealed_copy), encryption.Place.of(referral, "sealed_copy"))],
        audit_object=referral,
        audit_action="referral.opened",
    )
    if opened is None:
        return {"reason": tampering.text_of(None)}
    data: dict[str, Any] = json.loads(opened)
    return data


@dataclass(frozen=True)
class Outcome:
    service_type: str
    country: str
    admin1: str
    made: int
    accepted: int
    declined: int
    completed: int


def referral_outcomes(
    *, organisation: Organisation | None = None, since: Any = None, until: Any = None
) -> list[Outcome]:
    """Referrals made, accepted, declined and completed, per service type and area.

    Accepted counts every referral that was accepted, including those completed since. No
    child data is involved; the evidence pages apply their own small-number rules.
    """
    referrals = Referral.objects.all()
    if organisation is not None:
        referrals = referrals.filter(from_organisation=organisation)
    if since is not None:
        referrals = referrals.filter(sent_at__gte=since)
    if until is not None:
        referrals = referrals.filter(sent_at__lt=until)
    rows = (
        referrals.values("service_type", "country", "admin1")
        .annotate(
            made=Count("id"),
            accepted=Count("id", filter=Q(accepted_at__isnull=False)),
            declined=Count("id", filter=Q(declined_at__isnull=False)),
            completed=Count("id", filter=Q(completed_at__isnull=False)),
        )
        .order_by("country", "admin1", "service_type")
    )
    return [Outcome(**row) for row in rows]
