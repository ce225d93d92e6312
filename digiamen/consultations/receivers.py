"""What consultations add to the pages and channels below them, through ``core.signals``:
the invitation on the public home page, the forms and submissions of ODK Collect, and (in
``texts``) the answers by text message."""

from __future__ import annotations

from typing import Any

from defusedxml import ElementTree
from django.dispatch import receiver
from django.utils.translation import gettext as _

from digiamen.accounts.models import Organisation
from digiamen.consultations import actions, odk, texts  # noqa: F401  (texts: its receiver)
from digiamen.consultations.models import Consultation, Response
from digiamen.core import crypto, signals


@receiver(signals.public_invitations)
def _invitations(sender: Any, language: str, **kwargs: Any) -> dict[str, Any] | None:
    found = actions.open_consultations()
    if not found:
        return None
    invitations = [
        {
            "consultation": consultation,
            "title": consultation.title_in(language),
            "countries": actions.country_names(consultation, language),
        }
        for consultation in found
    ]
    return {"template": "consultations/_invitation.html", "invitations": invitations}


def _open_for(organisation: Organisation) -> list[Consultation]:
    scope = actions.open_for_gateway_organisation(organisation)
    return [
        consultation
        for consultation in actions.open_consultations()
        if Consultation.objects.filter(scope, pk=consultation.pk).exists()
    ]


@receiver(signals.openrosa_forms)
def _forms(sender: Any, organisation: Organisation, **kwargs: Any) -> list[dict[str, str]]:
    return [odk.form_entry(consultation) for consultation in _open_for(organisation)]


@receiver(signals.openrosa_submission)
def _submission(
    sender: Any,
    organisation: Organisation,
    form_id: str,
    data: bytes,
    instance_id: str,
    **kwargs: Any,
) -> tuple[int, str] | None:
    if not form_id.startswith(odk.FORM_PREFIX):
        return None
    consultation = next(
        (found for found in _open_for(organisation) if odk.form_id(found) == form_id), None
    )
    if consultation is None:
        return 400, _("This consultation is closed: answers are no longer taken. Thank you.")
    root = ElementTree.fromstring(data, forbid_dtd=True)
    if root.get("version") != odk.version(consultation):
        return 400, _("This version of the form is no longer accepted. Get the new form.")
    scope = f"consultation:{consultation.pk}:{instance_id}"
    try:
        given = actions.check(consultation, odk.answers_of(consultation, data))
        actions.answer(
            consultation,
            given,
            channel=Response.Channel.ODK,
            submission_lookup=crypto.lookup_hash(scope.encode()),
        )
    except actions.ConsultationRefused as refused:
        return 400, str(refused)
    except actions.AlreadyReceived:
        return 202, _("This form was already received.")
    return 201, _("Thank you: the answers were received.")
