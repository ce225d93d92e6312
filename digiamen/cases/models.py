"""Cases: every report becomes one, in its organisation's queue.

The case holds workflow state and triage (plain, non-identifying); everything a person
wrote stays encrypted: the report's fields, notes, task titles.
"""

from __future__ import annotations

import copy
from typing import Any

from django.core.cache import cache
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from digiamen.accounts.models import Organisation, User
from digiamen.core.taxonomy import RiskLevel
from digiamen.intake.models import Report


class CaseSettings(models.Model):
    """Per-organisation rules of case work."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="case_settings"
    )
    high_risk_hours = models.PositiveIntegerField(default=4)
    medium_risk_hours = models.PositiveIntegerField(default=24)
    low_risk_hours = models.PositiveIntegerField(default=72)
    # Before triage a case is due as if it were of medium risk.
    untriaged_hours = models.PositiveIntegerField(default=24)
    closure_needs_approval = models.BooleanField(default=True)
    self_assignment = models.BooleanField(default=False)
    # Closed cases are purged of everything identifying after this many days.
    retention_days = models.PositiveIntegerField(default=730)
    # An escalation with no answer after this many days is flagged for a reminder.
    escalation_reminder_days = models.PositiveIntegerField(default=3)
    next_number = models.PositiveIntegerField(default=1)

    def __str__(self) -> str:
        return f"case settings of {self.organisation_id}"

    def hours_for(self, risk: str) -> int:
        hours: dict[str, int] = {
            RiskLevel.HIGH: self.high_risk_hours,
            RiskLevel.MEDIUM: self.medium_risk_hours,
            RiskLevel.LOW: self.low_risk_hours,
        }
        return hours.get(risk, self.untriaged_hours)


# The report's fields the queue filters on, copied onto its case (same names).
REPORT_COPIES = ("harm_types", "admin1", "age_band", "channel")


# What a case's place in the queue depends on (Case.save keeps ``danger`` and ``queue_key``).
QUEUE_ORDER_INPUTS = frozenset(
    {
        "status",
        "risk_level",
        "urgent_flags",
        "first_contacted_at",
        "first_contact_due",
        "created_at",
    }
)


def queue_order(case: Case) -> tuple[int, int]:
    """(danger, key): urgent and not closed 0, waiting for first contact 1, the rest 2; the
    first two by deadline (the overdue come first), the rest newest first."""
    closed = case.status == Case.Status.CLOSED
    if not closed and (case.risk_level == RiskLevel.HIGH or case.urgent_flags):
        danger = 0
    elif not closed and case.first_contacted_at is None:
        danger = 1
    else:
        return 2, -int(case.created_at.timestamp())
    return danger, int(case.first_contact_due.timestamp())


class Case(models.Model):
    class Status(models.TextChoices):
        NEW = "new", _("New")
        TRIAGED = "triaged", _("Triaged")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    class ClosureReason(models.TextChoices):
        RESOLVED = "resolved", _("Resolved: the child is safe and supported")
        REFERRED = "referred", _("Referred to another service")
        TRANSFERRED = "transferred", _("Transferred to another organisation")
        NO_CONTACT = "no_contact", _("No contact possible")
        DUPLICATE = "duplicate", _("Duplicate of another case")
        NOT_IN_SCOPE = "not_in_scope", _("Not in scope")

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="cases")
    report = models.OneToOneField(Report, on_delete=models.PROTECT, related_name="case")
    number = models.CharField(max_length=24)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NEW)
    risk_level = models.CharField(max_length=8, choices=RiskLevel.choices, blank=True)
    urgent_flags = models.JSONField(default=list, blank=True)
    first_contact_due = models.DateTimeField()
    first_contacted_at = models.DateTimeField(null=True, blank=True)
    assigned_to = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="assigned_cases"
    )
    closure_reason = models.CharField(max_length=16, choices=ClosureReason.choices, blank=True)
    closure_requested_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closure_requested_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    purged_at = models.DateTimeField(null=True, blank=True)
    # While closed: the purge period key its envelopes are sealed to (crypto-shredding).
    purge_key = models.ForeignKey(
        "core.PurgePeriodKey", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The assignment the case's envelopes were last sealed for (``cases.assignment_keys``):
    # the assignee's user id once sealed to the supervision key and their own key, None while
    # sealed to the casework circle. A plain number, not a key: it only says what is left to
    # re-seal when it differs from ``assigned_to_id``.
    sealed_for_assignee_id = models.BigIntegerField(null=True, blank=True)
    # When a member first opened the case and its identifiers were indexed for duplicates
    # (cleared when the organisation key rotates: indexed again at the next opening).
    indexed_at = models.DateTimeField(null=True, blank=True)
    # When a member who may read the case first opened its page: an urgent case still
    # unopened escalates (alerts). Never cleared.
    opened_at = models.DateTimeField(null=True, blank=True)
    # Every change increments it: a form made from an older version is refused.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # Copies of the report's categorical fields the queue filters on (REPORT_COPIES), so a
    # filtered queue reads the case table alone: no join to the reports to count or to find
    # a page. Set when the case is opened (``copied_from_report``); a report's categories are
    # never changed afterwards. Plain, as on the report: category codes, nothing identifying.
    # On PostgreSQL a GIN index (jsonb_path_ops) answers the harm-type containment.
    harm_types = models.JSONField(default=list, blank=True)
    admin1 = models.CharField(max_length=8, blank=True)
    age_band = models.CharField(max_length=16, blank=True)
    channel = models.CharField(max_length=16, blank=True)
    # The queue's order, kept with the case so a queue page walks an index instead of
    # sorting every case (``queue_order``): ``danger`` 0 urgent and not closed, 1 waiting for
    # first contact, 2 the rest; ``queue_key`` the deadline (seconds) for the first two, so
    # overdue comes first, and minus the arrival for the rest, newest first. Set by save().
    danger = models.PositiveSmallIntegerField(default=1)
    queue_key = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "number"], name="case_number_per_org")
        ]
        indexes = [
            models.Index(fields=["organisation", "status", "-created_at"], name="case_queue"),
            # The queues without a status, newest first (all, mine, high risk, filtered):
            # walked in order until a page is full, never sorted whole.
            models.Index(fields=["organisation", "-created_at"], name="case_recent"),
            models.Index(fields=["organisation", "assigned_to", "status"], name="case_mine"),
            models.Index(fields=["organisation", "first_contact_due"], name="case_due"),
            models.Index(fields=["organisation", "risk_level", "status"], name="case_risk"),
            # The queues by danger (queue_order), with and without a status.
            models.Index(fields=["organisation", "danger", "queue_key"], name="case_danger"),
            models.Index(
                fields=["organisation", "status", "danger", "queue_key"], name="case_danger_status"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Keeps the queue order with every change of what it depends on."""
        fields = kwargs.get("update_fields")
        if fields is None or QUEUE_ORDER_INPUTS & set(fields):
            self.danger, self.queue_key = queue_order(self)
            if fields is not None:
                kwargs["update_fields"] = [*fields, "danger", "queue_key"]
        super().save(*args, **kwargs)

    def copy_from_report(self, report: Report) -> None:
        """Set the copies of the report's filtered fields (the one place they are made)."""
        for field in REPORT_COPIES:
            setattr(self, field, copy.copy(getattr(report, field)))

    @property
    def is_overdue(self) -> bool:
        return (
            self.first_contacted_at is None
            and self.status != self.Status.CLOSED
            and (self.first_contact_due < timezone.now())
        )


