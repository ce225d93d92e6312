"""What an alert says: that something is waiting, and where. Never what.

No case number, harm type, name, place or text of a report reaches these texts: they are
made from the alert's kind, its urgency and the organisation's name alone. The link is the
sign-in page, with no token and no case in it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, ngettext

from digiamen.accounts.models import Organisation
from digiamen.alerts.models import Alert, AlertPreference, Kind

SUPPORTED = {code for code, _name in settings.LANGUAGES}


@dataclass(frozen=True)
class Text:
    subject: str
    body: str
    language: str


def language_for(organisation: Organisation, preference: AlertPreference | None = None) -> str:
    """The member's own language if they chose one, else the organisation's first one."""
    if preference is not None and preference.language in SUPPORTED:
        return str(preference.language)
    for code in organisation.languages or []:
        if code in SUPPORTED:
            return str(code)
    return str(settings.LANGUAGE_CODE)[:2]


def sign_in_url(language: str) -> str:
    with translation.override(language):
        return f"{settings.SITE_URL}{reverse('accounts:login')}"


def headline(kind: str, urgent: bool, organisation_name: str) -> str:
    """The one line, in the active language (the in-app list shows it too)."""
    where = {"organisation": organisation_name}
    if kind == Kind.NEW_REPORT and urgent:
        return gettext("1 urgent report is waiting in %(organisation)s. Open Digi-Amen.") % where
    if kind == Kind.NEW_REPORT:
        return gettext("1 new report is waiting in %(organisation)s. Open Digi-Amen.") % where
    if kind == Kind.ASSIGNED:
        return gettext("A case was assigned to you in %(organisation)s. Open Digi-Amen.") % where
    return (
        gettext("An urgent report in %(organisation)s has not been opened yet. Open Digi-Amen.")
        % where
    )


def subject(kind: str, urgent: bool) -> str:
    if kind == Kind.NEW_REPORT and urgent:
        return gettext("Digi-Amen: an urgent report is waiting")
    if kind == Kind.NEW_REPORT:
        return gettext("Digi-Amen: a new report is waiting")
    if kind == Kind.ASSIGNED:
        return gettext("Digi-Amen: a case was assigned to you")
    return gettext("Digi-Amen: an urgent report is still waiting")


def text_for(alert: Alert, preference: AlertPreference | None = None) -> Text:
    language = language_for(alert.organisation, preference)
    with translation.override(language):
        lines = [
            headline(alert.kind, alert.urgent, alert.organisation.name),
            gettext("Sign in to see it: %(url)s") % {"url": sign_in_url(language)},
            gettext("On purpose, this message says nothing about the case. Do not reply to it."),
        ]
        return Text(
            subject=subject(alert.kind, alert.urgent),
            body="\n\n".join(lines) + "\n",
            language=language,
        )


def sms_for(alert: Alert, preference: AlertPreference | None = None) -> Text:
    """A text message: the headline alone (no link: a text's link could be spoofed)."""
    language = language_for(alert.organisation, preference)
    with translation.override(language):
        return Text(
            subject="",
            body=headline(alert.kind, alert.urgent, alert.organisation.name),
            language=language,
        )


def digest_for(counts: dict[str, dict[str, int]], names: dict[str, str], language: str) -> Text:
    """The daily digest: per organisation (``names``: id -> name), how many alerts of each
    kind are waiting. Counts and kinds only; a kind added later is named by its label."""
    labels = dict(Kind.choices)
    with translation.override(language):
        blocks = [gettext("Alerts for you in Digi-Amen since the last digest:")]
        for organisation_id, by_kind in counts.items():
            total = sum(by_kind.values())
            lines = [
                ngettext(
                    "%(count)d alert in %(organisation)s:",
                    "%(count)d alerts in %(organisation)s:",
                    total,
                )
                % {"count": total, "organisation": names.get(organisation_id, "")}
            ]
            lines += [
                f"- {labels.get(kind, kind)}: {count}" for kind, count in sorted(by_kind.items())
            ]
            blocks.append("\n".join(lines))
        blocks += [
            gettext("Sign in to see them: %(url)s") % {"url": sign_in_url(language)},
            gettext("On purpose, this message says nothing about the case. Do not reply to it."),
        ]
        return Text(
            subject=gettext("Digi-Amen: your daily digest of alerts"),
            body="\n\n".join(blocks) + "\n",
            language=language,
        )
