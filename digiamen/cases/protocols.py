"""Default response protocols per harm type, in three languages.

They are copied into an organisation's own data on first use (``Protocol`` rows) so that
its admins can adapt them; a case shows the protocols of its harm types, or the general one.
"""

from __future__ import annotations

from typing import Any

GENERAL = "general"

DEFAULTS: dict[str, list[dict[str, str]]] = {
    "sexual_extortion": [
        {
            "en": "Reassure the child: it is not their fault; they did the right thing by telling.",
            "fr": "Rassurer l'enfant : ce n'est pas de sa faute ; il a bien fait d'en parler.",
            "ar": "طمأنة الطفل: ليس ذنبه، وقد أحسن عندما أخبر.",
        },
        {
            "en": "Advise: do not pay, stop replying, do not delete anything.",
            "fr": "Conseiller : ne pas payer, cesser de répondre, ne rien supprimer.",
            "ar": "النصح: عدم الدفع، والتوقف عن الرد، وعدم حذف أي شيء.",
        },
        {
            "en": "Record the account names, links and platform; never ask for the images.",
            "fr": "Noter les comptes, les liens et la plateforme ; ne jamais demander les images.",
            "ar": "تسجيل أسماء الحسابات والروابط والمنصة؛ وعدم طلب الصور أبداً.",
        },
        {
            "en": "Escalate a takedown request to the platform (and hashes to the hotline).",
            "fr": "Demander le retrait à la plateforme (et transmettre les empreintes à la hotline).",
            "ar": "تصعيد طلب الحذف إلى المنصة (وإرسال البصمات إلى الخط الساخن).",
        },
        {
            "en": "Assess self-harm risk and safety at home; involve a trusted adult if safe.",
            "fr": "Évaluer le risque d'automutilation et la sécurité à la maison ; impliquer un adulte de confiance si c'est sûr.",
            "ar": "تقييم خطر إيذاء النفس والأمان في البيت؛ وإشراك بالغ موثوق إن كان ذلك آمناً.",
        },
        {
            "en": "Offer referral to psychosocial support; with consent, to legal aid or police.",
            "fr": "Proposer une orientation vers un soutien psychosocial ; avec accord, vers l'aide juridique ou la police.",
            "ar": "عرض الإحالة إلى الدعم النفسي والاجتماعي؛ وبموافقة، إلى المساعدة القانونية أو الشرطة.",
        },
    ],
    "online_grooming": [
        {
            "en": "Check for a planned meeting or immediate danger; act at once if so.",
            "fr": "Vérifier s'il y a un rendez-vous prévu ou un danger immédiat ; agir tout de suite le cas échéant.",
            "ar": "التحقق من وجود لقاء مخطط أو خطر فوري؛ والتصرف فوراً إن وُجد.",
        },
        {
            "en": "Reassure the child without blame; explain grooming in simple words.",
            "fr": "Rassurer l'enfant sans le blâmer ; expliquer la manipulation en mots simples.",
            "ar": "طمأنة الطفل دون لوم؛ وشرح الاستدراج بكلمات بسيطة.",
        },
        {
            "en": "Record the accounts and platform; keep the conversations as evidence.",
            "fr": "Noter les comptes et la plateforme ; conserver les conversations comme preuves.",
            "ar": "تسجيل الحسابات والمنصة؛ والاحتفاظ بالمحادثات كأدلة.",
        },
        {
            "en": "Report the account to the platform.",
            "fr": "Signaler le compte à la plateforme.",
            "ar": "الإبلاغ عن الحساب لدى المنصة.",
        },
        {
            "en": "With consent, inform a caregiver and refer to support services.",
            "fr": "Avec accord, informer un parent et orienter vers des services de soutien.",
            "ar": "بالموافقة، إبلاغ أحد الوالدين والإحالة إلى خدمات الدعم.",
        },
    ],
    "csam": [
        {
            "en": "Tell the reporter not to download, keep or forward the material.",
            "fr": "Dire à la personne de ne pas télécharger, garder ni transférer le contenu.",
            "ar": "إخبار المبلّغ بعدم تنزيل المحتوى أو الاحتفاظ به أو إعادة إرساله.",
        },
        {
            "en": "Record where it was seen (links, accounts); never view or store the images.",
            "fr": "Noter où il a été vu (liens, comptes) ; ne jamais regarder ni stocker les images.",
            "ar": "تسجيل مكان رؤيته (الروابط، الحسابات)؛ وعدم مشاهدة الصور أو تخزينها أبداً.",
        },
        {
            "en": "Report to the national hotline and the platform.",
            "fr": "Signaler à la hotline nationale et à la plateforme.",
            "ar": "الإبلاغ إلى الخط الساخن الوطني وإلى المنصة.",
        },
        {
            "en": "If a child in the material may be identified, follow the child-in-danger steps.",
            "fr": "Si un enfant du contenu peut être identifié, suivre les étapes « enfant en danger ».",
            "ar": "إذا أمكن التعرف على طفل في المحتوى، اتباع خطوات «طفل في خطر».",
        },
        {
            "en": "Offer support to the reporter for what they saw.",
            "fr": "Proposer un soutien à la personne pour ce qu'elle a vu.",
            "ar": "عرض الدعم على المبلّغ بسبب ما رآه.",
        },
    ],
    "non_consensual_image_sharing": [
        {
            "en": "Reassure: it is not their fault, even if they took the picture.",
            "fr": "Rassurer : ce n'est pas sa faute, même s'il a pris la photo.",
            "ar": "الطمأنة: ليس ذنبه، حتى لو التقط الصورة بنفسه.",
        },
        {
            "en": "Record where the image circulates; never ask for the image itself.",
            "fr": "Noter où l'image circule ; ne jamais demander l'image elle-même.",
            "ar": "تسجيل أماكن انتشار الصورة؛ وعدم طلب الصورة نفسها أبداً.",
        },
        {
            "en": "Request takedown from each platform; offer hashing in the child's browser.",
            "fr": "Demander le retrait à chaque plateforme ; proposer le calcul d'empreinte dans le navigateur de l'enfant.",
            "ar": "طلب الحذف من كل منصة؛ وعرض حساب البصمة في متصفح الطفل.",
        },
        {
            "en": "Check for bullying at school and plan with the child who to tell.",
            "fr": "Vérifier s'il y a du harcèlement à l'école et décider avec l'enfant qui informer.",
            "ar": "التحقق من وجود تنمر في المدرسة والتخطيط مع الطفل لمن يُخبر.",
        },
        {
            "en": "Offer psychosocial support.",
            "fr": "Proposer un soutien psychosocial.",
            "ar": "عرض الدعم النفسي والاجتماعي.",
        },
    ],
    "cyberbullying": [
        {
            "en": "Listen and reassure; assess self-harm risk.",
            "fr": "Écouter et rassurer ; évaluer le risque d'automutilation.",
            "ar": "الاستماع والطمأنة؛ وتقييم خطر إيذاء النفس.",
        },
        {
            "en": "Advise: do not answer back, keep screenshots, block and report.",
            "fr": "Conseiller : ne pas répondre, garder des captures, bloquer et signaler.",
            "ar": "النصح: عدم الرد، والاحتفاظ بصور الشاشة، والحظر والإبلاغ.",
        },
        {
            "en": "With consent, involve the school or a caregiver.",
            "fr": "Avec accord, impliquer l'école ou un parent.",
            "ar": "بالموافقة، إشراك المدرسة أو أحد الوالدين.",
        },
        {
            "en": "Follow up within a week.",
            "fr": "Faire un suivi dans la semaine.",
            "ar": "المتابعة خلال أسبوع.",
        },
    ],
    GENERAL: [
        {
            "en": "Listen, reassure, and check for immediate danger.",
            "fr": "Écouter, rassurer et vérifier s'il y a un danger immédiat.",
            "ar": "الاستماع والطمأنة والتحقق من وجود خطر فوري.",
        },
        {
            "en": "Record what happened, where, and the accounts involved.",
            "fr": "Noter ce qui s'est passé, où, et les comptes impliqués.",
            "ar": "تسجيل ما حدث وأين والحسابات المعنية.",
        },
        {
            "en": "Agree next steps with the child and record consent.",
            "fr": "Convenir des prochaines étapes avec l'enfant et noter son accord.",
            "ar": "الاتفاق على الخطوات التالية مع الطفل وتسجيل الموافقة.",
        },
        {
            "en": "Refer to services that match the child's needs.",
            "fr": "Orienter vers les services adaptés aux besoins de l'enfant.",
            "ar": "الإحالة إلى الخدمات المناسبة لاحتياجات الطفل.",
        },
    ],
}


def default_steps(harm_type: str) -> list[dict[str, Any]]:
    return [{"id": f"{harm_type}-{n}", **text} for n, text in enumerate(DEFAULTS[harm_type], 1)]