class CaseEvent(models.Model):
    """The case's timeline: who did what, when. No protected content."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    created_at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    kind = models.CharField(max_length=40)
    details = models.JSONField(default=dict)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"


class Note(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    body = models.BinaryField()  # sealed for the organisation

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"note {self.pk} on {self.case_id}"


class Task(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")
    title = models.BinaryField()  # sealed for the organisation: titles can name people
    due_at = models.DateTimeField()
    assigned_to = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["done_at", "due_at", "id"]
        indexes = [models.Index(fields=["done_at", "due_at"], name="task_due")]

    def __str__(self) -> str:
        return f"task {self.pk} on {self.case_id}"


class Protocol(models.Model):
    """An organisation's checklist of response steps for one harm type (or "general").

    ``steps`` is a list of ``{"id", "ar", "fr", "en"}``; ids stay stable when the text is
    edited, so ticks keep pointing at the same step.
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="protocols"
    )
    harm_type = models.CharField(max_length=48)
    steps = models.JSONField(default=list)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "harm_type"], name="one_protocol_per_harm"
            )
        ]

    def __str__(self) -> str:
        return f"{self.harm_type} protocol of {self.organisation_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        # The case page reads protocols from the cache: any saved change is seen at once.
        key = protocols_cache_key(self.organisation_id)
        cache.delete(key)
        transaction.on_commit(lambda: cache.delete(key))


