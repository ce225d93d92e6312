"""What an alert says: that something is waiting, and where. Never what.

No case number, harm type, name, place or text of a report reaches these texts: they are
made from the alert's kind, its urgency and the organisation's name alone. The link is the
sign-in page, with no token and no case in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

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


# Per kind: the one line (with the organisation's name) and the e-mail's subject. Never
# anything of the case: what is waiting, and where.
LINES: dict[str, tuple[Any, Any]] = {
    Kind.ASSIGNED: (
        _("A case was assigned to you in %(organisation)s. Open Digi-Amen."),
        _("Digi-Amen: a case was assigned to you"),
    ),
    Kind.ESCALATION: (
        _("An urgent report in %(organisation)s has not been opened yet. Open Digi-Amen."),
        _("Digi-Amen: an urgent report is still waiting"),
    ),
    Kind.DEADLINE_HALF: (
        _(
            "Half the time to contact a reporter has passed on a case in %(organisation)s. "
            "Open Digi-Amen."
        ),
        _("Digi-Amen: a first contact is due soon"),
    ),
    Kind.DEADLINE: (
        _("A first contact is overdue on a case in %(organisation)s. Open Digi-Amen."),
        _("Digi-Amen: a first contact is overdue"),
    ),
    Kind.REPORTER_WROTE: (
        _("A reporter wrote again on a case of yours in %(organisation)s. Open Digi-Amen."),
        _("Digi-Amen: a reporter wrote again"),
    ),
    Kind.TRANSFER_IN: (
        _("A case was transferred to %(organisation)s and waits for a decision. Open Digi-Amen."),
        _("Digi-Amen: a transferred case is waiting"),
    ),
    Kind.REFERRAL_IN: (
        _("A referral to %(organisation)s waits for an answer. Open Digi-Amen."),
        _("Digi-Amen: a referral is waiting"),
    ),
    Kind.REFERRAL_ANSWER: (
        _("A service answered a referral you made in %(organisation)s. Open Digi-Amen."),
        _("Digi-Amen: an answer to your referral"),
    ),
    Kind.PLATFORM_SILENT: (
        _(
            "A platform has not answered an escalation you sent from %(organisation)s. "
            "Open Digi-Amen."
        ),
        _("Digi-Amen: an escalation has no answer"),
    ),
    Kind.TASK_DUE: (
        _("A task of yours is due in %(organisation)s. Open Digi-Amen."),
        _("Digi-Amen: a task is due"),
    ),
    Kind.CLOSURE: (
        _("A case in %(organisation)s waits for your approval to close. Open Digi-Amen."),
        _("Digi-Amen: a closure waits for your approval"),
    ),
    Kind.SECURITY: (
        _(
            "Someone signed in to your Digi-Amen account, changed its password or reset its "
            "two-step sign-in (%(organisation)s). If it was not you, tell your admin at once."
        ),
        _("Digi-Amen: your account's security"),
    ),
    Kind.AUDIT_HEAD: (
        _(
            "The audit log of Digi-Amen was signed (%(organisation)s). Keep this fingerprint "
            "outside the server: if the log is ever rewritten, it will no longer match."
        ),
        _("Digi-Amen: the audit log's fingerprint"),
    ),
}


def headline(kind: str, urgent: bool, organisation_name: str) -> str:
    """The one line, in the active language (the in-app list shows it too)."""
    where = {"organisation": organisation_name}
    if kind == Kind.NEW_REPORT and urgent:
        return gettext("1 urgent report is waiting in %(organisation)s. Open Digi-Amen.") % where
    if kind == Kind.NEW_REPORT:
        return gettext("1 new report is waiting in %(organisation)s. Open Digi-Amen.") % where
    line, _subject = LINES.get(kind, LINES[Kind.ESCALATION])
    return str(line) % where


def subject(kind: str, urgent: bool) -> str:
    if kind == Kind.NEW_REPORT and urgent:
        return gettext("Digi-Amen: an urgent report is waiting")
    if kind == Kind.NEW_REPORT:
        return gettext("Digi-Amen: a new report is waiting")
    _line, title = LINES.get(kind, LINES[Kind.ESCALATION])
    return str(title)


def line_of(alert: Alert) -> str:
    """The alert's one line, with the case's number where the organisation allows it."""
    line = headline(alert.kind, alert.urgent, alert.organisation.name)
    if alert.fingerprint:
        event, _colon, code = alert.fingerprint.partition(":")
        line += " " + gettext("Event %(event)s, fingerprint %(code)s.") % {
            "event": event,
            "code": code,
        }
    if alert.case_number:
        line += " " + gettext("Case: %(number)s.") % {"number": alert.case_number}
    return line


def text_for(alert: Alert, preference: AlertPreference | None = None) -> Text:
    language = language_for(alert.organisation, preference)
    with translation.override(language):
        lines = [
            line_of(alert),
            *(
                [
                    gettext("Whoever runs your server checks it with: %(command)s")
                    % {"command": f"manage.py verify_audit --fingerprint {alert.fingerprint}"}
                ]
                if alert.fingerprint
                else []
            ),
            gettext("Sign in to see it: %(url)s") % {"url": sign_in_url(language)},
            gettext("On purpose, this message says nothing about the case. Do not reply to it.")
            if not alert.case_number
            else gettext("On purpose, this message says nothing more of the case. Do not reply."),
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
        return Text(subject="", body=line_of(alert), language=language)


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
