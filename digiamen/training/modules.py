"""The modules a member may take, in the reader's language.

Three kinds: the modules shipped with the code (``modules/<code>.json``, every text in
Arabic, French and English), the organisation's protocols as a module of their own (its
pages are the protocols' steps; its quiz asks which step comes first), and the modules
the organisation wrote (``OwnModule``, in one language). Each has a version: a completion
names the version it passed.
"""

from __future__ import annotations

import functools
import hashlib
import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from digiamen.accounts.models import Organisation
from digiamen.cases.actions import organisation_protocols
from digiamen.core.taxonomy import HarmType
from digiamen.training.models import OwnModule

SHIPPED = Path(__file__).resolve().parent / "modules"
SHIPPED_ORDER = ("recognising", "first_contact", "digital_safeguarding")
PROTOCOLS = "protocols"
LANGUAGES = ("ar", "fr", "en")
PASS_MARK = 80
PROTOCOL_QUESTIONS = 5


@dataclass(frozen=True)
class Question:
    text: str
    choices: tuple[str, ...]
    answer: int


@dataclass(frozen=True)
class Module:
    code: str
    version: str
    title: str
    summary: str
    pages: tuple[tuple[str, str], ...]  # (title, Markdown body)
    questions: tuple[Question, ...]
    pass_mark: int = PASS_MARK
    minutes: int = 10
    own: bool = False
    language: str = ""  # an organisation's module is written in one language

    @property
    def stored(self) -> bool:
        """Its texts are the organisation's own words (its module, or its protocols)."""
        return self.own or self.code == PROTOCOLS


def _language() -> str:
    language = (get_language() or "en").split("-")[0]
    return language if language in LANGUAGES else "en"


def _text(texts: dict[str, str], language: str) -> str:
    return texts.get(language) or texts["en"]


@functools.cache
def _shipped_content(code: str) -> dict[str, Any]:
    return dict(json.loads((SHIPPED / f"{code}.json").read_text(encoding="utf-8")))


def shipped(code: str, language: str | None = None) -> Module:
    content = _shipped_content(code)
    language = language or _language()
    return Module(
        code=code,
        version=str(content["version"]),
        title=_text(content["title"], language),
        summary=_text(content["summary"], language),
        pages=tuple(
            (_text(page["title"], language), _text(page["body"], language))
            for page in content["pages"]
        ),
        questions=tuple(
            Question(
                _text(question["text"], language),
                tuple(_text(choice, language) for choice in question["choices"]),
                int(question["answer"]),
            )
            for question in content["questions"]
        ),
        pass_mark=int(content.get("pass_mark", PASS_MARK)),
        minutes=int(content.get("minutes", 10)),
    )


def protocols_module(organisation: Organisation, language: str | None = None) -> Module:
    """The organisation's protocols: one page per harm type, and which step comes first."""
    language = language or _language()
    harms = dict(HarmType.choices)
    available = organisation_protocols(organisation)
    ordered = sorted(available.values(), key=lambda protocol: protocol.harm_type)
    version = hashlib.sha256(
        json.dumps([[p.harm_type, p.steps] for p in ordered], sort_keys=True).encode()
    ).hexdigest()[:12]
    pages = []
    questions: list[Question] = []
    rng = random.Random(version)  # noqa: S311 - the order of choices, not a secret
    for protocol in ordered:
        name = str(harms.get(protocol.harm_type, _("Any harm")))
        steps = [_text(step, language) for step in protocol.steps]
        pages.append((name, "\n".join(f"{n}. {step}" for n, step in enumerate(steps, 1))))
        if len(steps) >= 3 and len(questions) < PROTOCOL_QUESTIONS:
            choices = [steps[0], steps[1], steps[-1]]
            rng.shuffle(choices)
            questions.append(
                Question(
                    _("In your protocol for “%(harm)s”, which step comes first?") % {"harm": name},
                    tuple(choices),
                    choices.index(steps[0]),
                )
            )
    return Module(
        code=PROTOCOLS,
        version=version,
        title=_("Your organisation's protocols"),
        summary=_("The steps your organisation follows for each harm, as set by its supervisors."),
        pages=tuple(pages),
        questions=tuple(questions),
        minutes=10,
    )


def own_module(row: OwnModule) -> Module:
    content = row.content
    return Module(
        code=row.code,
        version=str(row.version),
        title=content["title"],
        summary=content.get("summary", ""),
        pages=tuple((page["title"], page["body"]) for page in content["pages"]),
        questions=tuple(
            Question(q["text"], tuple(q["choices"]), int(q["answer"])) for q in content["questions"]
        ),
        own=True,
        language=row.language,
    )


def _own_rows(organisation: Organisation) -> list[OwnModule]:
    """The newest version of each of the organisation's own modules."""
    newest: dict[str, OwnModule] = {}
    for row in OwnModule.objects.filter(organisation=organisation).order_by("code", "version"):
        newest[row.code] = row
    return list(newest.values())


def available(organisation: Organisation) -> list[Module]:
    return [
        *(shipped(code) for code in SHIPPED_ORDER),
        protocols_module(organisation),
        *(own_module(row) for row in _own_rows(organisation)),
    ]


def find(organisation: Organisation, code: str) -> Module | None:
    if code in SHIPPED_ORDER:
        return shipped(code)
    if code == PROTOCOLS:
        return protocols_module(organisation)
    row = (
        OwnModule.objects.filter(organisation=organisation, code=code).order_by("-version").first()
    )
    return own_module(row) if row is not None else None
