"""Awareness lessons: short texts per harm type and audience, in Arabic, French and English.

The default lessons are files written for this project (``lessons/<harm>.<audience>.<lang>.md``:
a ``# title`` line, then limited Markdown). An organisation may publish its own version
(``LessonVersion``). Every lesson is rendered the same way: Markdown without images, then a
sanitiser that keeps a short list of tags and relative or https links only, so that nothing a
member writes can run a script, load a remote picture or frame another site.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import nh3
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import pgettext_lazy
from markdown_it import MarkdownIt

from digiamen.accounts.models import Organisation
from digiamen.awareness.models import LessonVersion
from digiamen.core.taxonomy import HarmType

LESSON_DIR = Path(__file__).resolve().parent / "lessons"
LANGUAGES = ("ar", "fr", "en")
HARM_TYPES = (
    HarmType.ONLINE_GROOMING,
    HarmType.SEXUAL_EXTORTION,
    HarmType.NON_CONSENSUAL_IMAGE_SHARING,
    HarmType.EXPOSURE_TO_SEXUAL_CONTENT,
    HarmType.CYBERBULLYING,
)
AUDIENCES = {
    "child": pgettext_lazy("lesson audience", "Children (10 to 13)"),
    "adolescent": pgettext_lazy("lesson audience", "Adolescents (14 to 17)"),
    "caregiver": pgettext_lazy("lesson audience", "Parents and family"),
    "educator": pgettext_lazy("lesson audience", "Teachers and care workers"),
    "leader": pgettext_lazy("lesson audience", "Religious and community leaders"),
}
TITLE_MAX = 120
BODY_MAX = 8000

_ALLOWED_TAGS = {"p", "h2", "h3", "h4", "ul", "ol", "li", "strong", "em", "a", "blockquote", "br"}
_markdown = MarkdownIt("commonmark", {"html": True}).disable("image")


_SITE_LINK = re.compile(r'href="/(?!(?:ar|fr|en)/)')


def render(markdown: str, language: str = "en") -> SafeString:
    """Limited Markdown as safe HTML: raw HTML, scripts, frames, event handlers, images and
    ``javascript:`` links are removed by the sanitiser (nh3), whatever the Markdown says.
    A link to a page of this site ("/report/") opens it in the lesson's language."""
    html = _markdown.render(markdown)
    cleaned = nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes={"a": {"href"}},
        url_schemes={"https"},
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
    return mark_safe(_SITE_LINK.sub(f'href="/{language}/', cleaned))  # noqa: S308 - sanitised


def is_lesson(harm_type: str, audience: str, language: str | None = None) -> bool:
    return (
        harm_type in HARM_TYPES
        and audience in AUDIENCES
        and (language is None or language in LANGUAGES)
    )


@dataclass(frozen=True)
class Lesson:
    harm_type: str
    audience: str
    language: str
    title: str
    body: str  # Markdown, without the title line
    organisation: Organisation | None = None  # None: the project's default lesson

    @property
    def html(self) -> SafeString:
        return render(self.body, self.language)

    @property
    def audience_label(self) -> str:
        return str(AUDIENCES.get(self.audience, self.audience))

    @property
    def harm_label(self) -> str:
        return str(dict(HarmType.choices).get(self.harm_type, self.harm_type))


def split_title(text: str) -> tuple[str, str]:
    """('title', 'body') from a file that starts with '# title'."""
    first, _newline, rest = text.partition("\n")
    if first.startswith("# "):
        return first[2:].strip(), rest.strip()
    return "", text.strip()


@functools.cache
def default_lesson(harm_type: str, audience: str, language: str) -> Lesson | None:
    if not is_lesson(harm_type, audience, language):
        return None
    path = LESSON_DIR / f"{harm_type}.{audience}.{language}.md"
    if not path.is_file():
        return None
    title, body = split_title(path.read_text(encoding="utf-8"))
    return Lesson(harm_type, audience, language, title, body)


def published(
    organisation: Organisation, harm_type: str, audience: str, language: str
) -> Lesson | None:
    """The organisation's newest published version, if any."""
    version = (
        LessonVersion.objects.filter(
            organisation=organisation,
            harm_type=harm_type,
            audience=audience,
            language=language,
            published_at__isnull=False,
        )
        .order_by("-published_at", "-id")
        .first()
    )
    if version is None:
        return None
    return Lesson(
        harm_type, audience, language, version.title, version.body, organisation=organisation
    )


def organisations_with_version(harm_type: str, audience: str, language: str) -> list[Organisation]:
    ids = LessonVersion.objects.filter(
        harm_type=harm_type, audience=audience, language=language, published_at__isnull=False
    ).values("organisation_id")
    return list(Organisation.objects.filter(pk__in=ids).order_by("name"))


def catalogue(language: str) -> list[tuple[str, str, list[Lesson]]]:
    """Per audience (code, label), its default lessons in ``language``."""
    out = []
    for audience, label in AUDIENCES.items():
        found = [default_lesson(harm, audience, language) for harm in HARM_TYPES]
        out.append((audience, str(label), [lesson for lesson in found if lesson is not None]))
    return out
