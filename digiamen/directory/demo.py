"""Demo data for the directory: services in Morocco, Tunisia, Jordan and Egypt.

Every organisation, address and phone number here is invented for practice (phone numbers
end in 00 00 0x); the outlines loaded with them are schematic, not real borders.
"""

from __future__ import annotations

from datetime import time, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from digiamen.accounts.models import Organisation
from digiamen.directory.boundaries import import_demo_boundaries
from digiamen.directory.models import (
    DirectoryOrganisation,
    Location,
    Phone,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
)


def _names(ar: str, fr: str, en: str) -> dict[str, dict[str, str]]:
    return {"ar": {"name": ar}, "fr": {"name": fr}, "en": {"name": en}}


# (owner slug or None, organisation, services). A service: fields, areas, phone, location.
DEMO_DIRECTORY: list[dict[str, Any]] = [
    {
        "owner": "amane-demo",
        "organisation": {
            "name": "Amane (demo)",
            "description": "Association for the protection of children online (demo data).",
            "country": "MA",
        },
        "services": [
            {
                "name": "Écoute Amane (demo)",
                "translations": _names("خط الإنصات أمان", "Écoute Amane", "Amane listening line"),
                "service_type": "child_helpline",
                "description": "Counsellors listen to children and parents, in Arabic, "
                "Tamazight and French.",
                "areas": ["MA"],
                "phone": "+212 5 37 00 00 01",
                "languages": ["ar", "zgh", "fr"],
                "free_of_charge": True,
                "child_friendly": True,
                "disability_access": True,
                "minimum_age": 6,
                "maximum_age": 17,
                "verified_days_ago": 30,
                "hours": ("MO,TU,WE,TH,FR,SA", time(9), time(20)),
            },
            {
                "name": "Amane psychosocial support, Casablanca (demo)",
                "translations": _names(
                    "الدعم النفسي والاجتماعي أمان، الدار البيضاء",
                    "Soutien psychosocial Amane, Casablanca",
                    "Amane psychosocial support, Casablanca",
                ),
                "service_type": "psychosocial_support",
                "areas": ["MA-06"],
                "phone": "+212 5 22 00 00 02",
                "languages": ["ar", "fr"],
                "free_of_charge": True,
                "child_friendly": True,
                "minimum_age": 10,
                "maximum_age": 17,
                "verified_days_ago": 420,  # over a year: flagged for verification
                "location": {
                    "name": "Amane centre, Casablanca (demo)",
                    "address_1": "12 rue de l'Exemple (demo)",
                    "city": "Casablanca",
                    "admin1": "MA-06",
                    "latitude": Decimal("33.589886"),
                    "longitude": Decimal("-7.603869"),
                    "wheelchair_access": True,
                },
            },
            {
                "name": "Amane safe house (demo)",
                "translations": _names(
                    "دار الإيواء أمان", "Foyer d'accueil Amane", "Amane safe house"
                ),
                "service_type": "safe_accommodation",
                "areas": ["MA-04"],
                "phone": "+212 5 37 00 00 03",
                "languages": ["ar", "fr"],
                "free_of_charge": True,
                "minimum_age": 12,
                "maximum_age": 17,
                "verified_days_ago": 60,
                "location": {
                    "name": "Safe house (confidential)",
                    "address_1": "Confidential address (demo)",
                    "city": "Rabat",
                    "admin1": "MA-04",
                    "is_confidential": True,
                },
            },
        ],
    },
    {
        "owner": "jordan-helpline-demo",
        "organisation": {
            "name": "Jordan Child Helpline (demo)",
            "description": "A helpline and legal aid for children in Jordan (demo data).",
            "country": "JO",
        },
        "services": [
            {
                "name": "Jordan child helpline (demo)",
                "translations": _names(
                    "خط مساندة الطفل", "Ligne d'écoute pour enfants", "Child helpline"
                ),
                "service_type": "child_helpline",
                "areas": ["JO"],
                "phone": "+962 6 500 00 01",
                "languages": ["ar", "en"],
                "free_of_charge": True,
                "child_friendly": True,
                "verified_days_ago": 10,
                "hours": ("SU,MO,TU,WE,TH", time(8), time(22)),
            },
            {
                "name": "Legal aid for children, Amman (demo)",
                "translations": _names(
                    "المساعدة القانونية للأطفال، عمّان",
                    "Aide juridique aux enfants, Amman",
                    "Legal aid for children, Amman",
                ),
                "service_type": "legal_aid",
                "areas": ["JO-AM"],
                "phone": "+962 6 500 00 02",
                "languages": ["ar", "en"],
                "free_of_charge": True,
                "verified_days_ago": 90,
                "location": {
                    "name": "Legal aid office, Amman (demo)",
                    "address_1": "Example Street 5 (demo)",
                    "city": "Amman",
                    "admin1": "JO-AM",
                    "latitude": Decimal("31.953949"),
                    "longitude": Decimal("35.910635"),
                },
            },
            {
                "name": "Psychosocial support, Irbid (demo)",
                "translations": _names(
                    "الدعم النفسي والاجتماعي، إربد",
                    "Soutien psychosocial, Irbid",
                    "Psychosocial support, Irbid",
                ),
                "service_type": "psychosocial_support",
                "areas": ["JO-IR"],
                "phone": "+962 2 700 00 03",
                "languages": ["ar"],
                "free_of_charge": True,
                "child_friendly": True,
                "disability_access": True,
                "verified_days_ago": None,  # never verified
            },
        ],
    },
    {
        "owner": None,
        "organisation": {
            "name": "Regional hospital child unit (demo)",
            "description": "Medical care and forensic examination for child victims (demo data).",
            "country": "MA",
        },
        "services": [
            {
                "name": "Child protection unit, regional hospital (demo)",
                "translations": _names(
                    "وحدة حماية الطفولة بالمستشفى الجهوي",
                    "Unité de protection de l'enfance, hôpital régional",
                    "Child protection unit, regional hospital",
                ),
                "service_type": "medical_care",
                "areas": ["MA-06"],
                "phone": "+212 5 22 00 00 04",
                "languages": ["ar", "fr"],
                "free_of_charge": True,
                "disability_access": True,
                "verified_days_ago": 200,
            },
        ],
    },
    {
        "owner": None,
        "organisation": {
            "name": "National police cyber-crime unit (demo)",
            "description": "Receives complaints about online crimes against children (demo).",
            "country": "MA",
        },
        "services": [
            {
                "name": "Cyber-crime complaints (demo)",
                "translations": _names(
                    "شكايات الجرائم الإلكترونية",
                    "Plaintes pour cybercriminalité",
                    "Cyber-crime complaints",
                ),
                "service_type": "police_cybercrime_unit",
                "areas": ["MA"],
                "phone": "+212 5 37 00 00 05",
                "languages": ["ar", "fr"],
                "free_of_charge": True,
                "verified_days_ago": 400,
            },
        ],
    },
    {
        "owner": None,
        "organisation": {
            "name": "Sfax Childhood Association (demo)",
            "description": "Support for children and families in Sfax (demo data).",
            "country": "TN",
        },
        "services": [
            {
                "name": "Listening and support centre, Sfax (demo)",
                "translations": _names(
                    "مركز الإصغاء والمرافقة بصفاقس",
                    "Centre d'écoute et d'accompagnement, Sfax",
                    "Listening and support centre, Sfax",
                ),
                "service_type": "psychosocial_support",
                "areas": ["TN-61"],
                "phone": "+216 74 000 001",
                "languages": ["ar", "fr"],
                "free_of_charge": True,
                "child_friendly": True,
                "verified_days_ago": 45,
                "location": {
                    "name": "Centre, Sfax (demo)",
                    "address_1": "Avenue de l'Exemple (demo)",
                    "city": "Sfax",
                    "admin1": "TN-61",
                    "latitude": Decimal("34.740556"),
                    "longitude": Decimal("10.760278"),
                },
            },
            {
                "name": "Legal aid for minors, Sfax (demo)",
                "translations": _names(
                    "المساعدة القانونية للقاصرين بصفاقس",
                    "Aide juridique aux mineurs, Sfax",
                    "Legal aid for minors, Sfax",
                ),
                "service_type": "legal_aid",
                "areas": ["TN-61"],
                "phone": "+216 74 000 002",
                "languages": ["ar", "fr"],
                "free_of_charge": True,
                "verified_days_ago": 45,
            },
            {
                "name": "Youth counselling, Tunis (demo)",
                "translations": _names(
                    "الإرشاد للشباب، تونس", "Conseil aux jeunes, Tunis", "Youth counselling, Tunis"
                ),
                "service_type": "psychosocial_support",
                "areas": ["TN-11"],
                "phone": "+216 71 000 003",
                "languages": ["ar", "fr"],
                "verified_days_ago": 45,
            },
        ],
    },
    {
        "owner": None,
        "organisation": {
            "name": "Digital Safety Lab (demo)",
            "description": "Helps children and CSOs keep evidence and get images removed (demo).",
            "country": "TN",
        },
        "services": [
            {
                "name": "Evidence and takedown help (demo)",
                "translations": _names(
                    "المساعدة على حفظ الأدلة وحذف المحتوى",
                    "Aide à la preuve et au retrait de contenus",
                    "Evidence and takedown help",
                ),
                "service_type": "digital_evidence_and_takedown",
                "areas": ["TN", "MA", "JO", "EG"],
                "phone": "+216 71 000 004",
                "languages": ["ar", "fr", "en"],
                "free_of_charge": True,
                "child_friendly": True,
                "verified_days_ago": 20,
            },
        ],
    },
    {
        "owner": None,
        "organisation": {
            "name": "Cairo Child Rights Centre (demo)",
            "description": "Legal and psychosocial support for children in Cairo (demo data).",
            "country": "EG",
        },
        "services": [
            {
                "name": "Child rights legal clinic, Cairo (demo)",
                "translations": _names(
                    "العيادة القانونية لحقوق الطفل، القاهرة",
                    "Clinique juridique des droits de l'enfant, Le Caire",
                    "Child rights legal clinic, Cairo",
                ),
                "service_type": "legal_aid",
                "areas": ["EG-C"],
                "phone": "+20 2 0000 0005",
                "languages": ["ar", "en"],
                "free_of_charge": True,
                "verified_days_ago": 100,
            },
        ],
    },
]


