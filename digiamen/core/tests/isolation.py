"""Is every stored text on a page isolated from the page's direction?

A stored text holds a *marker*: Arabic, then a Latin name of the field, e.g.
``مرحبا-XnoteX-abc``, so that a text laid out in the page's direction instead of its own
would visibly break. ``check(html)`` parses a page with the standard library's parser and
answers which markers it shows and where one is not isolated. The rule:

* a text node holding a marker: the nearest element around it that decides its direction
  (a ``<bdi>``, or an element with a ``dir`` attribute) is a ``<bdi>`` or has ``dir="auto"``;
  ``dir="ltr"``, ``dir="rtl"`` or reaching ``<html dir=...>`` fails. Within that element
  there is no other text with a direction of its own (a translated label before the
  stored text would decide the direction instead of it); a ``<textarea>`` or an
  ``<option>`` (which cannot hold a ``<bdi>``) is all data;
* an ``<input>`` whose ``value`` holds a marker has ``dir="auto"`` itself (an input takes
  its value's direction only so);
* plain text where no element can isolate (``<title>``, ``aria-label``, ``placeholder``,
  ``title``, ``alt``, the text of an SVG drawing), and sentences made in Python around a
  stored text (a message, a title, words the API also gives), wrap the stored text in U+2068
  FIRST STRONG ISOLATE ... U+2069 POP DIRECTIONAL ISOLATE, Unicode's ``<bdi>`` for plain
  text (``core.text.isolated``); this passes anywhere. A ``<title>`` that is nothing but
  one stored text (the discreet title of the follow-up page) needs no isolate;
* code is left to right: an element of class ``code`` with ``dir="ltr"`` (the questions'
  JSON) holds stored texts as quoted values.

A text cut short (a chart's label) still starts with the marker's Arabic: it is checked
too, though only a whole marker counts as shown. HTML made into a PDF is checked with
``plain_text=True``: WeasyPrint knows neither ``<bdi>`` nor ``dir="auto"``, only FSI/PDI count.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from html.parser import HTMLParser

PREFIX = "مرحبا-X"
SUFFIX = "X-abc"
MARKER = re.compile(re.escape(PREFIX) + r"([A-Za-z0-9_]+)" + re.escape(SUFFIX))
# Any stored text, even cut short.
STORED = re.compile(
    re.escape(PREFIX[:-2]) + r"(?:-X([A-Za-z0-9_]*?)(?:" + re.escape(SUFFIX) + r"|(?!\w)))?"
)
FSI, PDI = "\u2068", "\u2069"

VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
    "source", "track", "wbr",
}  # fmt: skip
# Attributes a person reads (or hears) as text: no element can isolate inside them.
READ_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt", "aria-description", "content"}
# Inputs whose value is never shown.
UNSHOWN_INPUTS = {"hidden", "checkbox", "radio", "submit", "button", "file", "image", "reset"}
FORM_FIELDS = {"textarea", "option"}
STRONG = {"L", "R", "AL"}


def marker(name: str) -> str:
    """The stored text of field ``name`` (letters, digits and _ only)."""
    return f"{PREFIX}{name}{SUFFIX}"


@dataclass
class _Element:
    tag: str
    attrs: dict[str, str | None]
    own_text: list[str] = field(default_factory=list)

    @property
    def decides_direction(self) -> bool:
        return self.tag == "bdi" or "dir" in self.attrs

    @property
    def is_code(self) -> bool:
        return self.attrs.get("dir") == "ltr" and "code" in (self.attrs.get("class") or "").split()

    @property
    def isolates(self) -> bool:
        direction = self.attrs.get("dir")
        return direction == "auto" or (self.tag == "bdi" and direction is None) or self.is_code


@dataclass
class Result:
    shown: set[str] = field(default_factory=set)  # names of the markers shown on the page
    problems: list[str] = field(default_factory=list)


def _strong(text: str) -> bool:
    return any(unicodedata.bidirectional(c) in STRONG for c in text)


def _wrapped(text: str, start: int, end: int) -> bool:
    """Does text[start:end] start right after FSI, and is the isolate closed after it?"""
    return text[:start].endswith(FSI) and PDI in text[end:]


def _name(found: re.Match[str]) -> str:
    return found.group(1) or "?"


class _Checker(HTMLParser):
    def __init__(self, *, plain_text: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[_Element] = []
        self.result = Result()
        self.plain_text = plain_text

    def _path(self) -> str:
        return " > ".join(
            e.tag + (f"[dir={e.attrs['dir']}]" if "dir" in e.attrs else "") for e in self.stack
        )

    def _problem(self, name: str, why: str) -> None:
        self.result.problems.append(f"{name}: {why} ({self._path()})")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self._check_attributes(tag, attributes)
        if tag not in VOID:
            self.stack.append(_Element(tag, attributes))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._check_attributes(tag, dict(attrs))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID or all(e.tag != tag for e in self.stack):
            return
        while self.stack:
            element = self.stack.pop()
            self._check_own_text(element)
            if element.tag == tag:
                break

    def _check_attributes(self, tag: str, attrs: dict[str, str | None]) -> None:
        for name, value in attrs.items():
            if name == "value" and (
                tag == "option" or (tag == "input" and attrs.get("type") in UNSHOWN_INPUTS)
            ):
                continue  # a value sent with the form, not shown
            self._shown(value or "")
            for found in STORED.finditer(value or ""):
                field_name = _name(found)
                if name == "value":
                    if tag != "input" or attrs.get("dir") != "auto":
                        self._problem(field_name, f'<{tag} value=...> without dir="auto"')
                elif name in READ_ATTRIBUTES:
                    if not _wrapped(value or "", found.start(), found.end()):
                        self._problem(field_name, f"{name}=... without FSI/PDI")
                else:
                    self._problem(field_name, f"stored text in the {name} attribute of <{tag}>")

    def _shown(self, text: str) -> None:
        self.result.shown.update(found.group(1) for found in MARKER.finditer(text))

    def handle_data(self, data: str) -> None:
        found = list(STORED.finditer(data))
        self._shown(data)
        inside = self.stack[-1].tag if self.stack else ""
        if inside in ("script", "style"):
            for item in found:
                self._problem(_name(item), f"stored text inside <{inside}>")
            return
        found = [item for item in found if not _wrapped(data, item.start(), item.end())]
        if inside == "title" and STORED.fullmatch(data.strip()):
            return  # a title that is only the stored text takes its direction
        if inside == "title" or self.plain_text or any(e.tag == "svg" for e in self.stack):
            for item in found:
                self._problem(_name(item), f"<{inside}> text without FSI/PDI")
            return
        decider = next((e for e in reversed(self.stack) if e.decides_direction), None)
        if decider is not None:
            decider.own_text.append(data)
        for item in found:
            if decider is None or not decider.isolates:
                self._problem(_name(item), "not inside <bdi> or an element with dir=auto")

    def _check_own_text(self, element: _Element) -> None:
        if not element.isolates or element.tag in FORM_FIELDS or element.is_code:
            return
        text = "".join(element.own_text)
        names = [_name(m) for m in STORED.finditer(text)]
        if names and _strong(STORED.sub("", text)):
            self.result.problems.append(
                f"{names[0]}: <{element.tag}> isolates the stored text together with other "
                f"text: {STORED.sub('…', text).strip()[:60]!r} ({self._path()})"
            )

    def close(self) -> None:
        super().close()
        while self.stack:
            self._check_own_text(self.stack.pop())


def check(html: str, *, plain_text: bool = False) -> Result:
    """``plain_text``: the page's renderer knows no ``<bdi>`` nor ``dir="auto"`` (WeasyPrint
    makes the PDFs): only FSI/PDI isolate."""
    checker = _Checker(plain_text=plain_text)
    checker.feed(html)
    checker.close()
    return checker.result
