"""Demo data for evidence: a past of closed cases, platform escalations, and a network.

Statistics and transparency pages need months of history to show anything (small numbers are
hidden), so each demo organisation gets ``DEMO_HISTORY_PER_MONTH`` past reports a month for
the last ``DEMO_HISTORY_MONTHS`` months, each with its case, closed; a share of them with a
takedown request to a platform and its answer. The categories follow rough, invented
proportions; the texts are empty (nothing to read) and the reporters have no mailbox. Then a
regional network run by the first organisation, with both organisations sharing.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction

from digiamen.accounts.models import Organisation
from digiamen.awareness.models import Campaign
from digiamen.cases.actions import open_case_for_report
from digiamen.cases.models import Case, Escalation
from digiamen.core import encryption, places
from digiamen.evidence import actions, network
from digiamen.intake.models import Report
from digiamen.networks.models import Network, NetworkMember

DEMO_HISTORY_MONTHS = 18
HARMS = {
    "sexual_extortion": 30,
    "online_grooming": 25,
    "non_consensual_image_sharing": 15,
    "cyberbullying": 15,
    "csam": 8,
    "live_streamed_abuse": 2,
    "exposure_to_sexual_content": 5,
}
PLATFORMS = {
    "instagram": 30,
    "whatsapp": 20,
    "tiktok": 15,
    "facebook": 12,
    "snapchat": 10,
    "free_fire": 8,
    "telegram": 5,
}
# (median hours to removal, share removed, share answered) per platform, invented.
ANSWERS = {
    "instagram": (30, 0.7, 0.9),
    "whatsapp": (70, 0.4, 0.6),
    "tiktok": (20, 0.75, 0.9),
    "facebook": (40, 0.6, 0.85),
    "snapchat": (55, 0.5, 0.7),
    "free_fire": (120, 0.3, 0.5),
    "telegram": (200, 0.15, 0.3),
}
AGE_BANDS = {"6_11": 10, "12_14": 40, "15_17": 45, "unknown": 5}
SEXES = {"female": 60, "male": 35, "unknown": 5}
DISABILITY = {"no": 80, "yes": 5, "unknown": 15}
REPORTERS = {
    "child": 35,
    "parent": 30,
    "teacher": 10,
    "friend": 10,
    "social_worker": 10,
    "other": 5,
}
LOCALITIES = {"urban": 65, "rural": 30, "unknown": 5}
PERPETRATORS = {
    "stranger_online": 40,
    "online_acquaintance": 25,
    "friend_or_peer": 12,
    "romantic_partner": 8,
    "family_member": 5,
    "other_known_adult": 4,
    "unknown": 6,
}
CHANNELS = {"web": 55, "phone": 25, "walk_in": 5, "outreach": 10, "api": 5}
ESCALATED_SHARE = 0.2


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _month_starts(today: date, months: int) -> list[date]:
    starts = [today.replace(day=1)]
    while len(starts) < months:
        first = starts[-1]
        starts.append(date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1))
    return sorted(starts)


def _history_report(
    organisation: Organisation, rng: random.Random, when: datetime, number: int
) -> Report:
    areas = [area.code for area in places.areas(organisation.country)]
    harms = [_pick(rng, HARMS)]
    if rng.random() < 0.15:
        harms.append(_pick(rng, HARMS))
    report = Report(
        organisation=organisation,
        created_at=when,
        channel=_pick(rng, CHANNELS),
        status=Report.Status.SEEN,
        reporter_type=_pick(rng, REPORTERS),
        harm_types=sorted(set(harms)),
        platforms=[_pick(rng, PLATFORMS)],
        country=organisation.country,
        admin1=rng.choice(organisation.admin1_areas or areas) if areas else "",
        locality=_pick(rng, LOCALITIES),
        perpetrator_relationship=_pick(rng, PERPETRATORS),
        age_band=_pick(rng, AGE_BANDS),
        sex=_pick(rng, SEXES),
        disability=_pick(rng, DISABILITY),
        contact_method="receipt",
        consent_statistics=rng.random() < 0.9,
        receipt_lookup=f"demo-history-{organisation.slug}-{number}",
        mailbox_public_key=b"",  # no receipt: nobody follows these up
        submission_id=f"demo-history-{organisation.slug}-{number}",
    )
    record_key = encryption.new_case_record_key(organisation)
    report.sealed_key = record_key.envelope
    record = str(report.public_id)
    for name in ("narrative", "involved_accounts", "contact"):
        setattr(report, name, record_key.encrypt("", field=name, record=record))
    report.reporter_summary = b""
    report.save()
    return report


def _escalate(case: Case, report: Report, rng: random.Random, now: datetime) -> None:
    platform = report.platforms[0]
    median, removed_share, answered_share = ANSWERS[platform]
    sent_at = report.created_at + timedelta(hours=rng.uniform(2, 48))
    if sent_at >= now:
        return
    escalation = Escalation(
        case=case,
        organisation=case.organisation,
        platform=platform,
        kind=Escalation.Kind.TAKEDOWN,
        content_reference=b"",
        created_by_id=_demo_caseworker(case.organisation),
        sent_at=sent_at,
    )
    draw = rng.random()
    # Hours to removal spread around the platform's median (log-normal, long right tail).
    hours = median * rng.lognormvariate(0, 0.6)
    if draw < removed_share and sent_at + timedelta(hours=hours) < now:
        escalation.outcome = Escalation.Outcome.REMOVED
        escalation.resolved_at = sent_at + timedelta(hours=hours)
        escalation.acknowledged_at = sent_at + timedelta(hours=hours * 0.3)
    elif draw < answered_share:
        escalation.outcome = Escalation.Outcome.REFUSED
        escalation.resolved_at = sent_at + timedelta(hours=hours * 1.5)
        escalation.acknowledged_at = escalation.resolved_at
    elif sent_at < now - timedelta(days=14):
        escalation.outcome = Escalation.Outcome.NO_ANSWER
        escalation.resolved_at = sent_at + timedelta(days=14)
    escalation.save()
    encryption.store_sealed(
        escalation,
        "content_reference",
        lambda place: encryption.seal_for_casework(case.organisation, "demo link", place=place),
        owner=case,
    )


_caseworkers: dict[int, int] = {}


def _demo_caseworker(organisation: Organisation) -> int:
    if organisation.pk not in _caseworkers:
        membership = organisation.memberships.filter(role="caseworker").first()
        if membership is None:
            membership = organisation.memberships.first()
        if membership is None:
            raise ValueError("a demo organisation without members")
        _caseworkers[organisation.pk] = membership.user_id
    return _caseworkers[organisation.pk]


def load_history(organisation: Organisation, *, per_month: int, seed: int) -> int:
    """Past reports, each with its closed case; some escalated. The number of reports."""
    rng = random.Random(seed)  # noqa: S311 - invented demo figures, reproducible
    now = datetime.now(UTC)
    created = 0
    with transaction.atomic():
        for month in _month_starts(now.date(), DEMO_HISTORY_MONTHS):
            start = datetime.combine(month, datetime.min.time(), tzinfo=UTC)
            days = 28 if month < now.date().replace(day=1) else max(now.day - 1, 0)
            for _index in range(per_month if month < now.date().replace(day=1) else per_month // 2):
                when = start + timedelta(seconds=rng.uniform(0, max(days, 1) * 86400))
                if when >= now:
                    continue
                report = _history_report(organisation, rng, when, created)
                case = open_case_for_report(report)
                Case.objects.filter(pk=case.pk).update(
                    created_at=when,
                    updated_at=when + timedelta(days=5),
                    status=Case.Status.CLOSED,
                    closure_reason=Case.ClosureReason.RESOLVED,
                    closed_at=when + timedelta(days=5),
                    # As Case.save would order a closed case: last, newest first.
                    danger=2,
                    queue_key=-int(when.timestamp()),
                )
                if rng.random() < ESCALATED_SHARE:
                    _escalate(case, report, rng, now)
                created += 1
    return created


# Of the past reports from a campaign's area while it ran, one in this many came through it.
CAMPAIGN_SHARE = 3


def _came_through_campaigns(organisation: Organisation) -> None:
    """Some past reports carry the organisation's demo campaign code (awareness.demo)."""
    for campaign in Campaign.objects.filter(organisation=organisation):
        start = datetime.combine(campaign.starts_on, datetime.min.time(), tzinfo=UTC)
        reports = Report.objects.filter(organisation=organisation, created_at__gte=start)
        if campaign.admin1:
            reports = reports.filter(admin1=campaign.admin1)
        chosen = list(reports.order_by("id").values_list("id", flat=True))[::CAMPAIGN_SHARE]
        Report.objects.filter(pk__in=chosen).update(campaign=campaign.code)


def load(organisations: list[Organisation]) -> dict[str, Any]:
    per_month = int(getattr(settings, "DEMO_HISTORY_PER_MONTH", 40))
    for index, organisation in enumerate(organisations):
        load_history(organisation, per_month=per_month, seed=2026 + index)
        _came_through_campaigns(organisation)
    secretariat = organisations[0]
    demo_network = actions.create_network(
        slug="mena-network-demo",
        name="MENA child online protection network (demo)",
        kind=Network.Kind.REGIONAL,
        secretariat=secretariat,
    )
    for organisation in organisations[1:]:
        NetworkMember.objects.create(network=demo_network, organisation=organisation)
    today = datetime.now(UTC).date()
    for member in demo_network.members.select_related("network", "organisation"):
        member.shares_statistics = True
        member.sharing_changed_at = datetime.now(UTC)
        member.save(update_fields=["shares_statistics", "sharing_changed_at"])
        network.share(member, today)
    return {
        "networks": [
            {
                "slug": demo_network.slug,
                "secretariat": secretariat.slug,
                "members": [organisation.slug for organisation in organisations],
            }
        ]
    }
