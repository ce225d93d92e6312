"""Demo feedback: a closed case whose reporter has not answered yet (its receipt is in the
demo credentials), and past answers, enough for the tables to show.

Loaded after the intake demo (the routing rules) and the referrals demo."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from typing import Any

from digiamen.accounts.models import Membership, Organisation, Role
from digiamen.cases import actions as case_actions
from digiamen.cases.models import Case
from digiamen.feedback.actions import seal_words
from digiamen.feedback.models import OWN_HELP, Answer
from digiamen.intake import actions as intake_actions
from digiamen.intake.receipts import format_receipt

DEMO_MONTHS = 12
KINDS = [OWN_HELP, OWN_HELP, "psychosocial_support", "legal_aid", "digital_evidence_and_takedown"]
HARMS = ["sexual_extortion", "online_grooming", "non_consensual_image_sharing", "cyberbullying"]
# Mostly good, some not: invented figures, to be read as such.
LISTENED = ["yes"] * 7 + ["partly"] * 2 + ["no"]
HELPED = ["yes"] * 6 + ["partly"] * 3 + ["no"]
RECOMMEND = ["yes"] * 7 + ["partly"] * 2 + ["no"]
WORDS = [
    "شكرا لأنكم صدقتموني.",
    "Merci, la conseillère m'a expliqué quoi faire.",
    "It took long before someone answered.",
    "كنت خائفا من أن تعرف عائلتي، لكن المستشارة ساعدتني.",
    "J'aurais voulu pouvoir écrire le soir aussi.",
    "The photos were taken down. Thank you.",
]
CLOSED_REPORT: dict[str, Any] = {
    "reporter_type": "child",
    "harm_types": ["online_grooming"],
    "platforms": ["tiktok"],
    "country": "MA",
    "admin1": "MA-06",
    "locality": "urban",
    "age_band": "12_14",
    "sex": "male",
    "disability": "no",
    "narrative": "An adult on TikTok kept asking me for photos. I blocked him (demo).",
    "contact_method": "receipt",
    "consent_contact": True,
    "consent_referral": False,
    "consent_statistics": True,
}


def _months(today: date) -> list[date]:
    months = [today.replace(day=1)]
    while len(months) < DEMO_MONTHS:
        first = months[-1]
        months.append(date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1))
    return months


def _answers(organisation: Organisation, seed: int) -> int:
    rng = random.Random(seed)  # noqa: S311 - invented demo figures, reproducible
    made = 0
    for month in _months(datetime.now(UTC).date()):
        for _index in range(rng.randint(4, 9)):
            answer = Answer.objects.create(
                organisation=organisation,
                month=month,
                service_type=rng.choice(KINDS),
                harm_type=rng.choice(HARMS),
                listened=rng.choice(LISTENED),
                helped=rng.choice(HELPED),
                recommend=rng.choice(RECOMMEND),
            )
            if made < len(WORDS):
                seal_words(answer, WORDS[made])
            made += 1
    return made


def _closed_case_waiting() -> dict[str, str]:
    """A report whose case a supervisor worked and closed: its reporter is asked."""
    submission = intake_actions.submit_report(
        dict(CLOSED_REPORT), channel="web", submission_id="demo-feedback-waiting"
    )
    case = Case.objects.select_related("organisation").get(report=submission.report)
    supervisor = Membership.objects.filter(
        organisation=case.organisation, role=Role.SUPERVISOR
    ).first()
    if supervisor is None:
        return {}
    user = supervisor.user
    case = case_actions.triage(case, user, version=case.version, risk="low", flags=[])
    case = case_actions.assign(case, user, version=case.version, assignee=user)
    case = case_actions.start(case, user, version=case.version)
    case_actions.close(case, user, version=case.version, reason="resolved")
    return {
        "receipt": format_receipt(submission.receipt),
        "organisation": case.organisation.slug,
    }


def load(organisations: list[Organisation]) -> dict[str, Any]:
    made = sum(
        _answers(organisation, seed=4000 + index)
        for index, organisation in enumerate(organisations)
    )
    return {"feedback": {"answers": made, "closed_case_receipt": _closed_case_waiting()}}