def load(organisations: list[Organisation]) -> dict[str, Any]:
    owners = {organisation.slug: organisation for organisation in organisations}
    now = timezone.now()
    services = 0
    for entry in DEMO_DIRECTORY:
        directory_organisation = DirectoryOrganisation.objects.create(
            owner=owners.get(entry["owner"] or ""), **entry["organisation"]
        )
        for spec in entry["services"]:
            spec = dict(spec)
            areas = spec.pop("areas")
            phone = spec.pop("phone")
            location_spec = spec.pop("location", None)
            hours = spec.pop("hours", None)
            verified_days_ago = spec.pop("verified_days_ago")
            service = Service.objects.create(
                organisation=directory_organisation,
                last_verified_at=(
                    now - timedelta(days=verified_days_ago)
                    if verified_days_ago is not None
                    else None
                ),
                **spec,
            )
            services += 1
            for code in areas:
                ServiceArea.objects.create(
                    service=service, country=code[:2], admin1=code if len(code) > 2 else ""
                )
            Phone.objects.create(service=service, number=phone, languages=spec["languages"])
            if hours is not None:
                days, opens_at, closes_at = hours
                Schedule.objects.create(
                    service=service, byday=days, opens_at=opens_at, closes_at=closes_at
                )
            if location_spec is not None:
                location = Location.objects.create(
                    organisation=directory_organisation,
                    country=location_spec["admin1"][:2],
                    **location_spec,
                )
                ServiceAtLocation.objects.create(service=service, location=location)
    outlines = import_demo_boundaries()
    return {"directory": {"services": services, "area_outlines": len(outlines.imported)}}
