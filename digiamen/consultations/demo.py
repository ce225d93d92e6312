"""Demo consultation: the first demo organisation asks children about their safety online,
open today (so the public home page invites children to it), with answers from the web, by
text message and from a school session with ODK Collect, and a few words."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from django.utils import timezone

from digiamen.accounts import time_zones
from digiamen.accounts.models import Membership, Organisation, Role
from digiamen.consultations import actions
from digiamen.consultations.models import Consultation, Response, Words
from digiamen.consultations.questions import parse
from digiamen.core import places

CODE = "SAFE-ONLINE"
TITLES = {
    "ar": "سلامتك على الإنترنت: ما رأيك؟",
    "fr": "Ta sécurité en ligne\u202f: qu'en penses-tu\u202f?",
    "en": "Your safety online: what do you think?",
}
INTRODUCTIONS = {
    "ar": "نريد أن نسمع رأيك لنطلب من الكبار حماية أفضل للأطفال على الإنترنت.",
    "fr": "Nous voulons t'entendre pour demander aux adultes de mieux protéger les enfants "
    "en ligne.",
    "en": "We want to hear from you, to ask adults to protect children better online.",
}
QUESTIONS = {
    "ar": """? هل تشعر بالأمان على الإنترنت؟
- نعم
- أحيانا
- لا
+ أين تقضي أكثر وقتك على الإنترنت؟
- مواقع التواصل الاجتماعي
- الألعاب
- الفيديوهات
- تطبيقات المراسلة
- الدراسة
? إذا حدث لك شيء سيئ على الإنترنت، هل ستخبر شخصا كبيرا؟
- نعم
- ربما
- لا
+ من ستخبر؟
- أحد الوالدين
- معلم أو معلمة
- صديق أو صديقة
- خط مساعدة
- لا أحد
~ ماذا يجب أن يفعل الكبار لحماية الأطفال على الإنترنت؟""",
    "fr": """? Te sens-tu en sécurité en ligne\u202f?
- Oui
- Parfois
- Non
+ Où passes-tu le plus de temps en ligne\u202f?
- Réseaux sociaux
- Jeux
- Vidéos
- Messageries
- Travail scolaire
? Si quelque chose de mal t'arrivait en ligne, le dirais-tu à un adulte\u202f?
- Oui
- Peut-être
- Non
+ À qui le dirais-tu\u202f?
- Un parent
- Un enseignant ou une enseignante
- Un ami ou une amie
- Une ligne d'écoute
- Personne
~ Que devraient faire les adultes pour protéger les enfants en ligne\u202f?""",
    "en": """? Do you feel safe online?
- Yes
- Sometimes
- No
+ Where do you spend most of your time online?
- Social media
- Games
- Videos
- Messaging apps
- School work
? If something bad happened to you online, would you tell an adult?
- Yes
- Maybe
- No
+ Who would you tell?
- A parent
- A teacher
- A friend
- A helpline
- Nobody
~ What should adults do to keep children safe online?""",
}
WORDS = (
    "يجب أن يتحدث الأهل معنا بدون صراخ.",
    "Que les écoles nous expliquent comment bloquer quelqu'un.",
    "Listen to us and do not take our phones away.",
    "نريد حصصا في المدرسة عن الأمان على الإنترنت.",
    "Que les applications suppriment vite les faux comptes.",
    "Teach parents how the apps work.",
)
ANSWERS = 48
# A second consultation, still being written (a draft nobody can answer yet).
DRAFT_CODE = "SCHOOL-VOICES"
DRAFT_TITLES = {
    "ar": "دروس الأمان على الإنترنت في المدرسة",
    "fr": "Les cours de sécurité en ligne à l'école",
    "en": "Online safety lessons at school",
}
DRAFT_QUESTIONS = {
    "ar": "? هل تحدثت المدرسة معك عن الأمان على الإنترنت؟\n- نعم\n- لا\n- لا أتذكر\n"
    "~ ماذا تريد أن تتعلم؟",
    "fr": "? L'école t'a-t-elle parlé de sécurité en ligne\u202f?\n- Oui\n- Non\n"
    "- Je ne sais plus\n~ Qu'aimerais-tu apprendre\u202f?",
    "en": "? Has your school talked with you about safety online?\n- Yes\n- No\n"
    "- I don't remember\n~ What would you like to learn?",
}


def load(organisations: list[Organisation]) -> dict[str, Any]:
    organisation = organisations[0]
    author = (
        Membership.objects.active()
        .filter(organisation=organisation, role=Role.SUPERVISOR)
        .select_related("user")
        .first()
    )
    today = time_zones.local(timezone.now(), organisation).date()
    consultation = Consultation.objects.create(
        organisation=organisation,
        code=CODE,
        languages=["ar", "fr", "en"],
        titles=TITLES,
        introductions=INTRODUCTIONS,
        questions=[question.as_data() for question in parse(QUESTIONS)],
        age_min=10,
        age_max=17,
        starts_on=today - timedelta(days=10),
        ends_on=today + timedelta(days=50),
        status=Consultation.Status.PUBLISHED,
        created_by=author.user if author else None,
        published_at=timezone.now() - timedelta(days=10),
    )
    chance = random.Random(2027)  # noqa: S311 - demo data, not a secret
    areas = [area.code for area in places.areas(organisation.country)]
    month = actions.this_month()
    channels = [Response.Channel.WEB] * 6 + [Response.Channel.SMS] * 2 + [Response.Channel.ODK] * 2
    for _n in range(ANSWERS):
        Response.objects.create(
            consultation=consultation,
            channel=chance.choice(channels),
            month=month,
            age_band=chance.choice(["12_14", "12_14", "15_17", "15_17", "6_11", "unknown"]),
            sex=chance.choice(["female", "male", "female", "male", "other"]),
            admin1=chance.choice(areas[:3] or [""]),
            locality=chance.choice(["urban", "urban", "rural", "unknown"]),
            answers=[
                chance.choice([0, 0, 1, 2]),
                sorted(set(chance.sample(range(5), chance.randint(1, 3)))),
                chance.choice([0, 1, 1, 2]),
                sorted(set(chance.sample(range(5), chance.randint(1, 2)))),
                None,
            ],
        )
    for text in WORDS:
        row = Words.objects.create(consultation=consultation, question=4, month=month)
        actions.seal_words(row, text, organisation)
    Consultation.objects.create(
        organisation=organisation,
        code=DRAFT_CODE,
        languages=["ar", "fr", "en"],
        titles=DRAFT_TITLES,
        questions=[question.as_data() for question in parse(DRAFT_QUESTIONS)],
        age_min=12,
        age_max=17,
        starts_on=today + timedelta(days=30),
        ends_on=today + timedelta(days=60),
        created_by=author.user if author else None,
    )
    return {"consultations": [{"code": CODE, "organisation": organisation.slug}]}