def protocols_cache_key(organisation_id: int) -> str:
    return f"cases:protocols:{organisation_id}"


class ProtocolTick(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="protocol_ticks")
    step_id = models.CharField(max_length=80)
    done_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    done_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "step_id"], name="one_tick_per_step")
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.step_id}"


class ConsentRecord(models.Model):
    """One decision about one use of the child's information. The newest one counts."""

    class Purpose(models.TextChoices):
        CONTACT = "contact", _("Being contacted")
        SERVICES = "services", _("Receiving services")
        REFERRAL = "referral", _("Referral to a named service")
        STATISTICS = "statistics", _("Anonymous statistics")
        AUTHORITIES = "authorities", _("Reporting to the authorities")

    class GivenBy(models.TextChoices):
        CHILD = "child", _("The child (assent)")
        CAREGIVER = "caregiver", _("A parent or caregiver")
        REPORTER = "reporter", _("The reporter")
        SUPERVISOR = "supervisor", _("A supervisor (best-interests override)")

    class Method(models.TextChoices):
        ONLINE_FORM = "online_form", _("Online report form")
        PHONE = "phone", _("By phone")
        IN_PERSON = "in_person", _("In person")
        WRITTEN = "written", _("In writing")
        OVERRIDE = "override", _("Best-interests decision")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    granted = models.BooleanField()
    given_by = models.CharField(max_length=16, choices=GivenBy.choices)
    method = models.CharField(max_length=16, choices=Method.choices)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    # A supervisor's reason for overriding, sealed for the organisation (it may name people).
    override_reason = models.BinaryField(null=True)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [models.Index(fields=["case", "purpose", "-recorded_at"], name="consent_latest")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.purpose}={self.granted}"


class Escalation(models.Model):
    """A takedown or report request to a platform or hotline, and how it was answered."""

    class Kind(models.TextChoices):
        TAKEDOWN = "takedown", _("Takedown request")
        REPORT = "report", _("Report of an account or content")

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Waiting for an answer")
        REMOVED = "removed", _("Removed")
        REFUSED = "refused", _("Refused")
        NO_ANSWER = "no_answer", _("No answer")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="escalations")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    platform = models.CharField(max_length=32)  # a taxonomy Platform code, or "hotline"
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # The link, handle or report number, sealed for the organisation.
    content_reference = models.BinaryField()
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.PENDING)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        indexes = [
            models.Index(fields=["organisation", "platform", "sent_at"], name="escalation_platform")
        ]

    def __str__(self) -> str:
        return f"{self.platform} {self.kind} for {self.case_id}"

    @property
    def hours_to_removal(self) -> float | None:
        if self.outcome != self.Outcome.REMOVED or self.resolved_at is None:
            return None
        return (self.resolved_at - self.sent_at).total_seconds() / 3600


class BlindIndexEntry(models.Model):
    """A keyed hash of an identifier in a case (a phone number, a handle, a link).

    The key derives from the organisation's private key, which only members hold: equal
    identifiers in two cases give equal digests, and nobody with only the database can
    test guesses against them.
    """

    class Kind(models.TextChoices):
        PHONE = "phone", _("Phone number")
        EMAIL = "email", _("Email")
        HANDLE = "handle", _("Account name")
        LINK = "link", _("Link")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="blind_index")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    digest = models.CharField(max_length=64)

    class Meta:
        indexes = [models.Index(fields=["organisation", "digest"], name="blind_index_lookup")]
        constraints = [
            models.UniqueConstraint(fields=["case", "digest"], name="one_digest_per_case")
        ]

    def __str__(self) -> str:
        return f"{self.kind} digest of {self.case_id}"


class Transfer(models.Model):
    """A case handed to another organisation (possibly in another country).

    The receiving organisation gets a copy sealed to it holding only what consent allows;
    it accepts (a new case of its own is made from the copy) or declines. Both sides keep
    this record.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for an answer")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="transfers_out")
    from_organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    to_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="transfers_in"
    )
    sealed_copy = models.BinaryField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    new_case = models.OneToOneField(
        Case, on_delete=models.SET_NULL, null=True, related_name="transferred_from"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"transfer of {self.case_id} to {self.to_organisation_id}"
