"""Demo data for the front door: helplines, routing rules and a few reports to practise on."""

from __future__ import annotations

from typing import Any

from digiamen.accounts.models import Organisation
from digiamen.intake import actions
from digiamen.intake.models import Helpline, RoutingRule
from digiamen.intake.receipts import format_receipt, receipt_secrets

# Well-known national child helplines; an organisation checks them before going live.
DEMO_HELPLINES = [
    (
        "MA",
        {
            "ar": "الرقم الأخضر لحماية الطفولة",
            "fr": "Numéro vert de protection de l'enfance",
            "en": "Child protection helpline",
        },
        "2511",
    ),
    (
        "TN",
        {
            "ar": "مندوب حماية الطفولة",
            "fr": "Délégué à la protection de l'enfance",
            "en": "Child protection delegate",
        },
        "1809",
    ),
    (
        "EG",
        {"ar": "خط نجدة الطفل", "fr": "Ligne d'assistance à l'enfance", "en": "Child helpline"},
        "16000",
    ),
    (
        "JO",
        {
            "ar": "إدارة حماية الأسرة والأحداث",
            "fr": "Protection de la famille et des mineurs",
            "en": "Family and Juvenile Protection",
        },
        "110",
    ),
]

DEMO_REPORTS: list[dict[str, Any]] = [
    {
        "reporter_type": "child",
        "harm_types": ["sexual_extortion"],
        "platforms": ["instagram"],
        "country": "MA",
        "admin1": "MA-06",
        "locality": "urban",
        "age_band": "15_17",
        "sex": "female",
        "disability": "no",
        "narrative": "Someone I met on Instagram says he will send my photos to my family if I do "
        "not pay him. I am scared.",
        "involved_accounts": "@demo_account_123",
        "contact_method": "receipt",
        "consent_contact": True,
        "consent_referral": True,
        "consent_statistics": True,
    },
    {
        "reporter_type": "teacher",
        "harm_types": ["online_grooming"],
        "platforms": ["free_fire"],
        "country": "MA",
        "admin1": "MA-04",
        "locality": "rural",
        "age_band": "12_14",
        "sex": "male",
        "disability": "unknown",
        "narrative": "A pupil told me an adult player gives him game diamonds and asks him to "
        "keep their chats secret.",
        "contact_method": "email",
        "contact_value": "teacher@example.org",
        "consent_contact": True,
        "consent_referral": False,
        "consent_statistics": True,
    },
    {
        "reporter_type": "parent",
        "harm_types": ["cyberbullying", "non_consensual_image_sharing"],
        "platforms": ["whatsapp", "tiktok"],
        "country": "JO",
        "admin1": "JO-AM",
        "locality": "urban",
        "age_band": "12_14",
        "sex": "female",
        "disability": "no",
        "narrative": "تم نشر صورة ابنتي في مجموعة واتساب المدرسة دون إذنها.",
        "contact_method": "receipt",
        "consent_contact": True,
        "consent_referral": True,
        "consent_statistics": True,
    },
]


DEMO_FOLLOW_UP = "He wrote to me again last night. I did not answer him."


def load(organisations: list[Organisation]) -> dict[str, Any]:
    # Each number is kept by the demo organisation of its country, the others by the first
    # one, which routing also sends those countries' reports to (see migration intake 0005).
    in_country = {organisation.country: organisation for organisation in reversed(organisations)}
    for country, name, phone in DEMO_HELPLINES:
        owner = in_country.get(country, organisations[0])
        Helpline.objects.get_or_create(
            country=country, phone=phone, defaults={"name": name, "owner": owner}
        )
    for organisation in organisations:
        RoutingRule.objects.get_or_create(
            country=organisation.country, admin1="", defaults={"organisation": organisation}
        )
    receipts = []
    for number, answers in enumerate(DEMO_REPORTS):
        submission = actions.submit_report(
            dict(answers), channel="web", submission_id=f"demo-report-{number}"
        )
        if number == 0:
            # The reporter comes back with the receipt and writes again (signed with it).
            mailbox_key = receipt_secrets(submission.receipt).mailbox_key
            actions.post_reporter_message(submission.report, DEMO_FOLLOW_UP, mailbox_key)
        receipts.append(
            {
                "receipt": format_receipt(submission.receipt),
                "organisation": submission.report.organisation.slug,
            }
        )
    return {"report_receipts": receipts}
