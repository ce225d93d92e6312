"""Signals other apps listen to, so that the lower layers need not import the upper ones."""

from __future__ import annotations

from django.dispatch import Signal

# Sent inside the rotation's transaction with ``organisation`` and ``version`` (the new key
# generation's number), after the removed members' grants are gone.
organisation_key_rotated = Signal()

# Sent when a member holding ``organisation``'s casework key signs in, with their unlocked
# ``keyring``: what still waits for such a member (case data sealed to the organisation key
# before the casework key existed) can be done then.
casework_key_unlocked = Signal()

# Sent inside ``accounts.actions.renew_key_pair``'s transaction, once per organisation, with
# ``organisation``, ``user`` and ``old_keyring`` (their old key pair, unlocked): what was
# sealed to the old public key (their assigned cases) is sealed to the new one.
key_pair_renewed = Signal()

# Sent inside ``cases.actions.assign``'s transaction with ``case``, ``assignee`` and ``actor``
# once the case is assigned: the assignee is alerted (alerts) after the commit.
case_assigned = Signal()

# Events staff are alerted of (alerts listens; the apps below never import it). Each is
# sent inside the event's own transaction; the alert is made once it has committed.
# ``message``: a reporter's message was stored (intake).
reporter_wrote = Signal()
# ``transfer``: a case was sent to another organisation (cases).
case_transferred = Signal()
# ``referral``: a referral was sent to a service (referrals); ``referral_answered`` also
# has ``status`` (accepted, declined, completed).
referral_sent = Signal()
referral_answered = Signal()
# ``case``: a caseworker asked to close a case that needs a supervisor's approval.
closure_requested = Signal()
# ``escalation``: a platform has not answered an escalation within the organisation's delay.
escalation_unanswered = Signal()
# ``task``: a task is due and not done.
task_due = Signal()
# ``user`` and ``event`` ("sign_in", "two_factor_reset", "password_changed").
account_event = Signal()

# Sent by the reporter's follow-up page with ``report`` (the mailbox's home) and
# ``public_key`` (the mailbox key the receipt derived): a receiver returns what it offers
# the reporter there, as ``{"template": ..., **context}``, or None (feedback offers a few
# questions once the help is over).
followup_offers = Signal()

# Sent inside ``cases`` closing's transaction with ``case`` once it is closed (feedback
# offers its questions by text message after the commit).
case_closed = Signal()

# Sent by ``channels`` when someone who reported by text message writes again within the
# follow-up period, with ``report``, ``text`` and ``language``: a receiver that takes the
# message returns the replies to send (a list of texts); otherwise None, and the message
# goes to the counsellor as usual (feedback takes the answers to its questions).
text_follow_up = Signal()

# Sent by ``channels`` for each text message before its own conversation, with ``gateway``,
# ``lookups`` (the sender's keyed lookups, the current one first), ``text`` and ``now``: a
# receiver that takes the message returns the replies to send; otherwise None, and the
# message goes on as usual (consultations take their keyword and the answers after it).
text_received = Signal()

# Sent by the public home page: a receiver returns what it invites visitors to there, as
# ``{"template": ..., **context}``, or None (an open children's consultation).
public_invitations = Signal()

# Sent by the OpenRosa form list with ``organisation``: a receiver returns the other forms
# the organisation's field workers may fill in, as ``[{"form_id", "name", "version",
# "hash", "xform"}]`` (a consultation open to its children).
openrosa_forms = Signal()

# Sent by the OpenRosa submission when the form is not the report form, with
# ``organisation``, ``form_id``, ``data`` (the submission's XML) and ``instance_id``: the
# receiver whose form it is returns ``(status, message)``; the others None.
openrosa_submission = Signal()
