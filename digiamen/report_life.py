"""A report's life, in one place: what happens to a report, whatever channel brought it (web,
API, operator, text message, ODK), and which app does each part.

In one transaction, ``intake.actions.submit_report``:

1. routes the report to an organisation, seals it to that organisation's key and stores it
   (intake);
2. opens its case (cases);
3. records its pictures' hashes and their matches in the hash banks (media);
4. makes the case urgent when a picture is known to a bank (cases);
5. alerts the staff on call, once the transaction has committed (alerts).

The receipt is shown only after that transaction has committed. Later, a counsellor's reply
(``intake.actions.post_staff_reply``) is sealed to the reporter's mailbox and, in the same
transaction, queued as a text message when the report came by one (channels).

Intake stands below the apps it hands the report to, so it names these stages
(``intake/life.py``) and this module, above every app, wires them when the project starts
(``digiamen.apps.DigiAmenConfig.ready``).
"""

from __future__ import annotations

from digiamen.alerts import new_reports as alerts
from digiamen.cases import actions as cases
from digiamen.cases import known_images
from digiamen.channels import actions as channels
from digiamen.intake.life import report_life
from digiamen.media import actions as media
from digiamen.media import views_public as media_pages


def wire() -> None:
    report_life.wire(
        # In the report's transaction, after intake has routed, sealed and stored it:
        case_opened=cases.open_case_for_report,
        pictures_recorded=media.record_report_images,
        known_picture_found=known_images.raise_urgency,
        staff_alerted=alerts.report_stored,
        # In the transaction of a counsellor's reply to the reporter:
        reply_queued=channels.queue_reply_for_report,
        # The web flow's picture step ("Tell us more", then "Add a picture"):
        picture_step=media_pages.image_page,
    )
